/**
 * `transcribe`: a word-timed transcript of a source video or a clip, stored per profile.
 * - `gemini`: the processor extracts the audio as small mono MP3 (`speech-audio`), sent inline to
 *   Gemini with a response schema asking for word timings; the call is billed to the ledger as it
 *   happens (call key per delivery and attempt, so a redelivery bills only calls it really makes).
 * - `script_alignment` (no key): the supplied script spread over the speech the processor detects
 *   (src/library/transcripts.ts), marked `approximate`.
 * A redelivered job whose transcript row exists answers with it and calls nothing.
 */
import { recordCost } from '../db/repos/costs.ts';
import { getClip } from '../db/repos/clips.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import { type TranscriptRow, insertTranscript, transcriptOfJob } from '../db/repos/transcripts.ts';
import type { TranscriptWord } from '../db/schema.ts';
import type { JobContext, JobHandler } from '../jobs/context.ts';
import { PermanentJobError, TransientJobError } from '../jobs/errors.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { rawTargetOf } from '../library/clip-objects.ts';
import { alignScript, wordsToSrt } from '../library/transcripts.ts';
import { DEFAULT_VOICE_PARAMS, cachedVoiceIntervals, readySourceVideo } from '../pipeline/source-video.ts';
import type { ProcessorClient } from '../processor/contract.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { createGeminiClient } from '../providers/gemini.ts';
import { geminiCallCost, loadPriceTable } from '../providers/pricing.ts';
import { jobOutputKey } from '../storage/job-outputs.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';
import { toBase64 } from '../../shared/encoding.ts';

const SPEECH_AUDIO = 'speech-audio.mp3';

type Ctx = JobContext<'transcribe'>;

function resultOf(row: TranscriptRow) {
  return {
    status: 'success',
    transcript_id: row.id,
    engine: row.engine,
    approximate: row.approximate,
    word_count: row.words.length,
    language: row.language,
  };
}

/** The media to transcribe, and its duration. */
async function mediaOf(ctx: Ctx): Promise<{ target: MediaTarget; duration: number }> {
  const { scope } = ctx;
  const t = ctx.input.target;
  if (t.kind === 'source_video') {
    const video = await readySourceVideo(scope, t.id);
    return { target: { kind: 'source_video', id: video.id }, duration: video.duration };
  }
  const clip = await getClip(scope, t.id);
  if (!clip) throw new PermanentJobError('not_found', `The clip ${t.id} no longer exists`);
  const target = rawTargetOf(scope, clip);
  if (!target || !clip.duration) throw new PermanentJobError('conflict', 'The clip has no video yet');
  return { target, duration: clip.duration };
}

