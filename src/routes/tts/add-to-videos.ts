/**
 * POST /api/v1/tts/add-to-videos (docs/compatibility.md#tts): one voice-over mixed into owned clips or source
 * videos (ids, never the original's server paths); each result is a job output. ElevenLabs costs
 * are checked against the profile's budget first (402).
 */
import { z } from '@hono/zod-openapi';
import { ownedClipIds } from '../../db/repos/clips.ts';
import { ApiError, conflict, notFound } from '../../core/errors.ts';
import { type IdKind, idPrefixes, idSchema } from '../../core/ids.ts';
import { assertWithinBudget } from '../../jobs/budget.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { formJson, formNumber } from '../../http/form-fields.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { ownedSourceVideo } from '../../http/owned.ts';
import { createTenantRouter } from '../../http/router.ts';
import { estimateVoiceoverCostUsd } from '../../voiceover/synthesize.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { checkText, duckingField, silenceFields, tags, voicePlan } from './voice-checks.ts';

const idList = (kind: IdKind) =>
  formJson(z.array(idSchema(kind, `must be an id (${idPrefixes[kind]}_…)`)).max(20)).optional();

const AddFields = z.object({
  tts_text: z.string(),
  clip_ids: idList('clip'),
  source_video_ids: idList('sourceVideo'),
  video_paths: z.unknown().optional(),
  output_suffix: z
    .string()
    .max(50)
    .regex(/^[A-Za-z0-9 _.-]*$/, 'letters, digits, spaces, dots, dashes and underscores only')
    .optional()
    .default('_with_tts'),
  duck_to: formNumber.optional().default(0.1).pipe(z.number().min(0).max(1)),
  ducking: duckingField,
  ...silenceFields,
});

export function ttsAddToVideosRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'addVoiceoverToVideos',
      path: '/tts/add-to-videos',
      tags,
      summary: 'Add one voice-over to several videos (job)',
      description:
        'JSON (or form fields with JSON arrays): `clip_ids` and/or `source_video_ids` of this profile (never paths: `video_paths` answers 400), `tts_text`. Each video keeps its picture (stream-copied) and its sound ducked to `duck_to` (default 0.1, as the original) under the voice: by default only while the voice sounds (`ducking: sidechain`, back to full level in its pauses), or for the whole voice-over (`ducking: constant`, as the original did). Each result is a job output (`processed_videos[].with_tts_url`, downloaded as `{name}{output_suffix}.mp4`); the clips themselves are not changed.',
      fields: AddFields,
      responses: {
        202: {
          description: 'Queued',
          schema: JobResponse.extend({ provider: z.enum(['elevenlabs', 'local']), estimated_cost_usd: z.number() }),
        },
      },
    },
    (c) =>
      handleJobRoute(c, {}, AddFields, async ({ c, fields, jobId }) => {
        const scope = c.get('scope');
        if (fields.video_paths !== undefined) {
          throw new ApiError(
            400,
            'validation_failed',
            'Server paths are not accepted: send `clip_ids` and/or `source_video_ids`',
            {
              details: [{ path: 'video_paths', message: 'not supported; use clip_ids or source_video_ids' }],
            },
          );
        }
        const clipIds = [...new Set(fields.clip_ids ?? [])];
        const videoIds = [...new Set(fields.source_video_ids ?? [])];
        if (!clipIds.length && !videoIds.length) {
          throw new ApiError(400, 'validation_failed', 'Send at least one of `clip_ids` or `source_video_ids`', {
            details: [{ path: 'clip_ids', message: 'Required' }],
          });
        }
        if (clipIds.length + videoIds.length > 20)
          throw new ApiError(400, 'validation_failed', 'At most 20 videos per request');
        const owned = await ownedClipIds(scope, clipIds);
        if (clipIds.some((id) => !owned.has(id))) throw notFound('Clip');
        for (const id of videoIds) {
          const video = await ownedSourceVideo(scope, id);
          if (video.status !== 'ready') throw conflict(`Source video ${id} is ${video.status}, not ready`);
        }
        const plan = await voicePlan(c.env, scope, fields.voice);
        const text = checkText(plan, fields.tts_text, 'tts_text');
        const estimate = estimateVoiceoverCostUsd(c.env, plan, text);
        if (estimate > 0) await assertWithinBudget(scope, estimate);
        const job = await enqueueJob(
          scope,
          c.env,
          'tts_add_to_videos',
          {
            videos: [
              ...clipIds.map((clip_id) => ({ clip_id })),
              ...videoIds.map((source_video_id) => ({ source_video_id })),
            ],
            tts_text: text,
            voice: fields.voice || null,
            output_suffix: fields.output_suffix,
            duck_to: fields.duck_to,
            ducking: fields.ducking,
            remove_silence: fields.remove_silence,
            min_silence_duration: fields.min_silence_duration,
            silence_padding: fields.silence_padding,
          },
          { id: jobId, step: 'Queued for TTS processing' },
        );
        return jobCreated(job, { provider: plan.provider, estimated_cost_usd: estimate });
      }),
  );
}
