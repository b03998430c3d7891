/** GET /api/v1/postiz/publish/{job_id}/progress: a publish's (or a whole bulk publish's) progress. */
import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../../core/errors.ts';
import { type JobRow, getJob, listJobsForResource } from '../../db/repos/jobs.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { tags } from './presenter.ts';

const JobIdParam = idParam('job_id', 'job');

const ProgressResponse = z
  .object({
    job_id: z.string(),
    step: z.string(),
    percentage: z.number().int().min(0).max(100),
    status: z.enum(['in_progress', 'completed', 'failed', 'completed_with_errors']),
    updated_at: z.string(),
    total: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
  })
  .openapi('PostizPublishProgress');

type ProgressStatus = z.infer<typeof ProgressResponse>['status'];

function batchProgress(requested: JobRow, batch: JobRow[]): z.infer<typeof ProgressResponse> {
  const jobs = batch.length ? batch : [requested];
  const done = jobs.filter((j) => j.status === 'completed').length;
  const failed = jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled').length;
  const active = jobs.length - done - failed;
  let status: ProgressStatus;
  if (active > 0) status = 'in_progress';
  else if (failed === 0) status = 'completed';
  else if (done === 0) status = 'failed';
  else status = 'completed_with_errors';
  const percentage = Math.round(
    jobs.reduce(
      (sum, j) =>
        sum + (j.status === 'completed' || j.status === 'failed' || j.status === 'cancelled' ? 100 : j.progress),
      0,
    ) / jobs.length,
  );
  let step: string;
  if (jobs.length === 1) step = jobs[0]!.step ?? 'Queued';
  else if (active > 0) {
    const current = jobs.find((j) => j.status === 'running') ?? jobs.find((j) => j.status === 'pending')!;
    step = `${done + failed} of ${jobs.length} clips done; ${current.step ?? 'Queued'}`;
  } else
    step = failed
      ? `Published ${done} of ${jobs.length} clips; ${failed} failed`
      : `All ${jobs.length} clips published or scheduled`;
  const updatedAt = jobs
    .map((j) => j.updatedAt)
    .sort()
    .at(-1)!;
  return {
    job_id: requested.id,
    step,
    percentage,
    status,
    updated_at: updatedAt,
    total: jobs.length,
    completed: done,
    failed,
  };
}

export function postizPublishProgressRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getPublishProgress',
      path: '/publish/{job_id}/progress',
      tags,
      security,
      summary: 'Progress of a publish (or a whole bulk publish)',
      description:
        'Read from the persisted jobs. For a bulk publish, any of its job ids gives the progress of the whole batch.',
      request: { params: JobIdParam },
      responses: { 200: jsonContent(ProgressResponse, 'Progress'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await getJob(scope, c.req.valid('param').job_id);
      if (job?.type !== 'publish_clip') throw notFound('Publish job');
      const batch =
        job.resourceType === 'publish_batch' && job.resourceId
          ? await listJobsForResource(scope, 'publish_clip', 'publish_batch', job.resourceId)
          : [];
      return c.json(batchProgress(job, batch), 200);
    },
  );
}