async function geminiWords(ctx: Ctx, processor: ProcessorClient, target: MediaTarget) {
  const { env, scope } = ctx;
  const profile = await getScopeProfile(scope);
  const model = profile.geminiModel || env.GEMINI_MODEL || 'gemini-2.5-flash';
  const table = loadPriceTable(env.PRICES_JSON);
  await ctx.progress(5, 'Extracting the audio', true);
  const input = await mediaInput(env, scope, target);
  // The MP3 goes to R2 under the job (removed with it); Gemini gets it inline from there.
  const key = jobOutputKey(scope, ctx.job.id, SPEECH_AUDIO);
  await ctx.recordOutputs([key]);
  const output = await mediaOutput(
    env,
    scope,
    { kind: 'job_output', id: ctx.job.id, name: SPEECH_AUDIO },
    'audio/mpeg',
  );
  const audio = await callProcessor(() =>
    processor.run('speech-audio', { input, output }, async (e) => {
      await ctx.progress(5 + e.percent * 0.3, 'Extracting the audio');
    }),
  );
  if (!audio.has_audio || audio.duration <= 0)
    throw new PermanentJobError('invalid_media', 'The media has no audio to transcribe');
  const object = await env.MEDIA.get(key);
  if (!object) throw new TransientJobError('storage', 'The extracted audio is not in storage yet');
  const audioBase64 = toBase64(new Uint8Array(await object.arrayBuffer()));
  await ctx.progress(40, 'Transcribing with Gemini');
  const client = createGeminiClient({ baseUrl: env.GEMINI_BASE_URL, apiKey: env.GEMINI_API_KEY ?? '' });
  const result = await client
    .transcribeAudio({
      model,
      audio_base64: audioBase64,
      mime_type: 'audio/mpeg',
      duration: audio.duration,
      language_hint: ctx.input.language,
      onCall: async (call) => {
        const entry = geminiCallCost(
          {
            model: call.model,
            usage: call.usage,
            request_id: call.response_id ?? call.request_id,
            operation: 'transcription',
          },
          table,
        );
        await recordCost(scope, {
          jobId: ctx.job.id,
          service: 'gemini',
          operation: entry.operation,
          units: entry.units,
          unit: entry.unit,
          unitPriceUsd: entry.unit_price_usd,
          costUsd: entry.cost_usd,
          model: entry.model,
          requestId: entry.request_id,
          callKey: `${ctx.job.id}:gemini-transcribe:d${ctx.attempt}:t${call.attempt}`,
          details: { ...entry.details, audio_seconds: audio.duration, model_version: call.model_version },
        });
      },
    })
    .catch((err: unknown) => {
      throw err instanceof RangeError ? new PermanentJobError('invalid_request', err.message) : err;
    });
  return { words: result.words, language: result.language, model, duration: audio.duration };
}

async function alignedWords(
  ctx: Ctx,
  processor: ProcessorClient,
  target: MediaTarget,
  duration: number,
): Promise<TranscriptWord[]> {
  const { env, scope } = ctx;
  const script = ctx.input.script ?? '';
  const t = ctx.input.target;
  let spans =
    t.kind === 'source_video' ? (await cachedVoiceIntervals(scope, t.id, DEFAULT_VOICE_PARAMS))?.segments : undefined;
  if (!spans) {
    await ctx.progress(5, 'Detecting speech', true);
    const input = await mediaInput(env, scope, target);
    const voice = await callProcessor(() =>
      processor.run('detect-voice', { input, ...DEFAULT_VOICE_PARAMS }, async (e) => {
        await ctx.progress(5 + e.percent * 0.8, 'Detecting speech');
      }),
    );
    spans = voice.segments;
  }
  return alignScript(script, spans, duration);
}

export function transcribeHandler(processorFor: ProcessorFor): JobHandler<'transcribe'> {
  return {
    async run(ctx) {
      const { scope } = ctx;
      const existing = await transcriptOfJob(scope, ctx.job.id);
      if (existing) return { result: resultOf(existing), step: 'Transcript ready' };

      const { target, duration } = await mediaOf(ctx);
      const processor = processorFor(ctx);
      let row: TranscriptRow;
      if (ctx.input.engine === 'gemini') {
        const heard = await geminiWords(ctx, processor, target);
        row = await insertTranscript(scope, {
          ...ownerOf(ctx),
          jobId: ctx.job.id,
          engine: 'gemini',
          model: heard.model,
          language: heard.language ?? ctx.input.language ?? null,
          approximate: false,
          duration,
          words: heard.words,
          srt: wordsToSrt(heard.words),
        });
      } else {
        const words = await alignedWords(ctx, processor, target, duration);
        row = await insertTranscript(scope, {
          ...ownerOf(ctx),
          jobId: ctx.job.id,
          engine: 'script_alignment',
          model: null,
          language: ctx.input.language ?? null,
          approximate: true,
          duration,
          words,
          srt: wordsToSrt(words),
        });
      }
      return {
        result: resultOf(row),
        processingSeconds: duration,
        step: `${row.words.length} word(s) transcribed`,
      };
    },
  };
}

function ownerOf(ctx: Ctx): { sourceVideoId: string | null; clipId: string | null } {
  const t = ctx.input.target;
  return t.kind === 'source_video' ? { sourceVideoId: t.id, clipId: null } : { sourceVideoId: null, clipId: t.id };
}
