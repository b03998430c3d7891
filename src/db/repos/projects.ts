/** Projects of a profile: CRUD, persisted generation progress and derived counters. */
import { and, desc, eq, getTableColumns, inArray, lt, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import { clips, projects, type projectStatuses } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';

export type ProjectRow = typeof projects.$inferSelect;
export type ProjectStatus = (typeof projectStatuses)[number];
export interface ProjectFields {
  name?: string;
  description?: string | null;
  status?: ProjectStatus;
  targetDuration?: number;
  contextText?: string | null;
}

const now = () => new Date().toISOString();

export async function createProject(
  scope: ProfileScope,
  fields: ProjectFields & { name: string },
): Promise<ProjectRow> {
  const [row] = await scope.db
    .insert(projects)
    .values(stamped(scope, { id: newId('project'), ...fields }))
    .returning();
  return row!;
}

/** A project with the id of its cover clip: the first live clip with a thumbnail, by variant index. */
export type ProjectListing = ProjectRow & { coverClipId: string | null };

/**
 * The columns of a listing: the project's, and its cover clip in the same statement (one D1 round
 * trip). Written out with an alias: drizzle leaves columns unqualified in a one-table select, where
 * `id` inside the subquery would be the clip's own.
 */
const listingColumns = (scope: ProfileScope) => ({
  ...getTableColumns(projects),
  coverClipId: sql<
    string | null
  >`(SELECT cover.id FROM clips AS cover WHERE cover.profile_id = ${scope.profileId} AND cover.project_id = projects.id AND cover.is_deleted = 0 AND cover.thumbnail_key IS NOT NULL ORDER BY cover.variant_index LIMIT 1)`,
});

export async function listProjects(scope: ProfileScope, filters: { status?: ProjectStatus }, page: PageQuery) {
  const rows: ProjectListing[] = await scope.db
    .select(listingColumns(scope))
    .from(projects)
    .where(
      owned(
        projects,
        scope,
        filters.status ? eq(projects.status, filters.status) : undefined,
        page.cursor ? lt(projects.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(projects.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export function getProject(scope: ProfileScope, id: string): Promise<ProjectRow | undefined> {
  return scope.db.query.projects.findFirst({ where: owned(projects, scope, eq(projects.id, id)) });
}

/** `getProject` with its cover clip, in one statement. */
export async function getProjectListing(scope: ProfileScope, id: string): Promise<ProjectListing | undefined> {
  const [row] = await scope.db
    .select(listingColumns(scope))
    .from(projects)
    .where(owned(projects, scope, eq(projects.id, id)));
  return row;
}

export async function updateProject(
  scope: ProfileScope,
  id: string,
  fields: ProjectFields & { sourceVideoId?: string | null; generationJobId?: string | null },
) {
  const [row] = await scope.db
    .update(projects)
    .set({ ...fields, updatedAt: now() })
    .where(owned(projects, scope, eq(projects.id, id)))
    .returning();
  return row;
}

/** Statement form, to commit a project change in the same batch as a job row. */
export function updateProjectStatement(scope: ProfileScope, id: string, fields: Partial<typeof projects.$inferInsert>) {
  return scope.db
    .update(projects)
    .set({ ...fields, updatedAt: now() })
    .where(owned(projects, scope, eq(projects.id, id)));
}

/**
 * Moves the project to `generating` unless it already is: the lock that keeps two generations of one
 * project from starting together. Returns the row before the change, or undefined when not claimed.
 */
export async function claimProjectForGeneration(
  scope: ProfileScope,
  id: string,
  expectedStatus: ProjectStatus,
): Promise<ProjectRow | undefined> {
  const [row] = await scope.db
    .update(projects)
    .set({ status: 'generating', progress: 0, progressStep: 'Queued', updatedAt: now() })
    .where(
      owned(
        projects,
        scope,
        eq(projects.id, id),
        eq(projects.status, expectedStatus),
        sql`${projects.status} <> 'generating'`,
      ),
    )
    .returning();
  return row;
}

/** Persists generation progress: clamped to 0–100 and never moving backwards within a run. */
export async function setProjectProgress(scope: ProfileScope, id: string, percent: number, step: string) {
  const pct = Math.max(0, Math.min(100, Math.round(percent)));
  await scope.db
    .update(projects)
    .set({ progress: sql`max(${projects.progress}, ${pct})`, progressStep: step, updatedAt: now() })
    .where(owned(projects, scope, eq(projects.id, id)));
}

export async function deleteProject(
  scope: ProfileScope,
  id: string,
): Promise<{ project: ProjectRow; clipIds: string[] } | undefined> {
  const clipRows = await scope.db
    .select({ id: clips.id })
    .from(clips)
    .where(owned(clips, scope, eq(clips.projectId, id)));
  const [row] = await scope.db
    .delete(projects)
    .where(owned(projects, scope, eq(projects.id, id)))
    .returning();
  return row ? { project: row, clipIds: clipRows.map((c) => c.id) } : undefined;
}

/** Recomputes variants/selected/exported counters from the clips (never stored by hand). */
export async function recountProjects(scope: ProfileScope, projectIds: string[]) {
  const ids = [...new Set(projectIds)];
  if (!ids.length) return;
  const alive = and(
    eq(clips.projectId, projects.id),
    eq(clips.isDeleted, false),
    eq(clips.profileId, projects.profileId),
  );
  await scope.db
    .update(projects)
    .set({
      variantsCount: sql`(SELECT count(*) FROM ${clips} WHERE ${alive})`,
      selectedCount: sql`(SELECT count(*) FROM ${clips} WHERE ${alive} AND ${clips.isSelected} = 1)`,
      exportedCount: sql`(SELECT count(*) FROM ${clips} WHERE ${alive} AND ${clips.finalStatus} = 'completed')`,
      updatedAt: now(),
    })
    .where(owned(projects, scope, inArray(projects.id, ids)));
}

/**
 * Ends a generation run: status and final step, only while the project still belongs to that run
 * (a later run is not overwritten by an earlier one's late end). Returns whether it changed.
 */
export async function finishProjectGeneration(
  scope: ProfileScope,
  id: string,
  jobId: string,
  outcome: { status: 'ready_for_triage' | 'failed'; step: string },
): Promise<boolean> {
  const rows = await scope.db
    .update(projects)
    .set({
      status: outcome.status,
      progressStep: outcome.step.slice(0, 500),
      ...(outcome.status === 'ready_for_triage' ? { progress: 100 } : {}),
      updatedAt: now(),
    })
    .where(owned(projects, scope, eq(projects.id, id), eq(projects.generationJobId, jobId)))
    .returning({ id: projects.id });
  return rows.length > 0;
}
