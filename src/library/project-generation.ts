/**
 * A project's generation state outside the job: settling it when a generation stops without its
 * job doing so (cancelled before it ran, or a worker lost mid-run), so a project is never left
 * `generating` with nothing running (docs/compatibility.md#w15).
 */
import { findActiveJobOnResource, getJob } from '../db/repos/jobs.ts';
import {
  type ProjectRow,
  type ProjectStatus,
  getProject,
  recountProjects,
  updateProjectStatement,
} from '../db/repos/projects.ts';
import type { ProfileScope } from '../db/scope.ts';

/** A claim this recent may still be waiting for its job row: leave it alone. */
const SETTLE_GRACE_MS = 30_000;

const previousStatusOf = (input: Record<string, unknown> | undefined): ProjectStatus | null => {
  const value = input?.previous_status;
  return value === 'draft' || value === 'ready_for_triage' || value === 'failed' ? value : null;
};

/** The status a project goes back to when its generation ended without settling it. */
export async function settleStoppedGeneration(
  scope: ProfileScope,
  project: ProjectRow,
  jobInput?: Record<string, unknown>,
  note?: string,
): Promise<ProjectRow> {
  await recountProjects(scope, [project.id]);
  const fresh = (await getProject(scope, project.id)) ?? project;
  const job = project.generationJobId ? await getJob(scope, project.generationJobId) : undefined;
  const status: ProjectStatus =
    job?.status === 'failed'
      ? 'failed'
      : fresh.variantsCount > 0
        ? 'ready_for_triage'
        : (previousStatusOf(jobInput ?? job?.input) ?? 'draft');
  const step =
    note ??
    (job?.status === 'failed'
      ? `Failed: ${job.errorMessage ?? 'the generation failed'}`
      : job?.status === 'cancelled'
        ? 'Cancelled'
        : 'Stopped');
  await updateProjectStatement(scope, project.id, { status, progressStep: step.slice(0, 500) });
  return (await getProject(scope, project.id)) ?? fresh;
}

/** Settles a project stuck in `generating` with no generation job running (read paths call this). */
export async function reconcileGeneration(scope: ProfileScope, project: ProjectRow): Promise<ProjectRow> {
  if (project.status !== 'generating') return project;
  if (Date.now() - Date.parse(project.updatedAt) < SETTLE_GRACE_MS) return project;
  if (await findActiveJobOnResource(scope, 'project', project.id)) return project;
  return settleStoppedGeneration(scope, project);
}
