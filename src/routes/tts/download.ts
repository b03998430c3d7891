/** GET /api/v1/tts/{job_id}/download: the mp3 of a completed voice-over job. */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { errorResponses, security } from '../../http/openapi.ts';
import { ownedJob } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { jobOutputResponse } from '../jobs/download.ts';
import { mainOutputOf } from '../jobs/presenter.ts';
import { tags } from './voice-checks.ts';

export function ttsDownloadRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'downloadVoiceover',
      path: '/tts/{job_id}/download',
      tags,
      security,
      summary: 'Download a generated voice-over (mp3)',
      description:
        '302 to a short-lived signed URL of `voiceover_{job_id}.mp3` (`redirect=false` streams it). 400 when the job is not a completed TTS generation.',
      request: {
        params: idParam('job_id', 'job'),
        query: z.object({ redirect: z.enum(['true', 'false']).optional() }),
      },
      responses: {
        302: { description: 'Redirect to the signed URL' },
        200: { description: 'The mp3 (redirect=false)' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await ownedJob(scope, c.req.valid('param').job_id);
      if (job.type !== 'tts_generate') throw new ApiError(400, 'bad_request', 'This job is not a TTS generation');
      if (job.status !== 'completed')
        throw new ApiError(400, 'bad_request', `The TTS job is ${job.status}, not completed`);
      const main = mainOutputOf(job);
      if (!main) throw new ApiError(400, 'bad_request', 'The TTS job has no audio');
      return jobOutputResponse(c, job, main, {
        redirect: c.req.valid('query').redirect !== 'false',
        what: 'Voice-over',
      });
    },
  );
}
