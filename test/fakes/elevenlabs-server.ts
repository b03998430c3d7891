/**
 * Local fake of the ElevenLabs API (docs/compatibility.md#elevenlabs-api), close enough that the real client cannot
 * tell: `xi-api-key` auth with ElevenLabs' 401 bodies, `POST /v1/text-to-speech/{voice}/with-timestamps`
 * returning real speech (eSpeak NG + FFmpeg, in the requested output format) with a character
 * alignment spanning it, `request-id` / `x-character-count` headers, per-key credit accounting
 * with `quota_exceeded` (a 401, as the real API sends it), per-model text limits,
 * `too_many_concurrent_requests` when a key exceeds its concurrency, and `GET /v1/user/subscription`.
 *
 * Valid keys: any starting with `el_test_` (each key is its own account). Controls:
 *   POST /__fake/config { api_key?, character_limit?, character_count?, concurrency? }
 * plus the common ones (fake-server.ts).
 */
import { type FakeRequest, FakeServer, randomHex } from './fake-server.ts';
import { parseOutputFormat, plausibleAlignment, synthesizeSpeech } from './speech-audio.ts';

export const ELEVENLABS_FAKE_KEY = 'el_test_default';
export const ELEVENLABS_FAKE_VOICES = ['21m00Tcm4TlvDq8ikWAM', 'pNInz6obpgDQGcFmaJgB', 'EXAVITQu4vr4xnSDxMaL'];

/** Characters per request by model, and credits per character (Flash/Turbo bill half). */
const MODELS: Record<string, { maxChars: number; creditsPerChar: number }> = {
  eleven_flash_v2_5: { maxChars: 40_000, creditsPerChar: 0.5 },
  eleven_turbo_v2_5: { maxChars: 40_000, creditsPerChar: 0.5 },
  eleven_flash_v2: { maxChars: 30_000, creditsPerChar: 0.5 },
  eleven_turbo_v2: { maxChars: 30_000, creditsPerChar: 0.5 },
  eleven_multilingual_v2: { maxChars: 10_000, creditsPerChar: 1 },
  eleven_v3: { maxChars: 5_000, creditsPerChar: 1 },
};

export interface ElevenLabsFakeOptions {
  /** Credits per account per period (default 100 000, the Creator tier). */
  characterLimit?: number;
  /** Concurrent synthesis requests per key before 429 (default 5). */
  concurrency?: number;
  port?: number;
}

interface Account {
  characterCount: number;
  characterLimit: number;
  concurrency: number;
  inFlight: number;
}

const detail = (status: string, message: string) => ({ detail: { status, message } });

export class ElevenLabsFake {
  readonly apiKey = ELEVENLABS_FAKE_KEY;
  private accounts = new Map<string, Account>();

  readonly server: FakeServer;
  private readonly options: ElevenLabsFakeOptions;

