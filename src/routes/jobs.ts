/**
 * /api/v1/jobs: the profile's jobs (original §1.2, which listed every tenant's jobs unauthenticated).
 * List with filters and cursor pagination, get, cancel, delete (with its outputs), and live progress
 * as Server-Sent Events.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { type JobRow, deleteJobRow, getJob, isTerminal, listJobs, requestCancel } from '../db/repos/jobs.ts';
import { pageQuery } from '../db/pagination.ts';
import { jobStatuses } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import { ApiError, notFound } from '../core/errors.ts';
import { errorResponses, idParam, jsonContent, security } from '../http/openapi.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import type { Bindings } from '../core/env.ts';
import { runCancelHook } from '../jobs/consumer.ts';
import { withOutputUrls } from '../storage/job-outputs.ts';
import { signedMediaUrl } from '../storage/signed-urls.ts';
import { serveObject } from '../http/serve-object.ts';
import { keyBelongsTo, storageKeys } from '../storage/keys.ts';

export const JobResponse = z
  .object({
    job_id: z.string().openapi({ example: 'job_01jd2v4m8r0000000000000000' }),
    id: z.string(),
    type: z.string(),
    status: z.enum(jobStatuses),
    progress: z.number().int().min(0).max(100),
    step: z.string().nullable(),
    resource_type: z.string().nullable(),
    resource_id: z.string().nullable(),
    input: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    video_info: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Lifted from `result` when present (the original JobResponse).' }),
    segments: z.array(z.unknown()).optional().openapi({ description: 'Lifted from `result` when present (the original JobResponse).' }),
  })
  .openapi('Job');
export type JobResponseBody = z.infer<typeof JobResponse>;

export function toJobResponse(job: JobRow): JobResponseBody {
  return {
    job_id: job.id,
    id: job.id,
    type: job.type,
    status: job.status,
    progress: job.progress,
    step: job.step,
    resource_type: job.resourceType,
    resource_id: job.resourceId,
    input: job.input,
    result: job.result,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    attempts: job.attempts,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}

/** The response with signed URLs for the job's outputs (`*_output` → `*_url` in `result`). */
export async function toJobResponseWithUrls(env: Bindings, scope: ProfileScope, job: JobRow): Promise<JobResponseBody> {
  const result = await withOutputUrls(env, scope, job);
  // The original's JobResponse lifted these two out of the result.
  const lifted = result as { video_info?: Record<string, unknown>; segments?: unknown[] } | null;
  return {
    ...toJobResponse(job),
    result,
    ...(lifted?.video_info && typeof lifted.video_info === 'object' ? { video_info: lifted.video_info } : {}),
    ...(Array.isArray(lifted?.segments) ? { segments: lifted.segments } : {}),
  };
}

export async function ownedJob(scope: ProfileScope, id: string): Promise<JobRow> {
  const job = await getJob(scope, id);
  if (!job) throw notFound('Job');
  return job;
}

const JobIdParam = idParam('job_id', 'job_01jd2v4m8r0000000000000000');
const tags = ['Jobs'];

const ListQuery = pageQuery.extend({
  status: z.enum(jobStatuses).optional(),
  type: z.string().max(64).optional(),
  resource_id: z.string().max(64).optional(),
});

/** `result.main_output` (a job output name) and `result.download_filename`, set by handlers. */
export function mainOutputOf(job: JobRow): { name: string; filename: string } | null {
  const result = job.result as { main_output?: unknown; download_filename?: unknown } | null;
  if (!result || typeof result.main_output !== 'string') return null;
  const filename = typeof result.download_filename === 'string' ? result.download_filename : result.main_output;
  return { name: result.main_output, filename };
}

async function fetchOwnMedia(env: Bindings, scope: ProfileScope, jobId: string, name: string, filename: string, request: Request): Promise<Response> {
  const key = storageKeys.jobOutput(scope, jobId, name);
  return serveObject(env.MEDIA, key, request, { what: 'Job output', attachmentFilename: filename });
}

export const SSE_POLL_MS = 1000;
export const SSE_HEARTBEAT_MS = 15_000;
export const SSE_MAX_DURATION_MS = 30 * 60_000;

