/**
 * Gemini client (Generative Language API, v1beta REST) for frame analysis.
 *
 * Fixes against the original (docs/compatibility.md#gemini-analysis, docs/compatibility.md#gemini-api, docs/compatibility.md#w23): structured output (`responseMimeType` JSON +
 * `responseJsonSchema`) instead of slicing `{…}` out of prose; every frame labelled with its
 * ABSOLUTE time and the answer taken as absolute (no second batch offset); answers validated and
 * clamped; bounded retries per batch; token usage of every billed call reported for the ledger.
 * `checkModel` uses the free model-metadata call, never a billable "Say OK". Transcription sends
 * audio inline, or through the Files API when it is too large for a request (gemini-files.ts).
 */
import { z } from 'zod';
import {
  type AnalyzedSegment,
  RawSegmentsAnswer,
  SEGMENT_TAGS,
  SEGMENTS_RESPONSE_SCHEMA,
  type TimeWindow,
  validateSegments,
} from './gemini-segments.ts';
import {
  type ErrorInterpretation,
  type ProviderClientConfig,
  type ProviderHttp,
  asRecord,
  exchange,
  parseJsonText,
  readJson,
  resolveFetch,
} from './http.ts';
import {
  RawTranscriptAnswer,
  TRANSCRIPT_RESPONSE_SCHEMA,
  type TranscriptWordTiming,
  buildTranscriptPrompt,
  validateTranscriptWords,
} from './gemini-transcript.ts';
import { toBase64 } from '../../shared/encoding.ts';
import { joinUrl } from '../core/urls.ts';
import { type FileWaitPolicy, createGeminiFiles } from './gemini-files.ts';
import { ProviderError, type ProviderErrorKind } from './provider-error.ts';
import { type RetryPolicy, withRetries } from './retry.ts';

export { selectBestSegments, SEGMENT_TAGS, type AnalyzedSegment, type SegmentTag } from './gemini-segments.ts';

export interface FrameInput {
  /** Seconds from the start of the video. */
  time: number;
  jpeg_base64: string;
}

export interface AnalyzeFramesInput {
  model: string;
  frames: readonly FrameInput[];
  /** Video duration in seconds; every returned time lies in [0, duration]. */
  duration: number;
  context_text?: string;
  /** Frames per request (the original: 30, i.e. one minute at one frame per 2 s). */
  batch_size?: number;
  media_resolution?: 'low' | 'medium' | 'high';
  /** Caps thinking tokens (billed as output). Omit for the model's default. */
  thinking_budget?: number;
  /** Called after every billed call, before its answer is validated, so costs survive failures. */
  onCall?: (call: GeminiCall) => void | Promise<void>;
  /** Per-batch retries; malformed answers are retried too. `{ attempts: 1 }` disables. */
  retry?: RetryPolicy;
}

export interface GeminiModalityCount {
  modality: string;
  tokenCount: number;
}

/** `usageMetadata` of one call, with absent counters as 0. */
export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount: number;
  cachedContentTokenCount: number;
  toolUsePromptTokenCount: number;
  totalTokenCount: number;
  promptTokensDetails: GeminiModalityCount[];
  candidatesTokensDetails: GeminiModalityCount[];
}

export interface GeminiCall {
  /** The model id we asked for (prices are keyed by it). */
  model: string;
  /** `modelVersion` Gemini reported, when present. */
  model_version: string | null;
  response_id: string | null;
  request_id: string | null;
  batch_index: number;
  attempt: number;
  frame_count: number;
  window: TimeWindow;
  usage: GeminiUsage;
}

export interface AnalyzeFramesResult {
  segments: AnalyzedSegment[];
  calls: GeminiCall[];
  /** Segments the model returned that were invalid or empty after clamping. */
  dropped_segments: number;
}

export interface GeminiModelInfo {
  model: string;
  name: string;
  display_name: string | null;
  version: string | null;
  input_token_limit: number | null;
  output_token_limit: number | null;
  supports_generate_content: boolean;
}

/**
 * Largest audio sent inline: a request may carry 20 MB, and base64 adds a third (12 MiB → 16.8 MB,
 * with room for the prompt). Larger audio goes through the Files API (gemini-files.ts).
 */
export const GEMINI_INLINE_AUDIO_MAX_BYTES = 12 * 1024 * 1024;

