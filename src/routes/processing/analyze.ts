/**
 * POST /api/v1/analyze (docs/compatibility.md#routes-processing): the best segments of a video for a target duration. The
 * original scored motion with OpenCV inside the request; here an `analyze_video` job runs the
 * processor's highlights scoring, or Gemini frame analysis when `context_text` is given and a
 * key is configured (its estimated cost is checked against the profile's budget first: 402).
 * The job result is `{video_info, segments, total_selected_duration}` as the original answered.
 */
import { z } from '@hono/zod-openapi';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import { assertWithinBudget } from '../../jobs/budget.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { formNumber, optionalText } from '../../http/form-fields.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { estimateGeminiAnalysisUsd } from '../../providers/cost-estimates.ts';
import { loadPriceTable } from '../../providers/pricing.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { ASSUMED_UPLOAD_DURATION_SECONDS, geminiEnabled, jobVideo, sourceVideoIdField } from './inputs.ts';

const Fields = z.object({
  source_video_id: sourceVideoIdField.optional(),
  target_duration: formNumber.optional().default(20).pipe(z.number().min(1).max(600)),
  context_text: optionalText(5000),
});

export function analyzeRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'analyzeVideo',
      path: '/analyze',
      tags: ['Analysis'],
      summary: 'Find the best segments of a video (job)',
      description:
        'Upload `video` or name an owned `source_video_id`. With `context_text` and a Gemini key, frames go to Gemini (cost recorded per call; 402 when the estimate exceeds the monthly budget); otherwise the processor scores highlights for free. The job result is `{status, video_info, segments[{start,end,duration,motion_score,variance_score,combined_score}], total_selected_duration, engine_used}`.',
      fields: Fields,
      files: { video: 'The video (becomes a source video of the profile)' },
      responses: {
        202: {
          description: 'Queued',
          schema: JobResponse.extend({
            source_video_id: z.string(),
            engine: z.enum(['gemini', 'highlights']),
            estimated_cost_usd: z.number(),
          }),
        },
      },
    },
    (c) =>
      handleJobRoute(c, { videos: ['video'] }, Fields, async ({ c, fields, request, jobId }) => {
        const scope = c.get('scope');
        const video = await jobVideo(scope, request, 'video', fields.source_video_id);
        const engine = geminiEnabled(c.env, fields.context_text) ? 'gemini' : 'highlights';
        let estimate = 0;
        if (engine === 'gemini') {
          const model = (await getScopeProfile(scope)).geminiModel || c.env.GEMINI_MODEL;
          estimate = estimateGeminiAnalysisUsd(
            loadPriceTable(c.env.PRICES_JSON),
            model,
            video.existing?.duration ?? ASSUMED_UPLOAD_DURATION_SECONDS,
          );
          await assertWithinBudget(scope, estimate);
        }
        await request.startProbes();
        const job = await enqueueJob(
          scope,
          c.env,
          'analyze_video',
          {
            source_video_id: video.id,
            target_duration: fields.target_duration,
            context_text: fields.context_text,
            engine,
          },
          { id: jobId, resourceType: 'source_video', resourceId: video.id, step: 'Queued for analysis' },
        );
        return jobCreated(job, { source_video_id: video.id, engine, estimated_cost_usd: estimate });
      }),
  );
}
