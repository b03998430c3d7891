/**
 * POST /api/v1/jobs (original §1.2, §4.1) and POST /api/v1/jobs/multi-video (§4.2): the main
 * pipelines, as jobs. Inputs are files (the video becomes a source video of the profile; audio and
 * SRT are stored under the job) or ids of owned source videos; never paths. Costs that can arise
 * (Gemini analysis with `context_text`, an ElevenLabs voice-over from `script_text`) are estimated
 * and checked against the profile's monthly budget before anything is queued (402).
 */
import { z } from '@hono/zod-openapi';
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { assertWithinBudget } from '../jobs/budget.ts';
import { enqueueJob } from '../jobs/producer.ts';
import { formBoolean, formJson, formList, optionalText } from '../http/form-fields.ts';
import { handleJobRoute } from '../http/job-route.ts';
import { documentJobRoute } from '../http/openapi-job-route.ts';
import { parseSrt } from '../core/srt.ts';
import { SubtitleSettingsSchema } from '../library/subtitle-settings.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { jobOutputKey } from '../storage/job-outputs.ts';
import type { JobRequest } from '../http/job-request.ts';
import { estimateVoiceoverCostUsd, planVoiceover, voiceProblem } from '../voiceover/synthesize.ts';
import { estimateGeminiAnalysisUsd } from '../providers/cost-estimates.ts';
import { loadPriceTable } from '../providers/pricing.ts';
import { JobResponse } from './jobs.ts';
import {
  ASSUMED_UPLOAD_DURATION_SECONDS,
  clampedNumber,
  geminiEnabled,
  jobCreated,
  jobVideo,
  numberField,
  outputNameField,
  sourceVideoIdField,
} from './processing-inputs.ts';

const SRT_INPUT = 'input-srt.srt';
const tags = ['Pipelines'];

const subtitleSettingsField = formJson(SubtitleSettingsSchema.nullable().optional()).optional();

const JobFields = z.object({
  source_video_id: sourceVideoIdField.optional(),
  output_name: outputNameField,
  target_duration: numberField(20, 1, 600),
  script_text: optionalText(40_000),
  context_text: optionalText(5000),
  subtitle_settings: subtitleSettingsField,
  variant_count: clampedNumber(1, 1, 10, true),
  generate_audio: formBoolean.optional().default(true),
  mute_source_voice: formBoolean.optional().default(false),
  caption_voiceover: formBoolean.optional().default(false),
  /** SRT as text instead of a file. */
  srt_content: optionalText(1_000_000),
});

const secondaryFields = {
  secondary_keywords_1: formList.optional(),
  secondary_keywords_2: formList.optional(),
  secondary_keywords_3: formList.optional(),
  secondary_source_video_id_1: sourceVideoIdField.optional(),
  secondary_source_video_id_2: sourceVideoIdField.optional(),
  secondary_source_video_id_3: sourceVideoIdField.optional(),
};

const MultiFields = z.object({
  main_source_video_id: sourceVideoIdField.optional(),
  source_video_id: sourceVideoIdField.optional(),
  output_name: outputNameField,
  target_duration: numberField(20, 1, 600),
  subtitle_settings: subtitleSettingsField,
  variant_count: clampedNumber(1, 1, 10, true),
  secondary_segment_duration: clampedNumber(2, 0.5, 5),
  srt_content: optionalText(1_000_000),
  ...secondaryFields,
});

/** The SRT of a request (file or `srt_content`), checked to hold at least one cue. */
function srtOf(request: JobRequest, content: string | null): string | null {
  const file = request.texts.get('srt');
  if (file && content) throw new ApiError(400, 'validation_failed', 'Send either the `srt` file or `srt_content`, not both');
  const text = file?.text ?? content;
  if (text === null || text === undefined) return null;
  const parsed = parseSrt(text);
  if (!parsed.cues.length) {
    const first = parsed.problems[0];
    throw new ApiError(400, 'validation_failed', `The SRT has no valid cue${first ? ` (block ${first.block}: ${first.reason})` : ''}`, {
      details: [{ path: 'srt', message: 'no valid cue' }],
    });
  }
  return text;
}

