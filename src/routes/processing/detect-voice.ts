/**
 * POST /api/v1/detect-voice (docs/compatibility.md#routes-processing). The original ran Silero inside the request; a Worker
 * cannot, so: for an owned, ready `source_video_id` whose voice was already detected with the same
 * parameters the answer comes at once (200, the original's shape); otherwise a `detect_voice` job
 * is queued (202; its result carries the same fields) and cached on the video for next time. An
 * uploaded file becomes a source video of the profile; the job waits for its probe.
 */
import { z } from '@hono/zod-openapi';
import { roundMs } from '../../../shared/seconds.ts';
import { findActiveJob } from '../../db/repos/jobs.ts';
import { getVoiceDetection } from '../../db/repos/source-videos.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { DEFAULT_VOICE_PARAMS, sameVoiceParams } from '../../pipeline/source-video.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { jobVideo, numberField, sourceVideoIdField } from './inputs.ts';

const Fields = z.object({
  source_video_id: sourceVideoIdField.optional(),
  threshold: numberField(DEFAULT_VOICE_PARAMS.threshold, 0, 1),
  min_speech_duration: numberField(DEFAULT_VOICE_PARAMS.min_speech_duration, 0.1, 10),
  min_silence_duration: numberField(DEFAULT_VOICE_PARAMS.min_silence_duration, 0, 10),
  padding: numberField(DEFAULT_VOICE_PARAMS.padding, 0, 5),
});

const VoiceSegment = z.object({ start: z.number(), end: z.number(), duration: z.number(), confidence: z.number() });
const Detected = z
  .object({
    status: z.literal('success'),
    source_video_id: z.string(),
    voice_segments: z.array(VoiceSegment),
    total_voice_duration: z.number(),
    segments_count: z.number().int(),
    threshold_used: z.number(),
    cached: z.literal(true),
  })
  .openapi('DetectVoiceResult');

export function detectVoiceRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'detectVoice',
      path: '/detect-voice',
      tags: ['Voice'],
      summary: 'Detect speech in a video',
      description:
        'Upload `video` or name an owned `source_video_id`. Answers 200 at once from the cached detection of a ready source video (same parameters); otherwise 202 with a `detect_voice` job whose result has `voice_segments`, `total_voice_duration`, `segments_count` and `threshold_used`.',
      fields: Fields,
      files: { video: 'The video (becomes a source video of the profile)' },
      responses: {
        200: { description: 'Cached detection', schema: Detected },
        202: { description: 'Detection queued', schema: JobResponse.extend({ source_video_id: z.string() }) },
      },
    },
    (c) =>
      handleJobRoute(c, { videos: ['video'] }, Fields, async ({ c, fields, request, jobId }) => {
        const scope = c.get('scope');
        const video = await jobVideo(scope, request, 'video', fields.source_video_id);
        const params = {
          threshold: fields.threshold,
          min_speech_duration: fields.min_speech_duration,
          min_silence_duration: fields.min_silence_duration,
          padding: fields.padding,
        };
        if (video.existing?.status === 'ready') {
          const cached = await getVoiceDetection(scope, video.id);
          if (cached?.voice && sameVoiceParams(cached.voice.params, params)) {
            const segments = cached.voice.segments.map((s) => ({
              ...s,
              duration: s.duration ?? roundMs(s.end - s.start),
            }));
            return {
              status: 200,
              body: {
                status: 'success',
                source_video_id: video.id,
                voice_segments: segments,
                total_voice_duration: cached.voice.total_voice_duration ?? segments.reduce((n, s) => n + s.duration, 0),
                segments_count: segments.length,
                threshold_used: params.threshold,
                cached: true,
              },
            };
          }
          const active = await findActiveJob(scope, 'detect_voice', video.id);
          const activeParams = (active?.input as { params?: Record<string, number> } | undefined)?.params;
          if (active && activeParams && sameVoiceParams(activeParams, params))
            return jobCreated(active, { source_video_id: video.id });
        }
        await request.startProbes();
        const job = await enqueueJob(
          scope,
          c.env,
          'detect_voice',
          { source_video_id: video.id, params },
          {
            id: jobId,
            resourceType: 'source_video',
            resourceId: video.id,
            step: video.uploaded ? 'Waiting for the upload to be probed' : 'Queued for voice detection',
          },
        );
        return jobCreated(job, { source_video_id: video.id });
      }),
  );
}
