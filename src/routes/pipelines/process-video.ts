/**
 * POST /api/v1/jobs (docs/compatibility.md#routes-processing, docs/compatibility.md#process-job): the main pipeline, as a job. Inputs are files (the video
 * becomes a source video of the profile; audio and SRT are stored under the job) or the id of an
 * owned source video; never paths. Costs that can arise (Gemini analysis with `context_text`, an
 * ElevenLabs voice-over from `script_text`) are estimated and checked against the profile's monthly
 * budget before anything is queued (402).
 */
import { z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import { assertWithinBudget } from '../../jobs/budget.ts';
import { formBoolean, optionalText } from '../../http/form-fields.ts';
import { estimateVoiceoverCostUsd, planVoiceover, voiceProblem } from '../../voiceover/synthesize.ts';
import { estimateGeminiAnalysisUsd } from '../../providers/cost-estimates.ts';
import { loadPriceTable } from '../../providers/pricing.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import {
  ASSUMED_UPLOAD_DURATION_SECONDS,
  clampedNumber,
  geminiEnabled,
  jobVideo,
  numberField,
  outputNameField,
  sourceVideoIdField,
} from '../processing/inputs.ts';
import { SRT_INPUT, srtOf, storeSrt, subtitleSettingsField, transcriptIdField } from './srt-input.ts';

const tags = ['Pipelines'];

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
  /** A transcript's SRT instead of a file (POST …/transcribe). */
  transcript_id: transcriptIdField,
});

export function processVideoRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'processVideo',
      path: '/',
      tags,
      summary: 'Make short variants of a video (main pipeline, job)',
      description:
        "Upload `video` (or name an owned `source_video_id`), optionally an `audio` voice-over and an `srt` (or `srt_content`, or the `transcript_id` of a transcript). Candidates come from the processor's highlights scoring, or from Gemini when `context_text` is given and a key is configured. Each variant is cut with smart extraction (stream copy outside the cut GOPs), joined by stream copy, has its source speech muted in the same pass (`mute_source_voice`), its voice-over mixed with the video copied, and subtitles burned in the one final encode only when an SRT is given (or `caption_voiceover` with `script_text`). `script_text` is spoken (ElevenLabs or the local voice) when no audio file is given. The job result has `variants[]` with `final_video_url`, `video_info`, `segments`; `GET /jobs/{id}/download` serves the first variant.",
      fields: JobFields,
      files: { video: 'Source video', audio: 'Voice-over (MP3, WAV, M4A, …)', srt: 'Subtitles (SRT)' },
      responses: {
        202: {
          description: 'Queued',
          schema: JobResponse.extend({
            source_video_id: z.string(),
            engine: z.string(),
            estimated_cost_usd: z.number(),
          }),
        },
      },
    },
    (c) =>
      handleJobRoute(
        c,
        { videos: ['video'], audio: ['audio'], texts: ['srt'] },
        JobFields,
        async ({ c, fields, request, jobId }) => {
          const scope = c.get('scope');
          const env = c.env;
          const video = await jobVideo(scope, request, 'video', fields.source_video_id);
          const srt = await srtOf(scope, request, fields.srt_content, fields.transcript_id);
          const audio = request.audio.get('audio');
          const profile = await getScopeProfile(scope);
          const engine = geminiEnabled(env, fields.context_text) ? 'gemini' : 'highlights';
          const table = loadPriceTable(env.PRICES_JSON);
          let estimate = 0;
          const speakScript = fields.generate_audio && !audio && !!fields.script_text;
          if (speakScript) {
            const plan = planVoiceover(env, profile);
            const problem = voiceProblem(plan);
            if (problem)
              throw new ApiError(400, 'validation_failed', problem, {
                details: [{ path: 'script_text', message: problem }],
              });
            if (fields.script_text!.length > plan.maxCharacters) {
              throw new ApiError(
                400,
                'validation_failed',
                `script_text is longer than ${plan.maxCharacters} characters (${plan.provider}${plan.model ? ` ${plan.model}` : ''})`,
                {
                  details: [{ path: 'script_text', message: `At most ${plan.maxCharacters} characters` }],
                },
              );
            }
            estimate += estimateVoiceoverCostUsd(env, plan, fields.script_text!);
          }
          if (engine === 'gemini') {
            estimate += estimateGeminiAnalysisUsd(
              table,
              profile.geminiModel || env.GEMINI_MODEL,
              video.existing?.duration ?? ASSUMED_UPLOAD_DURATION_SECONDS,
            );
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
            {
              id: jobId,
              resourceType: 'source_video',
              resourceId: video.id,
              step: 'Queued for processing',
              estimatedCostUsd: estimate,
            },
          );
          return jobCreated(job, { source_video_id: video.id, engine, estimated_cost_usd: estimate });
        },
      ),
  );
}
