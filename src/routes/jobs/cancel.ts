/** POST /api/v1/jobs/{job_id}/cancel. */
import { createRoute } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { isTerminal } from '../../db/repos/jobs.ts';
import { errorResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedJob } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { runCancelHook } from '../../jobs/cancel.ts';
import { requestJobCancel } from '../../jobs/job-events.ts';
import { cancelJobOperations } from '../../jobs/job-processor.ts';
import type { JobRegistry } from '../../jobs/registry.ts';
import { JobResponse, toJobResponse } from './presenter.ts';

/** `jobs`: the job types the Worker runs, whose cancel hooks release what a job held. */
export function jobCancelRoutes(jobs: JobRegistry) {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'cancelJob',
      path: '/{job_id}/cancel',
      tags: ['Jobs'],
      security,
      summary: 'Cancel a job',
      description:
        'A pending job is cancelled at once; a running job stops within seconds (its processor operation is cancelled) or at its next checkpoint. Finished jobs answer 409.',
      request: { params: idParam('job_id', 'job') },
      responses: {
        200: jsonContent(JobResponse, 'Job after the request'),
        ...errorResponses,
        409: errorResponse(409, 'Already finished'),
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await ownedJob(scope, c.req.valid('param').job_id);
      if (isTerminal(job)) throw new ApiError(409, 'conflict', `Job is already ${job.status}`);
      const after = (await requestJobCancel(c.env, scope, job.id)) ?? job;
      // Reaches an operation running on the processor now, whether or not a delivery follows it.
      await cancelJobOperations(c.env, scope, job.id);
      if (after.status === 'cancelled') await runCancelHook(jobs, c.env, scope, after);
      return c.json(toJobResponse(after), 200);
    },
  );
}
