/**
 * GET /api/v1/jobs/{job_id}/events: a job's progress as Server-Sent Events, pushed by the job's
 * hub (src/jobs/job-events.ts) instead of polled from D1. A watcher reads D1 only when the hub
 * holds no live row for the job (the job finished, or the hub was evicted), once per connection.
 */
import { createRoute } from '@hono/zod-openapi';
import type { SSEStreamingApi } from 'hono/streaming';
import { streamSSE } from 'hono/streaming';
import type { Bindings } from '../../core/env.ts';
import { type JobRow, isTerminal } from '../../db/repos/jobs.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { errorResponses, security } from '../../http/openapi.ts';
import { ownedJob } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { jobEventsHub, readJobFeed } from '../../jobs/job-events.ts';
import { withOutputUrls } from '../../storage/job-outputs.ts';
import { toJobResponse } from './presenter.ts';

/** A stream ends after this long (the client reconnects with `Last-Event-ID`). */
export const SSE_MAX_DURATION_MS = 30 * 60_000;

/**
 * Writes one watcher's events: `progress` when status, progress or step changed (with the row's
 * `updated_at` as its id), and `end` with signed output URLs once the job finished. A reconnecting
 * client's `Last-Event-ID` skips a `progress` it already has. Returns true after `end`.
 */
function jobEventWriter(stream: SSEStreamingApi, env: Bindings, scope: ProfileScope, lastEventId: string | undefined) {
  let last = '';
  return async (job: JobRow): Promise<boolean> => {
    const body = toJobResponse(job);
    const snapshot = JSON.stringify([body.status, body.progress, body.step]);
    if (snapshot !== last && !(lastEventId && job.updatedAt <= lastEventId)) {
      await stream.writeSSE({ event: 'progress', data: JSON.stringify(body), id: job.updatedAt });
    }
    last = snapshot;
    if (!isTerminal(job)) return false;
    await stream.writeSSE({
      event: 'end',
      data: JSON.stringify({ ...body, result: await withOutputUrls(env, scope, job) }),
    });
    return true;
  };
}

export function jobEventRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'streamJobEvents',
      path: '/{job_id}/events',
      tags: ['Jobs'],
      security,
      summary: 'Job progress as Server-Sent Events',
      description:
        "Sends a `progress` event whenever the job changes (and once at the start; its id is the job's `updated_at`), a comment heartbeat every 15 s, and a final `end` event when the job finishes. A reconnect with `Last-Event-ID` skips the `progress` event already received.",
      request: { params: idParam('job_id', 'job') },
      responses: { 200: { description: 'text/event-stream' }, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const jobId = c.req.valid('param').job_id;
      const lastEventId = c.req.header('Last-Event-ID') || undefined;
      const hub = jobEventsHub(c.env, scope, jobId);
      let feed = await hub.watch(null);
      let finished: JobRow | undefined;
      if (!feed) {
        // D1 is the record: the job in this profile (or 404), finished or handed to the hub.
        const job = await ownedJob(scope, jobId);
        if (isTerminal(job)) finished = job;
        else feed = await hub.watch(job);
      }
      return streamSSE(c, async (stream) => {
        const write = jobEventWriter(stream, c.env, scope, lastEventId);
        if (finished || !feed) {
          if (finished) await write(finished);
          return;
        }
        const started = Date.now();
        // Leaving the loop cancels the feed, which removes this watcher from the hub.
        for await (const item of readJobFeed(feed)) {
          if (stream.aborted) return;
          if ('job' in item) {
            if (await write(item.job)) return;
          } else await stream.write(': heartbeat\n\n');
          if (Date.now() - started >= SSE_MAX_DURATION_MS) return;
        }
      });
    },
  );
}