export interface TranscribeAudioInput {
  model: string;
  /** The audio: inline up to `inline_max_bytes`, uploaded with the Files API above it. */
  audio: Uint8Array;
  mime_type: 'audio/mpeg' | 'audio/wav' | 'audio/ogg' | 'audio/flac' | 'audio/aac';
  /** Default GEMINI_INLINE_AUDIO_MAX_BYTES; tests lower it to take the Files API path with small audio. */
  inline_max_bytes?: number;
  /** Bounds of the wait for an uploaded file to become ACTIVE. */
  file_wait?: FileWaitPolicy;
  /** Name shown for the uploaded file (no meaning to the API). */
  display_name?: string;
  /** Reported as the calls' `batch_index` (the chunk of a long transcription). */
  batch_index?: number;
  /** Deadline of the generateContent exchange (a long answer takes minutes; default the client's). */
  timeout_ms?: number;
  /** Seconds of audio; word times are clamped to [0, duration]. */
  duration: number;
  language_hint?: string;
  thinking_budget?: number;
  /** Called after every billed call, before its answer is validated, so costs survive failures. */
  onCall?: (call: GeminiCall) => void | Promise<void>;
  retry?: RetryPolicy;
}

export interface TranscribeAudioResult {
  words: TranscriptWordTiming[];
  language: string | null;
  dropped_words: number;
  calls: GeminiCall[];
  transport: 'inline' | 'file';
  /** The uploaded file (Files API path) and whether deleting it worked. */
  file: { name: string; deleted: boolean } | null;
}

export type GeminiClientConfig = ProviderClientConfig;

// ─── Wire shapes ────────────────────────────────────────────────────────────────────────────────

const ModalityCount = z.object({
  modality: z.string().default('MODALITY_UNSPECIFIED'),
  tokenCount: z.number().default(0),
});
const UsageMetadata = z
  .object({
    promptTokenCount: z.number().default(0),
    candidatesTokenCount: z.number().default(0),
    thoughtsTokenCount: z.number().default(0),
    cachedContentTokenCount: z.number().default(0),
    toolUsePromptTokenCount: z.number().default(0),
    totalTokenCount: z.number().default(0),
    promptTokensDetails: z.array(ModalityCount).default([]),
    candidatesTokensDetails: z.array(ModalityCount).default([]),
  })
  .loose();

const GenerateContentResponse = z
  .object({
    candidates: z
      .array(
        z
          .object({
            content: z
              .object({
                parts: z
                  .array(z.object({ text: z.string().optional(), thought: z.boolean().optional() }).loose())
                  .default([]),
              })
              .loose()
              .optional(),
            finishReason: z.string().optional(),
          })
          .loose(),
      )
      .default([]),
    promptFeedback: z.object({ blockReason: z.string().optional() }).loose().optional(),
    usageMetadata: UsageMetadata.optional(),
    modelVersion: z.string().optional(),
    responseId: z.string().optional(),
  })
  .loose();

const ModelMetadata = z
  .object({
    name: z.string(),
    displayName: z.string().optional(),
    version: z.string().optional(),
    inputTokenLimit: z.number().optional(),
    outputTokenLimit: z.number().optional(),
    supportedGenerationMethods: z.array(z.string()).default([]),
  })
  .loose();

const EMPTY_USAGE = UsageMetadata.parse({});

/** The ledger's view of one billed `generateContent` answer. */
function billedCall(
  model: string,
  data: z.infer<typeof GenerateContentResponse>,
  requestId: string | null,
  at: { batchIndex: number; attempt: number; frameCount: number; window: TimeWindow },
): GeminiCall {
  return {
    model,
    model_version: data.modelVersion ?? null,
    response_id: data.responseId ?? null,
    request_id: requestId,
    batch_index: at.batchIndex,
    attempt: at.attempt,
    frame_count: at.frameCount,
    window: at.window,
    usage: { ...EMPTY_USAGE, ...data.usageMetadata },
  };
}

/** Malformed answers are worth another try (the model answers differently); the rest as retry.ts says. */
function answerRetry(policy: RetryPolicy | undefined): RetryPolicy {
  return { ...policy, retryOn: policy?.retryOn ?? ((err) => err.retryable || err.kind === 'malformed_response') };
}

/** Calls already made were billed: a failure hands them to the caller with the error. */
function withBilledCalls(err: unknown, calls: readonly GeminiCall[]): unknown {
  if (!(err instanceof ProviderError) || calls.length === 0) return err;
  return new ProviderError({
    provider: err.provider,
    kind: err.kind,
    status: err.status,
    message: err.message,
    retryAfterSeconds: err.retryAfterSeconds,
    providerCode: err.providerCode,
    details: { ...err.details, billed_calls: [...calls] },
    cause: err,
  });
}

// ─── Errors ─────────────────────────────────────────────────────────────────────────────────────

