/**
 * /api/v1/jobs: the profile's jobs (docs/compatibility.md#routes-processing, which listed every tenant's jobs unauthenticated).
 * List with filters and cursor pagination, get, schedule the deletion of, and delete (with its outputs). Download, cancel and
 * live progress are their own sub-resources.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { pageQuery } from '../../db/pagination.ts';
import { deleteJobRow, isTerminal, listJobs } from '../../db/repos/jobs.ts';
import { jobStatuses } from '../../db/schema.ts';
import { ApiError, notFound } from '../../core/errors.ts';
import { setJobDeleteAfter } from '../../db/repos/retention.ts';
import { deleteAfterField } from '../../http/retention-fields.ts';
import { errorResponse, errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedJob } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { keyBelongsTo } from '../../storage/keys.ts';
import { JobResponse, toJobResponseWithUrls } from './presenter.ts';

const JobIdParam = idParam('job_id', 'job');

const JobUpdate = z.object({ delete_after: deleteAfterField }).strict().openapi('JobUpdate');
const tags = ['Jobs'];

const ListQuery = pageQuery.extend({
  status: z.enum(jobStatuses).optional(),
  type: z.string().max(64).optional(),
  resource_id: z.string().max(64).optional(),
});

export function jobRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listJobs',
        path: '/',
        tags,
        security,
        summary: "List this profile's jobs",
        description: 'Newest first. `next_cursor` (also in `X-Next-Cursor`) fetches the next page.',
        request: { query: ListQuery },
        responses: {
          200: jsonContent(z.object({ jobs: z.array(JobResponse), next_cursor: z.string().nullable() }), 'Jobs'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const page = await listJobs(c.get('scope'), query, query);
        setNextPage(c, page.nextCursor, query.limit);
        const scope = c.get('scope');
        const jobs = await Promise.all(page.items.map((job) => toJobResponseWithUrls(c.env, scope, job)));
        return c.json({ jobs, next_cursor: page.nextCursor }, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getJob',
        path: '/{job_id}',
        tags,
        security,
        summary: 'Get a job',
        request: { params: JobIdParam },
        responses: { 200: jsonContent(JobResponse, 'Job'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        return c.json(
          await toJobResponseWithUrls(c.env, scope, await ownedJob(scope, c.req.valid('param').job_id)),
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateJob',
        path: '/{job_id}',
        tags,
        security,
        summary: 'Schedule (or clear) the deletion of a job and its outputs',
        request: { params: JobIdParam, body: jsonBody(JobUpdate) },
        responses: { 200: jsonContent(JobResponse, 'Updated'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const job = await ownedJob(scope, c.req.valid('param').job_id);
        const { delete_after } = c.req.valid('json');
        const row = delete_after === undefined ? job : await setJobDeleteAfter(scope, job.id, delete_after);
        if (!row) throw notFound('Job');
        return c.json(await toJobResponseWithUrls(c.env, scope, row), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteJob',
        path: '/{job_id}',
        tags,
        security,
        summary: 'Delete a finished job and its outputs',
        request: { params: JobIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), job_id: z.string() }), 'Deleted'),
          ...errorResponses,
          409: errorResponse(409, 'Job still active: cancel it first'),
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const job = await ownedJob(scope, c.req.valid('param').job_id);
        if (!isTerminal(job)) throw new ApiError(409, 'conflict', 'Job is still active; cancel it first');
        const keys = job.outputKeys.filter((k) => keyBelongsTo(scope, k));
        if (keys.length) await c.env.MEDIA.delete(keys);
        await deleteJobRow(scope, job.id);
        return c.json({ status: 'deleted' as const, job_id: job.id }, 200);
      },
    );
}
