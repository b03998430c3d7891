/**
 * `transcribe`: a word-timed transcript of a source video or a clip, stored per profile.
 * - `gemini`: the processor extracts the audio as small mono MP3 (`speech-audio`), 5 minutes at a
 *   time (planTranscriptChunks), sent to Gemini (inline, or with the Files API above the inline
 *   limit) with a response schema asking for word timings; each call is billed to the ledger as it
 *   happens (call key per chunk, delivery and attempt, so a redelivery bills only calls it really
 *   makes), and each chunk's words are stored under the job so no chunk is paid for twice.
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
import { OperationPendingError, PermanentJobError, TransientJobError } from '../jobs/errors.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { rawTargetOf } from '../library/clip-objects.ts';
import { MAX_TRANSCRIPT_WORDS, alignScript, wordsToSrt } from '../library/transcripts.ts';
import { DEFAULT_VOICE_PARAMS, cachedVoiceIntervals, readySourceVideo } from '../pipeline/source-video.ts';
import type { ProcessorClient } from '../processor/contract.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { createGeminiClient } from '../providers/gemini.ts';
import {
  MAX_TRANSCRIBE_SECONDS,
  type TranscriptChunk,
  type TranscriptWordTiming,
  placeChunkWords,
  planTranscriptChunks,
} from '../providers/gemini-transcript.ts';
import { geminiCallCost, loadPriceTable } from '../providers/pricing.ts';
import { jobOutputKey } from '../storage/job-outputs.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';

/** A 5-min chunk's answer (~15–25k tokens) takes a minute or two; the default 120 s is too tight. */
const GEMINI_TRANSCRIBE_TIMEOUT_MS = 180_000;

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

/** A chunk transcribed: kept under the job in R2, so a redelivery or a hand-off never pays for it twice. */
interface ChunkWords {
  has_audio: boolean;
  language: string | null;
  words: TranscriptWordTiming[];
}

const chunkKey = (ctx: Ctx, index: number) => jobOutputKey(ctx.scope, ctx.job.id, `transcript-chunk-${index}.json`);

async function storedChunk(ctx: Ctx, index: number): Promise<ChunkWords | null> {
  const object = await ctx.env.MEDIA.get(chunkKey(ctx, index));
  return object ? ((await object.json()) as ChunkWords) : null;
}

