/**
 * POST /api/v1/mute-voice (docs/compatibility.md#routes-processing, docs/compatibility.md#mute-voice): a `mute_voice` job that mutes the detected speech
 * of a video — `hard` (silence), `duck` (keep `keep_percentage` of the level; the original's
 * only mode) or `fade` (the original's exponential fades, docs/compatibility.md#voice-detection) — with the video stream-copied.
 * The result is a job output; `GET /jobs/{id}/download` serves `{output_name}_voice_muted.mp4`.
 */
import { z } from '@hono/zod-openapi';
import { SPEECH_MUTE_MARGINS } from '../../../shared/processor/operations.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { jobVideo, numberField, outputNameField, sourceVideoIdField } from './inputs.ts';

const Fields = z.object({
  source_video_id: sourceVideoIdField.optional(),
  keep_percentage: numberField(0, 0, 1),
  mode: z.enum(['hard', 'duck', 'fade']).optional(),
  fade_duration: numberField(0.8, 0.05, 5),
  output_name: outputNameField,
  threshold: numberField(0.5, 0, 1),
  min_speech_duration: numberField(0.25, 0.1, 10),
  pad_before: numberField(SPEECH_MUTE_MARGINS.pad_before, 0, 2).openapi({
    description: 'Seconds muted before each detected speech span',
  }),
  pad_after: numberField(SPEECH_MUTE_MARGINS.pad_after, 0, 2).openapi({
    description: "Seconds muted after each detected speech span (a word's quiet tail outlasts the detector's span)",
  }),
  merge_gap: numberField(SPEECH_MUTE_MARGINS.merge_gap, 0, 5).openapi({
    description: 'Spans this close after padding are muted as one (no fragments of sound between words)',
  }),
});

export function muteVoiceRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'muteVoice',
      path: '/mute-voice',
      tags: ['Voice'],
      summary: 'Mute the speech in a video (job)',
      description:
        'Upload `video` or name an owned `source_video_id`. `mode` defaults to `hard` (or `duck` when `keep_percentage` > 0). Each detected speech span is widened by `pad_before` / `pad_after` and spans closer than `merge_gap` are muted as one, so word tails are not heard. The job result has `voice_segments`, `segments_muted`, `total_voice_duration` and `final_video_url`; the video stream is copied packet for packet.',
      fields: Fields,
      files: { video: 'The video (becomes a source video of the profile)' },
      responses: { 202: { description: 'Queued', schema: JobResponse.extend({ source_video_id: z.string() }) } },
    },
    (c) =>
      handleJobRoute(c, { videos: ['video'] }, Fields, async ({ c, fields, request, jobId }) => {
        const scope = c.get('scope');
        const video = await jobVideo(scope, request, 'video', fields.source_video_id);
        // The original's keep_percentage alone meant "duck to this level" (0 = silence).
        const mode = fields.mode ?? (fields.keep_percentage > 0 ? 'duck' : 'hard');
        await request.startProbes();
        const job = await enqueueJob(
          scope,
          c.env,
          'mute_voice',
          {
            source_video_id: video.id,
            mode,
            keep_percentage: fields.keep_percentage,
            fade_duration: mode === 'fade' ? fields.fade_duration : null,
            detect: {
              threshold: fields.threshold,
              min_speech_duration: fields.min_speech_duration,
              min_silence_duration: 0.1,
              padding: 0,
            },
            margins: { pad_before: fields.pad_before, pad_after: fields.pad_after, merge_gap: fields.merge_gap },
            output_name: fields.output_name ?? `muted_${jobId}`,
          },
          { id: jobId, resourceType: 'source_video', resourceId: video.id, step: 'Queued for voice muting' },
        );
        return jobCreated(job, { source_video_id: video.id });
      }),
  );
}