/** Google API errors: `{error:{code,message,status,details:[{@type,reason|retryDelay|violations}]}}`. */
function interpretGeminiError(status: number, body: unknown): ErrorInterpretation {
  const error = asRecord(asRecord(body)?.error);
  if (!error) return {};
  const message = typeof error.message === 'string' ? error.message : undefined;
  const code = typeof error.status === 'string' ? error.status : undefined;
  const details = Array.isArray(error.details) ? error.details.map(asRecord).filter((d) => d !== undefined) : [];
  const reasons = details.map((d) => d.reason).filter((r): r is string => typeof r === 'string');
  const retryDelay = details.map((d) => d.retryDelay).find((d): d is string => typeof d === 'string');
  const retryAfterSeconds =
    retryDelay && /^\d+(\.\d+)?s$/.test(retryDelay) ? Math.ceil(parseFloat(retryDelay)) : undefined;
  const quotaIds = details
    .flatMap((d) => (Array.isArray(d.violations) ? d.violations : []))
    .map((v) => asRecord(v)?.quotaId)
    .filter((q): q is string => typeof q === 'string');

  let kind: ProviderErrorKind | undefined;
  if (reasons.some((r) => r.startsWith('API_KEY_')) || code === 'UNAUTHENTICATED' || code === 'PERMISSION_DENIED')
    kind = 'auth';
  else if (code === 'RESOURCE_EXHAUSTED' || status === 429) {
    // A per-day quota will not clear in seconds; per-minute limits will.
    kind = quotaIds.some((q) => /PerDay/i.test(q)) ? 'quota' : 'rate_limited';
  } else if (code === 'NOT_FOUND') kind = 'not_found';
  else if (code === 'DEADLINE_EXCEEDED') kind = 'timeout';
  else if (code === 'INVALID_ARGUMENT' || code === 'FAILED_PRECONDITION' || code === 'OUT_OF_RANGE')
    kind = 'bad_request';
  else if (code === 'INTERNAL' || code === 'UNAVAILABLE') kind = 'upstream';

  return {
    message,
    kind,
    providerCode: reasons[0] ?? code,
    retryAfterSeconds,
    ...(quotaIds.length ? { details: { quota_ids: quotaIds } } : {}),
  };
}

// ─── Client ─────────────────────────────────────────────────────────────────────────────────────

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function modelPath(model: string): string {
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  if (!MODEL_ID.test(id)) {
    throw new ProviderError({
      provider: 'gemini',
      kind: 'bad_request',
      message: `Invalid Gemini model id: ${JSON.stringify(model)}`,
    });
  }
  return id;
}

/** Typical spacing of the frames (median gap), used for segment ends and the batch window. */
export function frameInterval(times: readonly number[], duration: number): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return Math.max(0.001, Math.min(2, duration - (times[0] ?? 0)));
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

export function buildPrompt(opts: {
  frameCount: number;
  duration: number;
  window: TimeWindow;
  interval: number;
  contextText?: string;
}): string {
  const lines = [
    `You are judging which moments of a video would make engaging short-form clips.`,
    `Below are ${opts.frameCount} frames sampled from a ${fmt(opts.duration)} s video, covering ${fmt(opts.window.start)} s to ${fmt(opts.window.end)} s.`,
    `Each frame is preceded by a label giving its time in seconds from the START OF THE WHOLE VIDEO. Use these absolute times as they are; do not restart from zero.`,
    `Group consecutive frames into segments of 2–3 frames and cover every frame shown exactly once.`,
    `For each segment: start_time is the time of its first frame; end_time is the time of its last frame plus ${fmt(opts.interval)} s (never beyond ${fmt(opts.window.end)}).`,
    `score (integer 0–100) rates short-form engagement: 90–100 viral (intense action, strong emotion, surprising reveal); 70–89 very good (clear demonstration, expressive moment); 50–69 acceptable; 0–49 weak (static, dull, transition).`,
    `description is one sentence; highlights lists short phrases of what stands out; tags come only from: ${SEGMENT_TAGS.join(', ')}.`,
    `Answer only with JSON that follows the response schema.`,
  ];
  if (opts.contextText?.trim()) lines.push(`Additional context about the video: ${opts.contextText.trim()}`);
  return lines.join('\n');
}

const RESOLUTIONS = {
  low: 'MEDIA_RESOLUTION_LOW',
  medium: 'MEDIA_RESOLUTION_MEDIUM',
  high: 'MEDIA_RESOLUTION_HIGH',
} as const;