  // Plain fields, no parameter properties: `node scripts/start.ts` loads this file with type stripping only.
  private constructor(server: FakeServer, options: ElevenLabsFakeOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: ElevenLabsFakeOptions = {}): Promise<ElevenLabsFake> {
    let fake!: ElevenLabsFake;
    const server = await FakeServer.start({
      name: 'elevenlabs',
      port: options.port,
      apiKeyOf: (req) => req.header('xi-api-key') ?? null,
      routes: [
        {
          method: 'POST',
          pattern: /^\/v1\/text-to-speech\/([^/]+)\/with-timestamps$/,
          handler: (req, [voice]) => fake.withTimestamps(req, voice!),
        },
        { method: 'GET', pattern: /^\/v1\/user\/subscription$/, handler: (req) => fake.subscription(req) },
      ],
      controls: [{ method: 'POST', pattern: /^\/config$/, handler: (req) => fake.configure(req) }],
      notFound: (req) => req.send(404, { detail: 'Not Found' }),
      onReset: () => fake.accounts.clear(),
    });
    fake = new ElevenLabsFake(server, options);
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  account(key: string): Account {
    let account = this.accounts.get(key);
    if (!account) {
      account = {
        characterCount: 0,
        characterLimit: this.options.characterLimit ?? 100_000,
        concurrency: this.options.concurrency ?? 5,
        inFlight: 0,
      };
      this.accounts.set(key, account);
    }
    return account;
  }

  setAccount(key: string, patch: Partial<Pick<Account, 'characterCount' | 'characterLimit' | 'concurrency'>>): void {
    Object.assign(this.account(key), patch);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Answers auth failures the way ElevenLabs does; returns the account when the key is good. */
  private authorize(req: FakeRequest): Account | null {
    const key = req.record.api_key;
    if (!key) {
      req.send(
        401,
        detail('needs_authorization', 'Neither authorization header nor xi-api-key received, please provide one.'),
      );
      return null;
    }
    if (!key.startsWith('el_test_')) {
      req.send(401, detail('invalid_api_key', 'Invalid API key'));
      return null;
    }
    return this.account(key);
  }

  private async withTimestamps(req: FakeRequest, voiceId: string): Promise<void> {
    const body = await req.readJson();
    const account = this.authorize(req);
    if (!account) return;
    if (!ELEVENLABS_FAKE_VOICES.includes(voiceId)) {
      return req.send(404, detail('voice_not_found', `A voice with the voice_id ${voiceId} was not found.`));
    }
    const input = body as { text?: unknown; model_id?: unknown; voice_settings?: unknown } | undefined;
    if (!input || typeof input !== 'object') {
      return req.send(422, { detail: [{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }] });
    }
    if (typeof input.text !== 'string' || !input.text) {
      return req.send(422, { detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] });
    }
    const modelId = typeof input.model_id === 'string' ? input.model_id : 'eleven_multilingual_v2';
    const model = MODELS[modelId];
    if (!model) return req.send(400, detail('model_not_found', `A model with model ID ${modelId} does not exist.`));
    const outputFormat = req.url.searchParams.get('output_format') ?? 'mp3_44100_128';
    const format = parseOutputFormat(outputFormat);
    if (!format) {
      return req.send(
        400,
        detail('invalid_output_format', `Output format ${outputFormat} is not supported (by this fake).`),
      );
    }
    const characters = Array.from(input.text).length;
    if (characters > model.maxChars) {
      return req.send(
        400,
        detail(
          'max_character_limit_exceeded',
          `Text must be at most ${model.maxChars} characters for ${modelId}; this request has ${characters}.`,
        ),
      );
    }
    const credits = Math.ceil(characters * model.creditsPerChar);
    const remaining = account.characterLimit - account.characterCount;
    if (credits > remaining) {
      return req.send(
        401,
        detail(
          'quota_exceeded',
          `This request exceeds your quota of ${account.characterLimit}. You have ${Math.max(0, remaining)} credits remaining, while ${credits} credits are required for this request.`,
        ),
      );
    }
    if (account.inFlight >= account.concurrency) {
      return req.send(
        429,
        detail(
          'too_many_concurrent_requests',
          `Too many concurrent requests: your plan allows ${account.concurrency}.`,
        ),
      );
    }
    account.inFlight++;
    try {
      const { audio, speechSeconds } = await synthesizeSpeech(input.text, format);
      account.characterCount += credits;
      const alignment = plausibleAlignment(input.text, speechSeconds);
      req.record.extra = {
        model_id: modelId,
        output_format: outputFormat,
        credits,
        speech_seconds: speechSeconds,
        audio_bytes: audio.length,
      };
      req.send(
        200,
        { audio_base64: audio.toString('base64'), alignment, normalized_alignment: alignment },
        { 'request-id': randomHex(10), 'x-character-count': String(characters), 'character-cost': String(credits) },
      );
    } finally {
      account.inFlight--;
    }
  }

  private subscription(req: FakeRequest): void {
    const account = this.authorize(req);
    if (!account) return;
    const nextReset = Math.floor(Date.now() / 1000) + 20 * 24 * 3600;
    req.send(200, {
      tier: 'creator',
      character_count: account.characterCount,
      character_limit: account.characterLimit,
      can_extend_character_limit: true,
      allowed_to_extend_character_limit: true,
      next_character_count_reset_unix: nextReset,
      voice_limit: 30,
      professional_voice_limit: 1,
      can_use_instant_voice_cloning: true,
      can_use_professional_voice_cloning: true,
      currency: 'usd',
      status: 'active',
      billing_period: 'monthly_period',
      character_refresh_period: 'monthly_period',
    });
  }

  private async configure(req: FakeRequest): Promise<void> {
    const body = (await req.readJson()) as
      | { api_key?: string; character_limit?: number; character_count?: number; concurrency?: number }
      | undefined;
    if (!body || typeof body !== 'object') return req.send(400, { error: 'JSON expected' });
    const key = body.api_key ?? ELEVENLABS_FAKE_KEY;
    this.setAccount(key, {
      ...(body.character_limit === undefined ? {} : { characterLimit: body.character_limit }),
      ...(body.character_count === undefined ? {} : { characterCount: body.character_count }),
      ...(body.concurrency === undefined ? {} : { concurrency: body.concurrency }),
    });
    req.send(200, { ok: true, account: this.account(key) });
  }
}

export function startElevenLabsFake(options?: ElevenLabsFakeOptions): Promise<ElevenLabsFake> {
  return ElevenLabsFake.start(options);
}