export function jobRoutes() {
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'get',
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
      if (page.nextCursor) c.header('X-Next-Cursor', page.nextCursor);
      const scope = c.get('scope');
      const jobs = await Promise.all(page.items.map((job) => toJobResponseWithUrls(c.env, scope, job)));
      return c.json({ jobs, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{job_id}',
      tags,
      security,
      summary: 'Get a job',
      request: { params: JobIdParam },
      responses: { 200: jsonContent(JobResponse, 'Job'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      return c.json(await toJobResponseWithUrls(c.env, scope, await ownedJob(scope, c.req.valid('param').job_id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{job_id}/download',
      tags,
      security,
      summary: "Download a job's main output",
      description:
        "Redirects (302) to a short-lived signed URL of the job's main output (the first variant's final video, the muted video, …), served as an attachment named like the original (`{output_name}_final.mp4`). `?redirect=false` streams it instead. 400 while the job is not completed or when it has no downloadable output.",
      request: { params: JobIdParam, query: z.object({ redirect: z.enum(['true', 'false']).optional() }) },
      responses: {
        302: { description: 'Redirect to the signed URL' },
        200: { description: 'The file (redirect=false)' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await ownedJob(scope, c.req.valid('param').job_id);
      if (job.status !== 'completed') throw new ApiError(400, 'bad_request', `Job is ${job.status}, not completed`);
      const main = mainOutputOf(job);
      if (!main) throw new ApiError(400, 'bad_request', 'This job has no downloadable output');
      if (c.req.valid('query').redirect === 'false') return fetchOwnMedia(c.env, scope, job.id, main.name, main.filename, c.req.raw);
      const signed = await signedMediaUrl(c.env, scope, { kind: 'job_output', id: job.id, name: main.name }, { filename: main.filename, ttlSeconds: 600 });
      return c.redirect(signed.url, 302);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{job_id}/cancel',
      tags,
      security,
      summary: 'Cancel a job',
      description: 'A pending job is cancelled at once; a running job stops at its next checkpoint. Finished jobs answer 409.',
      request: { params: JobIdParam },
      responses: { 200: jsonContent(JobResponse, 'Job after the request'), ...errorResponses, 409: jsonContent(z.unknown(), 'Already finished') },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await ownedJob(scope, c.req.valid('param').job_id);
      if (isTerminal(job)) throw new ApiError(409, 'conflict', `Job is already ${job.status}`);
      const after = (await requestCancel(scope, job.id)) ?? job;
      if (after.status === 'cancelled') await runCancelHook(c.env, scope, after);
      return c.json(toJobResponse(after), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{job_id}',
      tags,
      security,
      summary: 'Delete a finished job and its outputs',
      request: { params: JobIdParam },
      responses: {
        200: jsonContent(z.object({ status: z.literal('deleted'), job_id: z.string() }), 'Deleted'),
        ...errorResponses,
        409: jsonContent(z.unknown(), 'Job still active: cancel it first'),
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

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{job_id}/events',
      tags,
      security,
      summary: 'Job progress as Server-Sent Events',
      description:
        'Sends a `progress` event whenever the job changes (and once at the start), a comment heartbeat every 15 s, and a final `end` event when the job finishes.',
      request: { params: JobIdParam },
      responses: { 200: { description: 'text/event-stream' }, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const first = await ownedJob(scope, c.req.valid('param').job_id);
      return streamSSE(c, async (stream) => {
        let last = '';
        let lastBeat = Date.now();
        const started = Date.now();
        let job: JobRow | undefined = first;
        while (job && Date.now() - started < SSE_MAX_DURATION_MS && !stream.aborted) {
          const body = toJobResponse(job);
          const snapshot = JSON.stringify([body.status, body.progress, body.step]);
          if (snapshot !== last) {
            last = snapshot;
            await stream.writeSSE({ event: 'progress', data: JSON.stringify(body), id: job.updatedAt });
          }
          if (isTerminal(job)) {
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ ...body, result: await withOutputUrls(c.env, scope, job) }) });
            return;
          }
          if (Date.now() - lastBeat >= SSE_HEARTBEAT_MS) {
            await stream.write(': heartbeat\n\n');
            lastBeat = Date.now();
          }
          await stream.sleep(SSE_POLL_MS);
          job = await getJob(scope, first.id);
        }
        if (!job) await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: 'deleted', job_id: first.id }) });
      });
    },
  );

  return app;
}
