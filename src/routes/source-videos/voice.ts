/**
 * GET /api/v1/segments/source-videos/{id}/voice: speech intervals from the cached detect-voice
 * run, or a `detect_voice` job (202) when none with these parameters exists yet.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { conflict, notFound } from '../../core/errors.ts';
import { findActiveJob } from '../../db/repos/jobs.ts';
import { getVoiceDetection } from '../../db/repos/source-videos.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { DEFAULT_VOICE_PARAMS, sameVoiceParams } from '../../pipeline/source-video.ts';
import { conflictResponse, errorResponses, jsonContent, rateLimitResponse, security } from '../../http/openapi.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';
import { tags } from './presenter.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

/** Defaults follow the original's Silero call (docs/compatibility.md#voice-detection): threshold 0.5, 250 ms speech, 100 ms silence. */
const VoiceQuery = z.object({
  threshold: z.coerce.number().min(0).max(1).default(DEFAULT_VOICE_PARAMS.threshold),
  min_speech_duration: z.coerce.number().min(0).max(10).default(DEFAULT_VOICE_PARAMS.min_speech_duration),
  min_silence_duration: z.coerce.number().min(0).max(10).default(DEFAULT_VOICE_PARAMS.min_silence_duration),
  padding: z.coerce.number().min(0).max(5).default(DEFAULT_VOICE_PARAMS.padding),
});
const VoiceSegment = z.object({
  start: z.number(),
  end: z.number(),
  duration: z.number().optional(),
  confidence: z.number(),
});
const VoiceResponse = z
  .object({
    source_video_id: z.string(),
    status: z.literal('completed'),
    segments: z.array(VoiceSegment),
    total_voice_duration: z.number().nullable(),
    duration: z.number().nullable(),
    engine: z.string().nullable(),
    params: z.record(z.string(), z.number()),
    computed_at: z.string().nullable(),
  })
  .openapi('VoiceDetection');
const VoicePending = z
  .object({ source_video_id: z.string(), status: z.literal('processing'), job_id: z.string(), job: JobResponse })
  .openapi('VoiceDetectionPending');

export function sourceVideoVoiceRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getSourceVideoVoice',
      path: '/{id}/voice',
      tags,
      security,
      summary: 'Speech intervals (cached detect-voice run)',
      description:
        'Answers from the cache when a run with the same parameters exists; otherwise starts a `detect_voice` job (or reports the one running) with 202. Poll this route or the job.',
      request: { params: VideoIdParam, query: VoiceQuery },
      responses: {
        200: jsonContent(VoiceResponse, 'Speech intervals'),
        202: jsonContent(VoicePending, 'Being computed'),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const params = c.req.valid('query');
      const row = await getVoiceDetection(scope, id);
      if (!row) throw notFound('Source video');
      if (row.status !== 'ready') throw conflict(`Voice detection needs a ready video (status ${row.status})`);
      if (row.voice && sameVoiceParams(row.voice.params, params)) {
        return c.json(
          {
            source_video_id: id,
            status: 'completed' as const,
            segments: row.voice.segments,
            total_voice_duration: row.voice.total_voice_duration ?? null,
            duration: row.voice.duration ?? row.duration,
            engine: row.voice.engine ?? null,
            params: row.voice.params,
            computed_at: row.voice.computed_at ?? null,
          },
          200,
        );
      }
      const active = await findActiveJob(scope, 'detect_voice', id);
      const activeParams = (active?.input as { params?: Record<string, number> } | undefined)?.params;
      const job =
        active && activeParams && sameVoiceParams(activeParams, params)
          ? active
          : await enqueueJob(
              scope,
              c.env,
              'detect_voice',
              { source_video_id: id, params },
              {
                resourceType: 'source_video',
                resourceId: id,
                step: 'Queued for voice detection',
              },
            );
      return c.json(
        { source_video_id: id, status: 'processing' as const, job_id: job.id, job: toJobResponse(job) },
        202,
      );
    },
  );
}
