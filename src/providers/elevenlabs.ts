/**
 * ElevenLabs text-to-speech client: the with-timestamps endpoint (audio plus a character alignment,
 * so captions match the voice exactly without transcription) and the subscription call behind
 * `/usage`. Cost facts for the ledger come from the response (`request-id`, `x-character-count`),
 * not from a hard-coded per-character price as in the original.
 */
import { z } from 'zod';
import { fromBase64 } from '../../shared/encoding.ts';
import type { CharacterAlignment } from './captions.ts';
import {
  type ErrorInterpretation,
  type ProviderClientConfig,
  type ProviderHttp,
  asRecord,
  exchange,
  readJson,
  resolveFetch,
} from './http.ts';
import { joinUrl } from '../core/urls.ts';
import type { ProviderErrorKind } from './provider-error.ts';

export type ElevenLabsClientConfig = ProviderClientConfig;

export interface VoiceSettings {
  stability?: number;
  similarity_boost?: number;
  style?: number;
  use_speaker_boost?: boolean;
  speed?: number;
}

export interface SynthesizeInput {
  voiceId: string;
  modelId: string;
  text: string;
  /** `mp3_44100_128` by default; 192 kbps needs a Creator plan or above. */
  outputFormat?: string;
  voiceSettings?: VoiceSettings;
  /** Up to 3 earlier request ids, for prosody continuity across segments. */
  previousRequestIds?: readonly string[];
  languageCode?: string;
  seed?: number;
}

export interface SynthesisResult {
  audio: Uint8Array;
  /** MIME type implied by the output format. */
  contentType: string;
  outputFormat: string;
  /** Alignment of the characters of `text` as sent (null if ElevenLabs sent none). */
  alignment: CharacterAlignment | null;
  normalizedAlignment: CharacterAlignment | null;
  /** `request-id` response header: store it, and pass it as `previousRequestIds` later. */
  requestId: string | null;
  /** Billed characters: `x-character-count` when present, else the text length. */
  characterCount: number;
  model: string;
}

export interface SubscriptionUsage {
  tier: string;
  status: string | null;
  characters_used: number;
  characters_limit: number;
  remaining: number;
  /** Percent of the limit used, one decimal. */
  usage_percent: number;
  next_reset_unix: number | null;
}

/**
 * Characters per request by model (docs/compatibility.md#elevenlabs-api), so routes can answer 400 before calling.
 * Unknown models get the smallest limit.
 */
export const ELEVENLABS_MAX_CHARACTERS: Record<string, number> = {
  eleven_v3: 5_000,
  eleven_multilingual_v2: 10_000,
  eleven_flash_v2_5: 40_000,
  eleven_turbo_v2_5: 40_000,
};

export function elevenLabsMaxCharacters(modelId: string): number {
  return ELEVENLABS_MAX_CHARACTERS[modelId] ?? 5_000;
}

// ─── Wire shapes ────────────────────────────────────────────────────────────────────────────────

const Alignment = z
  .object({
    characters: z.array(z.string()),
    character_start_times_seconds: z.array(z.number()),
    character_end_times_seconds: z.array(z.number()),
  })
  .refine(
    (a) =>
      a.characters.length === a.character_start_times_seconds.length &&
      a.characters.length === a.character_end_times_seconds.length,
    {
      message: 'alignment arrays differ in length',
    },
  );

const WithTimestampsResponse = z.object({
  audio_base64: z.string().min(1),
  alignment: Alignment.nullable().optional(),
  normalized_alignment: Alignment.nullable().optional(),
});

const Subscription = z
  .object({
    tier: z.string(),
    character_count: z.number(),
    character_limit: z.number(),
    next_character_count_reset_unix: z.number().nullable().optional(),
    status: z.string().optional(),
  })
  .loose();

// ─── Errors ─────────────────────────────────────────────────────────────────────────────────────

const STATUS_KINDS: Record<string, ProviderErrorKind> = {
  invalid_api_key: 'auth',
  needs_authorization: 'auth',
  missing_permissions: 'auth',
  unauthorized: 'auth',
  quota_exceeded: 'quota',
  payment_required: 'quota',
  voice_not_found: 'not_found',
  model_not_found: 'not_found',
  max_character_limit_exceeded: 'bad_request',
  too_many_concurrent_requests: 'rate_limited',
  system_busy: 'rate_limited',
  rate_limit_exceeded: 'rate_limited',
};

/**
 * `{detail:{status,message}}` (their own errors), `{detail:"…"}`, or FastAPI validation
 * `{detail:[{loc,msg}]}`. Note quota_exceeded arrives as 401: the status string decides.
 */
