/**
 * Text-to-speech (original §1.2, §4.4), through the voice-over module (media/voiceover.ts):
 * ElevenLabs with timestamps when configured and the profile allows it, the local eSpeak NG voice
 * otherwise; captions (SRT) from the speech timing either way.
 * - POST /tts/generate: a `tts_generate` job (mp3 + SRT).
 * - GET /tts/{job_id}/download: the mp3 (302 to a signed URL, or streamed with `redirect=false`).
 * - POST /tts/add-to-videos: one voice-over mixed into owned clips or source videos (ids, never
 *   the original's server paths); each result is a job output.
 * ElevenLabs costs are estimated and checked against the profile's budget before queueing (402).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { getScopeProfile } from '../db/repos/profiles.ts';
import { ownedClipIds } from '../db/repos/clips.ts';
import { getSourceVideoSummary } from '../db/repos/source-videos.ts';
import { ApiError, conflict, notFound } from '../core/errors.ts';
import { assertWithinBudget } from '../jobs/budget.ts';
import { enqueueJob } from '../jobs/producer.ts';
import { formBoolean, formJson, formNumber } from '../http/form-fields.ts';
import { handleJobRoute } from '../http/job-route.ts';
import { errorResponses, idParam, security } from '../http/openapi.ts';
import { documentJobRoute } from '../http/openapi-job-route.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { serveObject } from '../http/serve-object.ts';
import { signedMediaUrl } from '../storage/signed-urls.ts';
import { storageKeys } from '../storage/keys.ts';
import { type VoiceoverPlan, estimateVoiceoverCostUsd, planVoiceover, voiceProblem } from '../voiceover/synthesize.ts';
import type { Bindings } from '../core/env.ts';
import type { ProfileScope } from '../db/scope.ts';
import { JobResponse, mainOutputOf, ownedJob } from './jobs.ts';
import { jobCreated, numberField } from './processing-inputs.ts';

const tags = ['Text to speech'];

const silenceFields = {
  remove_silence: formBoolean.optional().default(true),
  min_silence_duration: numberField(0.3, 0.1, 2),
  silence_padding: numberField(0.08, 0.02, 0.3),
  voice: z.string().trim().max(64).optional(),
};

const GenerateFields = z.object({ text: z.string(), ...silenceFields });

const idList = (prefix: string) => formJson(z.array(z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be an id (${prefix}_…)`)).max(20)).optional();

const AddFields = z.object({
  tts_text: z.string(),
  clip_ids: idList('clp'),
  source_video_ids: idList('vid'),
  video_paths: z.unknown().optional(),
  output_suffix: z
    .string()
    .max(50)
    .regex(/^[A-Za-z0-9 _.-]*$/, 'letters, digits, spaces, dots, dashes and underscores only')
    .optional()
    .default('_with_tts'),
  duck_to: formNumber.optional().default(0.1).pipe(z.number().min(0).max(1)),
  ...silenceFields,
});

/** Text checks shared by both routes: not empty, within the provider's limit, a usable voice. */
function checkText(plan: VoiceoverPlan, text: string, field: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new ApiError(400, 'validation_failed', `${field} is empty`, { details: [{ path: field, message: 'Required' }] });
  if (trimmed.length > plan.maxCharacters) {
    throw new ApiError(400, 'validation_failed', `${field} is longer than ${plan.maxCharacters} characters (${plan.provider}${plan.model ? ` ${plan.model}` : ''})`, {
      details: [{ path: field, message: `At most ${plan.maxCharacters} characters` }],
    });
  }
  const problem = voiceProblem(plan);
  if (problem) throw new ApiError(400, 'validation_failed', problem, { details: [{ path: 'voice', message: problem }] });
  return trimmed;
}

async function voicePlan(env: Bindings, scope: ProfileScope, voice: string | undefined) {
  return planVoiceover(env, await getScopeProfile(scope), voice || null);
}