/** Tests lower the inline limit (GEMINI_INLINE_AUDIO_MAX_BYTES) to take the Files API path with small chunks. */
function inlineLimit(env: Ctx['env']): number | undefined {
  const value = Number(env.GEMINI_INLINE_AUDIO_MAX_BYTES);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * Long media is transcribed in chunks (planTranscriptChunks: 5 min each, 2 s of overlap): each is
 * extracted by the processor, sent to Gemini (inline, or with the Files API above the inline
 * limit), placed on the media's timeline and stored. Between chunks the delivery checks its time
 * and hands the job on (the next delivery starts at the first chunk not stored).
 */
async function geminiWords(ctx: Ctx, processor: ProcessorClient, target: MediaTarget, duration: number) {
  const { env, scope } = ctx;
  if (duration > MAX_TRANSCRIBE_SECONDS)
    throw new PermanentJobError(
      'invalid_request',
      `The media is ${Math.round(duration / 60)} min long; at most ${MAX_TRANSCRIBE_SECONDS / 60} min can be transcribed`,
    );
  const profile = await getScopeProfile(scope);
  const model = profile.geminiModel || env.GEMINI_MODEL || 'gemini-2.5-flash';
  const table = loadPriceTable(env.PRICES_JSON);
  const client = createGeminiClient({
    baseUrl: env.GEMINI_BASE_URL,
    apiKey: env.GEMINI_API_KEY ?? '',
    timeoutMs: GEMINI_TRANSCRIBE_TIMEOUT_MS,
  });
  const chunks = planTranscriptChunks(duration);
  const words: TranscriptWordTiming[] = [];
  let language: string | null = null;
  let transcribedHere = 0;
  for (const chunk of chunks) {
    const share = (done: number) => 5 + ((chunk.index + done) / chunks.length) * 90;
    let heard = await storedChunk(ctx, chunk.index);
    if (!heard) {
      await ctx.throwIfCancelled();
      // Out of time: hand the job on rather than start a chunk this delivery may not finish (but
      // only after one chunk, so every delivery moves the job forward).
      if (transcribedHere > 0 && Date.now() >= ctx.deadline) throw new OperationPendingError('transcription');
      heard = await transcribeChunk(ctx, processor, target, chunk, { client, model, table, share });
      await env.MEDIA.put(chunkKey(ctx, chunk.index), JSON.stringify(heard));
      transcribedHere++;
    }
    if (chunk.index === 0 && !heard.has_audio)
      throw new PermanentJobError('invalid_media', 'The media has no audio to transcribe');
    words.push(...heard.words);
    language ??= heard.language;
    if (words.length > MAX_TRANSCRIPT_WORDS)
      throw new PermanentJobError(
        'invalid_media',
        `The transcript would have more than ${MAX_TRANSCRIPT_WORDS} words (reached at ${Math.round(chunk.keepFrom / 60)} min)`,
      );
  }
  return { words, language, model };
}

async function transcribeChunk(
  ctx: Ctx,
  processor: ProcessorClient,
  target: MediaTarget,
  chunk: TranscriptChunk,
  using: {
    client: ReturnType<typeof createGeminiClient>;
    model: string;
    table: ReturnType<typeof loadPriceTable>;
    share: (done: number) => number;
  },
): Promise<ChunkWords> {
  const { env, scope } = ctx;
  const { client, model, table, share } = using;
  await ctx.progress(share(0), `Extracting the audio (part ${chunk.index + 1})`, true);
  const input = await mediaInput(env, scope, target);
  // The MP3 goes to R2 under the job (removed with it); Gemini gets it from there.
  const name = `speech-audio-${chunk.index}.mp3`;
  const key = jobOutputKey(scope, ctx.job.id, name);
  await ctx.recordOutputs([key, chunkKey(ctx, chunk.index)]);
  const output = await mediaOutput(env, scope, { kind: 'job_output', id: ctx.job.id, name }, 'audio/mpeg');
  const first = chunk.index === 0;
  const last = !Number.isFinite(chunk.keepUntil);
  const audio = await callProcessor(() =>
    processor.run(
      'speech-audio',
      { input, ...(first ? {} : { start: chunk.start }), ...(last ? {} : { end: chunk.end }), output },
      async (e) => {
        await ctx.progress(share(e.percent / 400), `Extracting the audio (part ${chunk.index + 1})`);
      },
    ),
  );
  if (!audio.has_audio || audio.duration <= 0) return { has_audio: false, language: null, words: [] };
  const object = await env.MEDIA.get(key);
  if (!object) throw new TransientJobError('storage', 'The extracted audio is not in storage yet');
  const bytes = new Uint8Array(await object.arrayBuffer());
  await ctx.progress(share(0.3), `Transcribing with Gemini (part ${chunk.index + 1})`);
  const result = await client
    .transcribeAudio({
      model,
      audio: bytes,
      mime_type: 'audio/mpeg',
      duration: audio.duration,
      language_hint: ctx.input.language,
      inline_max_bytes: inlineLimit(env),
      display_name: `${ctx.job.id}-${chunk.index}`,
      batch_index: chunk.index,
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
          callKey: `${ctx.job.id}:gemini-transcribe:c${chunk.index}:d${ctx.attempt}:t${call.attempt}`,
          details: {
            ...entry.details,
            audio_seconds: audio.duration,
            chunk: chunk.index,
            chunk_start: chunk.start,
            model_version: call.model_version,
          },
        });
      },
    })
    .catch((err: unknown) => {
      throw err instanceof RangeError ? new PermanentJobError('invalid_request', err.message) : err;
    });
  await env.MEDIA.delete(key);
  return {
    has_audio: true,
    language: result.language,
    words: placeChunkWords(chunk, result.words, chunk.start + audio.duration),
  };
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
        const heard = await geminiWords(ctx, processor, target, duration);
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