function interpretElevenLabsError(_status: number, body: unknown): ErrorInterpretation {
  const detail = asRecord(body)?.detail;
  if (typeof detail === 'string') return { message: detail };
  if (Array.isArray(detail)) {
    const messages = detail
      .map(asRecord)
      .filter((d) => d !== undefined)
      .map((d) => `${Array.isArray(d.loc) ? d.loc.join('.') : 'body'}: ${String(d.msg ?? 'invalid')}`);
    return { message: messages.join('; ') || 'Invalid request', kind: 'bad_request', providerCode: 'validation_error' };
  }
  const record = asRecord(detail);
  if (!record) return {};
  const code = typeof record.status === 'string' ? record.status : undefined;
  const message = typeof record.message === 'string' ? record.message : undefined;
  return { message, providerCode: code, kind: code ? STATUS_KINDS[code] : undefined };
}

// ─── Client ─────────────────────────────────────────────────────────────────────────────────────

const VOICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const OUTPUT_FORMAT = /^(mp3|pcm|wav|opus|ulaw|alaw)_\d+(_\d+)?$/;

function contentTypeFor(format: string): string {
  if (format.startsWith('mp3')) return 'audio/mpeg';
  if (format.startsWith('wav')) return 'audio/wav';
  if (format.startsWith('opus')) return 'audio/ogg';
  if (format.startsWith('pcm')) return 'audio/pcm';
  return 'audio/basic';
}

export function createElevenLabsClient(config: ElevenLabsClientConfig) {
  const http: ProviderHttp = {
    provider: 'elevenlabs',
    fetch: resolveFetch(config),
    timeoutMs: config.timeoutMs ?? 120_000,
    interpretError: interpretElevenLabsError,
  };
  const headers = { 'xi-api-key': config.apiKey };

  async function synthesizeWithTimestamps(input: SynthesizeInput): Promise<SynthesisResult> {
    const outputFormat = input.outputFormat ?? 'mp3_44100_128';
    if (!VOICE_ID.test(input.voiceId))
      throw new RangeError(`Invalid ElevenLabs voice id: ${JSON.stringify(input.voiceId)}`);
    if (!OUTPUT_FORMAT.test(outputFormat))
      throw new RangeError(`Invalid ElevenLabs output format: ${JSON.stringify(outputFormat)}`);
    if (!input.text.trim()) throw new RangeError('text is empty');

    const body: Record<string, unknown> = { text: input.text, model_id: input.modelId };
    if (input.voiceSettings) body.voice_settings = input.voiceSettings;
    if (input.previousRequestIds?.length) body.previous_request_ids = input.previousRequestIds.slice(-3);
    if (input.languageCode) body.language_code = input.languageCode;
    if (input.seed !== undefined) body.seed = input.seed;

    const url = joinUrl(
      config.baseUrl,
      `/v1/text-to-speech/${input.voiceId}/with-timestamps?output_format=${encodeURIComponent(outputFormat)}`,
    );
    const { value, response } = await exchange(
      http,
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      (res) => readJson(http, res, WithTimestampsResponse),
    );
    const counted = Number(response.headers.get('x-character-count'));
    return {
      audio: fromBase64(value.audio_base64),
      contentType: contentTypeFor(outputFormat),
      outputFormat,
      alignment: value.alignment ?? null,
      normalizedAlignment: value.normalized_alignment ?? null,
      requestId: response.headers.get('request-id'),
      characterCount: Number.isFinite(counted) && counted > 0 ? counted : input.text.length,
      model: input.modelId,
    };
  }

  async function getSubscription(): Promise<SubscriptionUsage> {
    const { value } = await exchange(
      http,
      joinUrl(config.baseUrl, '/v1/user/subscription'),
      { method: 'GET', headers },
      (res) => readJson(http, res, Subscription),
      { timeoutMs: Math.min(http.timeoutMs, 10_000) },
    );
    const limit = value.character_limit;
    const used = value.character_count;
    return {
      tier: value.tier,
      status: value.status ?? null,
      characters_used: used,
      characters_limit: limit,
      remaining: Math.max(0, limit - used),
      usage_percent: limit > 0 ? Math.round((used / limit) * 1000) / 10 : 0,
      next_reset_unix: value.next_character_count_reset_unix ?? null,
    };
  }

  return { synthesizeWithTimestamps, getSubscription };
}

export type ElevenLabsClient = ReturnType<typeof createElevenLabsClient>;