export function ttsRoutes() {
  const app = createTenantRouter();

  app.post('/tts/generate', (c) =>
    handleJobRoute(c, {}, GenerateFields, async ({ c, fields, jobId }) => {
      const scope = c.get('scope');
      const plan = await voicePlan(c.env, scope, fields.voice);
      const text = checkText(plan, fields.text, 'text');
      const estimate = estimateVoiceoverCostUsd(c.env, plan, text);
      if (estimate > 0) await assertWithinBudget(scope, estimate);
      const job = await enqueueJob(
        scope,
        c.env,
        'tts_generate',
        {
          text,
          voice: fields.voice || null,
          remove_silence: fields.remove_silence,
          min_silence_duration: fields.min_silence_duration,
          silence_padding: fields.silence_padding,
        },
        { id: jobId, step: 'Queued for TTS generation' },
      );
      return jobCreated(job, { provider: plan.provider, voice: plan.voice, model: plan.model, estimated_cost_usd: estimate });
    }),
  );
  documentJobRoute(app, {
    path: '/tts/generate',
    tags,
    summary: 'Generate a voice-over (job)',
    description:
      'JSON or form fields. ElevenLabs (with-timestamps) when a key is configured and the profile\'s `tts_provider` is `elevenlabs`, else the local eSpeak NG voice. `text` is limited per provider/model (5 000 for the local voice). The job result has `audio_url`, `srt` (captions aligned to the speech, re-timed after silence removal), `srt_url`, `duration`, `provider`, `characters`, `cost_usd` and `silence_removal` stats.',
    fields: GenerateFields,
    responses: { 202: { description: 'Queued', schema: JobResponse.extend({ provider: z.enum(['elevenlabs', 'local']), voice: z.string(), model: z.string().nullable(), estimated_cost_usd: z.number() }) } },
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tts/{job_id}/download',
      tags,
      security,
      summary: 'Download a generated voice-over (mp3)',
      description: '302 to a short-lived signed URL of `voiceover_{job_id}.mp3` (`redirect=false` streams it). 400 when the job is not a completed TTS generation.',
      request: { params: idParam('job_id', 'job_01jd2v4m8r0000000000000000'), query: z.object({ redirect: z.enum(['true', 'false']).optional() }) },
      responses: { 302: { description: 'Redirect to the signed URL' }, 200: { description: 'The mp3 (redirect=false)' }, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await ownedJob(scope, c.req.valid('param').job_id);
      if (job.type !== 'tts_generate') throw new ApiError(400, 'bad_request', 'This job is not a TTS generation');
      if (job.status !== 'completed') throw new ApiError(400, 'bad_request', `The TTS job is ${job.status}, not completed`);
      const main = mainOutputOf(job);
      if (!main) throw new ApiError(400, 'bad_request', 'The TTS job has no audio');
      if (c.req.valid('query').redirect === 'false') {
        return serveObject(c.env.MEDIA, storageKeys.jobOutput(scope, job.id, main.name), c.req.raw, { what: 'Voice-over', attachmentFilename: main.filename });
      }
      const signed = await signedMediaUrl(c.env, scope, { kind: 'job_output', id: job.id, name: main.name }, { filename: main.filename, ttlSeconds: 600 });
      return c.redirect(signed.url, 302);
    },
  );

  app.post('/tts/add-to-videos', (c) =>
    handleJobRoute(c, {}, AddFields, async ({ c, fields, jobId }) => {
      const scope = c.get('scope');
      if (fields.video_paths !== undefined) {
        throw new ApiError(400, 'validation_failed', 'Server paths are not accepted: send `clip_ids` and/or `source_video_ids`', {
          details: [{ path: 'video_paths', message: 'not supported; use clip_ids or source_video_ids' }],
        });
      }
      const clipIds = [...new Set(fields.clip_ids ?? [])];
      const videoIds = [...new Set(fields.source_video_ids ?? [])];
      if (!clipIds.length && !videoIds.length) {
        throw new ApiError(400, 'validation_failed', 'Send at least one of `clip_ids` or `source_video_ids`', { details: [{ path: 'clip_ids', message: 'Required' }] });
      }
      if (clipIds.length + videoIds.length > 20) throw new ApiError(400, 'validation_failed', 'At most 20 videos per request');
      const owned = await ownedClipIds(scope, clipIds);
      if (clipIds.some((id) => !owned.has(id))) throw notFound('Clip');
      for (const id of videoIds) {
        const video = await getSourceVideoSummary(scope, id);
        if (!video) throw notFound('Source video');
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
          videos: [...clipIds.map((clip_id) => ({ clip_id })), ...videoIds.map((source_video_id) => ({ source_video_id }))],
          tts_text: text,
          voice: fields.voice || null,
          output_suffix: fields.output_suffix,
          duck_to: fields.duck_to,
          remove_silence: fields.remove_silence,
          min_silence_duration: fields.min_silence_duration,
          silence_padding: fields.silence_padding,
        },
        { id: jobId, step: 'Queued for TTS processing' },
      );
      return jobCreated(job, { provider: plan.provider, estimated_cost_usd: estimate });
    }),
  );
  documentJobRoute(app, {
    path: '/tts/add-to-videos',
    tags,
    summary: 'Add one voice-over to several videos (job)',
    description:
      'JSON (or form fields with JSON arrays): `clip_ids` and/or `source_video_ids` of this profile (never paths: `video_paths` answers 400), `tts_text`. Each video keeps its picture (stream-copied) and its sound ducked to `duck_to` (default 0.1, as the original) under the voice. Each result is a job output (`processed_videos[].with_tts_url`, downloaded as `{name}{output_suffix}.mp4`); the clips themselves are not changed.',
    fields: AddFields,
    responses: { 202: { description: 'Queued', schema: JobResponse.extend({ provider: z.enum(['elevenlabs', 'local']), estimated_cost_usd: z.number() }) } },
  });

  return app;
}
