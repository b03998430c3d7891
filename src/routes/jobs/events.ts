/** GET /api/v1/jobs/{job_id}/events: a job's progress as Server-Sent Events. */
import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { type JobRow, getJob, isTerminal } from '../../db/repos/jobs.ts';
import { errorResponses, security } from '../../http/openapi.ts';
import { ownedJob } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { withOutputUrls } from '../../storage/job-outputs.ts';
import { toJobResponse } from './presenter.ts';

export const SSE_POLL_MS = 1000;
export const SSE_HEARTBEAT_MS = 15_000;
export const SSE_MAX_DURATION_MS = 30 * 60_000;

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
        'Sends a `progress` event whenever the job changes (and once at the start), a comment heartbeat every 15 s, and a final `end` event when the job finishes.',
      request: { params: idParam('job_id', 'job') },
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
            await stream.writeSSE({
              event: 'end',
              data: JSON.stringify({ ...body, result: await withOutputUrls(c.env, scope, job) }),
            });
            return;
          }
          if (Date.now() - lastBeat >= SSE_HEARTBEAT_MS) {
            await stream.write(': heartbeat\n\n');
            lastBeat = Date.now();
          }
          await stream.sleep(SSE_POLL_MS);
          job = await getJob(scope, first.id);
        }
        if (!job)
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: 'deleted', job_id: first.id }) });
      });
    },
  );
}