export function createGeminiClient(config: GeminiClientConfig) {
  const http: ProviderHttp = {
    provider: 'gemini',
    fetch: resolveFetch(config),
    timeoutMs: config.timeoutMs ?? 120_000,
    interpretError: interpretGeminiError,
  };
  const headers = { 'x-goog-api-key': config.apiKey };
  const files = createGeminiFiles(http, config.baseUrl, headers);

  async function generate(model: string, body: unknown, timeoutMs?: number) {
    const url = joinUrl(config.baseUrl, `/v1beta/models/${modelPath(model)}:generateContent`);
    const { value, response } = await exchange(
      http,
      url,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) },
      (res) => readJson(http, res, GenerateContentResponse),
      timeoutMs ? { timeoutMs } : {},
    );
    return {
      data: value,
      requestId: response.headers.get('x-request-id') ?? response.headers.get('x-goog-request-id'),
    };
  }

  /** The answer's text (thought parts excluded), or a typed error saying why there is none. */
  function answerText(data: z.infer<typeof GenerateContentResponse>): string {
    const candidate = data.candidates[0];
    if (!candidate) {
      const reason = data.promptFeedback?.blockReason;
      if (reason)
        throw new ProviderError({
          provider: 'gemini',
          kind: 'bad_request',
          status: 200,
          providerCode: reason,
          message: `Gemini blocked the request (${reason})`,
        });
      throw new ProviderError({
        provider: 'gemini',
        kind: 'malformed_response',
        status: 200,
        message: 'Gemini returned no candidates',
      });
    }
    const text = (candidate.content?.parts ?? [])
      .filter((p) => !p.thought)
      .map((p) => p.text ?? '')
      .join('');
    if (candidate.finishReason === 'MAX_TOKENS') {
      throw new ProviderError({
        provider: 'gemini',
        kind: 'malformed_response',
        status: 200,
        providerCode: 'MAX_TOKENS',
        message: 'Gemini answer was cut off at the output token limit',
      });
    }
    if (!text.trim()) {
      const reason = candidate.finishReason ?? 'no text';
      throw new ProviderError({
        provider: 'gemini',
        kind: 'malformed_response',
        status: 200,
        providerCode: reason,
        message: `Gemini returned no answer text (${reason})`,
      });
    }
    return text;
  }

  async function analyzeFrames(input: AnalyzeFramesInput): Promise<AnalyzeFramesResult> {
    const batchSize = input.batch_size ?? 30;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500)
      throw new RangeError('batch_size must be an integer in 1..500');
    if (!(input.duration > 0)) throw new RangeError('duration must be positive');
    for (const f of input.frames) {
      if (!Number.isFinite(f.time) || f.time < 0) throw new RangeError(`frame time ${f.time} is not a time in seconds`);
      if (!f.jpeg_base64) throw new RangeError(`frame at ${f.time}s has no image`);
    }
    modelPath(input.model);
    const frames = [...input.frames].filter((f) => f.time <= input.duration).sort((a, b) => a.time - b.time);
    const interval = frameInterval(
      frames.map((f) => f.time),
      input.duration,
    );
    const calls: GeminiCall[] = [];
    const segments: AnalyzedSegment[] = [];
    let dropped = 0;

    try {
      for (let b = 0, batchIndex = 0; b < frames.length; b += batchSize, batchIndex++) {
        const batch = frames.slice(b, b + batchSize);
        const window: TimeWindow = {
          start: batch[0]!.time,
          end: Math.min(input.duration, batch[batch.length - 1]!.time + interval),
        };
        const parts: unknown[] = [
          {
            text: buildPrompt({
              frameCount: batch.length,
              duration: input.duration,
              window,
              interval,
              contextText: input.context_text,
            }),
          },
        ];
        batch.forEach((frame, i) => {
          parts.push({ text: `Frame ${b + i + 1} at ${fmt(frame.time)}s` });
          parts.push({ inlineData: { mimeType: 'image/jpeg', data: frame.jpeg_base64 } });
        });
        const generationConfig: Record<string, unknown> = {
          responseMimeType: 'application/json',
          responseJsonSchema: SEGMENTS_RESPONSE_SCHEMA,
        };
        if (input.media_resolution) generationConfig.mediaResolution = RESOLUTIONS[input.media_resolution];
        if (input.thinking_budget !== undefined)
          generationConfig.thinkingConfig = { thinkingBudget: input.thinking_budget };
        const body = { contents: [{ role: 'user', parts }], generationConfig };

        const result = await withRetries(async (attempt) => {
          const { data, requestId } = await generate(input.model, body);
          const call = billedCall(input.model, data, requestId, {
            batchIndex,
            attempt,
            frameCount: batch.length,
            window,
          });
          calls.push(call);
          await input.onCall?.(call);
          const answer = parseJsonText(http, answerText(data), RawSegmentsAnswer, 'Gemini answer', 200);
          return validateSegments(answer.segments, window);
        }, answerRetry(input.retry));
        segments.push(...result.kept);
        dropped += result.dropped;
      }
    } catch (err) {
      throw withBilledCalls(err, calls);
    }

    segments.sort((a, b) => a.start_time - b.start_time);
    return { segments, calls, dropped_segments: dropped };
  }

  async function checkModel(input: { model: string }): Promise<GeminiModelInfo> {
    const id = modelPath(input.model);
    const { value } = await exchange(
      http,
      joinUrl(config.baseUrl, `/v1beta/models/${id}`),
      { method: 'GET', headers },
      (res) => readJson(http, res, ModelMetadata),
      { timeoutMs: Math.min(http.timeoutMs, 10_000) },
    );
    return {
      model: id,
      name: value.name,
      display_name: value.displayName ?? null,
      version: value.version ?? null,
      input_token_limit: value.inputTokenLimit ?? null,
      output_token_limit: value.outputTokenLimit ?? null,
      supports_generate_content: value.supportedGenerationMethods.includes('generateContent'),
    };
  }

  /**
   * Word-timed transcript of one piece of audio (audio understanding, structured output). Times come
   * back relative to the audio; malformed answers are retried like frame batches. Audio up to
   * `inline_max_bytes` goes inline; larger audio is uploaded with the Files API, used by reference,
   * and deleted afterwards, whether the transcription worked or not.
   */
  async function transcribeAudio(input: TranscribeAudioInput): Promise<TranscribeAudioResult> {
    if (!(input.duration > 0)) throw new RangeError('duration must be positive');
    if (!input.audio.byteLength) throw new RangeError('no audio to transcribe');
    modelPath(input.model);
    const inlineMax = input.inline_max_bytes ?? GEMINI_INLINE_AUDIO_MAX_BYTES;
    if (input.audio.byteLength <= inlineMax)
      return transcribeParts(input, { inlineData: { mimeType: input.mime_type, data: toBase64(input.audio) } }, null);

    const uploaded = await withRetries(
      () => files.upload(input.audio, input.mime_type, input.display_name ?? 'cutroom-audio'),
      input.retry,
    );
    let result: TranscribeAudioResult;
    let deleted = false;
    try {
      const active = await files.waitUntilActive(uploaded, input.file_wait);
      result = await transcribeParts(
        input,
        { fileData: { mimeType: active.mime_type || input.mime_type, fileUri: active.uri } },
        uploaded.name,
      );
    } finally {
      // Also after a failure: the file would otherwise stay (and count against the project's storage) for 48 h.
      deleted = await files.remove(uploaded.name);
    }
    return { ...result, file: { name: uploaded.name, deleted } };
  }

  async function transcribeParts(
    input: TranscribeAudioInput,
    audioPart: unknown,
    fileName: string | null,
  ): Promise<TranscribeAudioResult> {
    const window: TimeWindow = { start: 0, end: input.duration };
    const generationConfig: Record<string, unknown> = {
      responseMimeType: 'application/json',
      responseJsonSchema: TRANSCRIPT_RESPONSE_SCHEMA,
    };
    if (input.thinking_budget !== undefined)
      generationConfig.thinkingConfig = { thinkingBudget: input.thinking_budget };
    const body = {
      contents: [
        {
          role: 'user',
          parts: [
            { text: buildTranscriptPrompt({ duration: input.duration, languageHint: input.language_hint }) },
            audioPart,
          ],
        },
      ],
      generationConfig,
    };
    const calls: GeminiCall[] = [];
    try {
      return await withRetries(async (attempt) => {
        const { data, requestId } = await generate(input.model, body, input.timeout_ms);
        const call = billedCall(input.model, data, requestId, {
          batchIndex: input.batch_index ?? 0,
          attempt,
          frameCount: 0,
          window,
        });
        calls.push(call);
        await input.onCall?.(call);
        const answer = parseJsonText(http, answerText(data), RawTranscriptAnswer, 'Gemini answer', 200);
        const { kept, dropped } = validateTranscriptWords(answer.words, input.duration);
        return {
          words: kept,
          language: answer.language?.trim() || null,
          dropped_words: dropped,
          calls,
          transport: fileName ? ('file' as const) : ('inline' as const),
          file: fileName ? { name: fileName, deleted: false } : null,
        };
      }, answerRetry(input.retry));
    } catch (err) {
      throw withBilledCalls(err, calls);
    }
  }

  return { analyzeFrames, checkModel, transcribeAudio };
}

export type GeminiClient = ReturnType<typeof createGeminiClient>;