async function storeSrt(env: Bindings, scope: ProfileScope, jobId: string, srt: string) {
  await env.MEDIA.put(jobOutputKey(scope, jobId, SRT_INPUT), srt, { httpMetadata: { contentType: 'application/x-subrip' } });
}

export function pipelineJobRoutes() {
  const app = createTenantRouter();

  app.post('/', (c) =>
    handleJobRoute(c, { videos: ['video'], audio: ['audio'], texts: ['srt'] }, JobFields, async ({ c, fields, request, jobId }) => {
      const scope = c.get('scope');
      const env = c.env;
      const video = await jobVideo(scope, request, 'video', fields.source_video_id);
      const srt = srtOf(request, fields.srt_content);
      const audio = request.audio.get('audio');
      const profile = await getScopeProfile(scope);
      const engine = geminiEnabled(env, fields.context_text) ? 'gemini' : 'highlights';
      const table = loadPriceTable(env.PRICES_JSON);
      let estimate = 0;
      const speakScript = fields.generate_audio && !audio && !!fields.script_text;
      if (speakScript) {
        const plan = planVoiceover(env, profile);
        const problem = voiceProblem(plan);
        if (problem) throw new ApiError(400, 'validation_failed', problem, { details: [{ path: 'script_text', message: problem }] });
        if (fields.script_text!.length > plan.maxCharacters) {
          throw new ApiError(400, 'validation_failed', `script_text is longer than ${plan.maxCharacters} characters (${plan.provider}${plan.model ? ` ${plan.model}` : ''})`, {
            details: [{ path: 'script_text', message: `At most ${plan.maxCharacters} characters` }],
          });
        }
        estimate += estimateVoiceoverCostUsd(env, plan, fields.script_text!);
      }
      if (engine === 'gemini') {
        estimate += estimateGeminiAnalysisUsd(table, profile.geminiModel || env.GEMINI_MODEL, video.existing?.duration ?? ASSUMED_UPLOAD_DURATION_SECONDS);
      }
      if (estimate > 0) await assertWithinBudget(scope, estimate);

      await request.startProbes();
      if (srt) await storeSrt(env, scope, jobId, srt);
      const job = await enqueueJob(
        scope,
        env,
        'process_video',
        {
          source_video_id: video.id,
          output_name: fields.output_name ?? `reel_${jobId}`,
          target_duration: fields.target_duration,
          variant_count: fields.variant_count,
          context_text: fields.context_text,
          engine,
          audio_input: audio?.name ?? null,
          script_text: fields.script_text,
          srt_input: srt ? SRT_INPUT : null,
          subtitle_settings: (fields.subtitle_settings ?? null) as Record<string, unknown> | null,
          caption_voiceover: fields.caption_voiceover,
          generate_audio: fields.generate_audio,
          mute_source_voice: fields.mute_source_voice,
        },
        { id: jobId, resourceType: 'source_video', resourceId: video.id, step: 'Queued for processing' },
      );
      return jobCreated(job, { source_video_id: video.id, engine, estimated_cost_usd: estimate });
    }),
  );
  documentJobRoute(app, {
    path: '/',
    tags,
    summary: 'Make short variants of a video (main pipeline, job)',
    description:
      'Upload `video` (or name an owned `source_video_id`), optionally an `audio` voice-over and an `srt`. Candidates come from the processor\'s highlights scoring, or from Gemini when `context_text` is given and a key is configured. Each variant is cut with smart extraction (stream copy outside the cut GOPs), joined by stream copy, has its source speech muted in the same pass (`mute_source_voice`), its voice-over mixed with the video copied, and subtitles burned in the one final encode only when an SRT is given (or `caption_voiceover` with `script_text`). `script_text` is spoken (ElevenLabs or the local voice) when no audio file is given. The job result has `variants[]` with `final_video_url`, `video_info`, `segments`; `GET /jobs/{id}/download` serves the first variant.',
    fields: JobFields,
    files: { video: 'Source video', audio: 'Voice-over (MP3, WAV, M4A, …)', srt: 'Subtitles (SRT)' },
    responses: { 202: { description: 'Queued', schema: JobResponse.extend({ source_video_id: z.string(), engine: z.string(), estimated_cost_usd: z.number() }) } },
  });

  app.post('/multi-video', (c) =>
    handleJobRoute(
      c,
      { videos: ['main_video', 'secondary_video_1', 'secondary_video_2', 'secondary_video_3'], audio: ['audio'], texts: ['srt'] },
      MultiFields,
      async ({ c, fields, request, jobId }) => {
        const scope = c.get('scope');
        const env = c.env;
        if (fields.main_source_video_id && fields.source_video_id && fields.main_source_video_id !== fields.source_video_id) {
          throw new ApiError(400, 'validation_failed', 'main_source_video_id and source_video_id disagree');
        }
        const main = await jobVideo(scope, request, 'main_video', fields.main_source_video_id ?? fields.source_video_id, 'main_source_video_id');
        const srt = srtOf(request, fields.srt_content);
        if (!srt) throw new ApiError(400, 'validation_failed', 'An `srt` file (or `srt_content`) is required', { details: [{ path: 'srt', message: 'Required' }] });
        const secondaries: { source_video_id: string; keywords: string[] }[] = [];
        for (const n of [1, 2, 3] as const) {
          const keywords = fields[`secondary_keywords_${n}`] ?? [];
          const file = request.videos.get(`secondary_video_${n}`);
          const id = fields[`secondary_source_video_id_${n}`];
          if (!file && !id) continue;
          // As the original: a secondary counts only with both a video and keywords.
          if (!keywords.length) throw new ApiError(400, 'validation_failed', `secondary_video_${n} needs secondary_keywords_${n}`, { details: [{ path: `secondary_keywords_${n}`, message: 'Required' }] });
          const video = await jobVideo(scope, request, `secondary_video_${n}`, id, `secondary_source_video_id_${n}`);
          secondaries.push({ source_video_id: video.id, keywords: keywords.slice(0, 50).map((k) => k.slice(0, 100)) });
        }
        const audio = request.audio.get('audio');
        await request.startProbes();
        await storeSrt(env, scope, jobId, srt);
        const job = await enqueueJob(
          scope,
          env,
          'multi_video',
          {
            source_video_id: main.id,
            secondaries,
            srt_input: SRT_INPUT,
            audio_input: audio?.name ?? null,
            output_name: fields.output_name ?? `multi_${jobId}`,
            target_duration: fields.target_duration,
            variant_count: fields.variant_count,
            subtitle_settings: (fields.subtitle_settings ?? null) as Record<string, unknown> | null,
            secondary_segment_duration: fields.secondary_segment_duration,
          },
          { id: jobId, resourceType: 'source_video', resourceId: main.id, step: 'Queued for multi-video processing' },
        );
        return jobCreated(job, { source_video_id: main.id, secondary_source_video_ids: secondaries.map((s) => s.source_video_id) });
      },
    ),
  );
  documentJobRoute(app, {
    path: '/multi-video',
    tags,
    summary: 'Variants with keyword-timed inserts from secondary videos (job)',
    description:
      'Upload `main_video` (or `main_source_video_id`), an `srt` (required: it times the inserts and is burned in), up to three `secondary_video_N` files or `secondary_source_video_id_N` ids each with `secondary_keywords_N` (comma-separated), and optionally an `audio` voice-over. Where the SRT mentions a keyword, a `secondary_segment_duration`-second moment of that secondary video is inserted.',
    fields: MultiFields,
    files: {
      main_video: 'Main video',
      secondary_video_1: 'Secondary video 1',
      secondary_video_2: 'Secondary video 2',
      secondary_video_3: 'Secondary video 3',
      audio: 'Voice-over',
      srt: 'Subtitles (SRT)',
    },
    responses: { 202: { description: 'Queued', schema: JobResponse.extend({ source_video_id: z.string(), secondary_source_video_ids: z.array(z.string()) }) } },
  });

  return app;
}
