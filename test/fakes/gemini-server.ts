/**
 * Local fake of the Gemini API (v1beta REST, docs/compatibility.md#gemini-api): `x-goog-api-key` (or `?key=`) auth
 * with Google's error bodies, `GET /v1beta/models/{model}` metadata, and
 * `POST /v1beta/models/{model}:generateContent` that reads the frames it was sent (each
 * `inlineData` image and the time in the text label before it) and answers with segments derived
 * from those times, in the requested `responseJsonSchema` shape, with `usageMetadata` counted the
 * way Gemini counts (258 tokens per image, 66 at low media resolution, per-modality details).
 * Without structured output it answers prose around a fenced JSON block, as models do.
 * Audio (`inlineData` audio/mpeg) is transcribed the way a listener with a script would: ffmpeg's
 * silencedetect finds where sound is in the audio actually sent, and the words set with
 * `setHeardWords` are laid on those sounds in order (one word per sound; `word1`, `word2`, … when
 * none are set), billed 32 AUDIO tokens per second.
 *
 * Valid keys: any starting with `gm_test_`. Controls (besides the common ones):
 *   POST /__fake/answer-next { mode, text?, times?, api_key? }
 *     mode: "non_json" (prose), "relative_times" (batch-relative times, the double-offset trap),
 *           "beyond_duration" (times past the frames), "blocked" (promptFeedback), "max_tokens",
 *           "text" (answer `text` verbatim)
 *   POST /__fake/config { requests_per_minute?, api_key? }   (429 RESOURCE_EXHAUSTED with RetryInfo)
 *   POST /__fake/files { polls_until_active?, fail_processing? }   (how the next uploads process)
 *
 * Files API: `POST /upload/v1beta/files` with `X-Goog-Upload-Protocol: resumable` and
 * `X-Goog-Upload-Command: start` (declared length and type in `X-Goog-Upload-Header-Content-*`,
 * `{file:{display_name}}` body) answers an `X-Goog-Upload-URL` on this origin; the bytes go there
 * with `upload, finalize` at offset 0 and must be exactly the declared length. The file is
 * PROCESSING for `polls_until_active` `GET /v1beta/files/{id}` (default 1), then ACTIVE (or FAILED);
 * `DELETE` removes it. `generateContent` resolves `fileData.fileUri` to the bytes uploaded, refuses
 * a file that is not ACTIVE (400 FAILED_PRECONDITION) or does not exist (403), and hears the audio
 * as it hears inline audio. `liveFiles()` lists what was uploaded and not deleted.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FakeRequest, FakeServer, randomHex } from './fake-server.ts';

export const GEMINI_FAKE_KEY = 'gm_test_default';
export const GEMINI_FAKE_MODELS: Record<string, { displayName: string; thinking: boolean }> = {
  'gemini-2.5-flash': { displayName: 'Gemini 2.5 Flash', thinking: true },
  'gemini-2.5-flash-lite': { displayName: 'Gemini 2.5 Flash-Lite', thinking: false },
  'gemini-2.5-pro': { displayName: 'Gemini 2.5 Pro', thinking: true },
  'gemini-3-flash-preview': { displayName: 'Gemini 3 Flash Preview', thinking: true },
  'gemini-3-pro-preview': { displayName: 'Gemini 3 Pro Preview', thinking: true },
};

const TAGS = [
  'product_demo',
  'talking_head',
  'action',
  'tutorial',
  'before_after',
  'reveal',
  'emotional',
  'funny',
  'educational',
];

export type AnswerMode = 'non_json' | 'relative_times' | 'beyond_duration' | 'blocked' | 'max_tokens' | 'text';
interface AnswerRule {
  mode: AnswerMode;
  text?: string;
  remaining: number;
  api_key?: string;
}

export interface GeminiFakeOptions {
  port?: number;
  /** Requests per minute per key before 429 (default: unlimited). */
  requestsPerMinute?: number;
}

/** Google's error envelope. */
export function googleError(code: number, status: string, message: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** The body Gemini sends for a per-minute rate limit, with the delay it asks for. */
export function rateLimitBody(retrySeconds: number, quotaId = 'GenerateRequestsPerMinutePerProjectPerModel') {
  return googleError(
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests', quotaId }],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retrySeconds}s` },
    ],
  );
}

interface Frame {
  time: number;
  bytes: Buffer;
}

interface PartLike {
  text?: unknown;
  inlineData?: { mimeType?: unknown; data?: unknown };
  fileData?: { mimeType?: unknown; fileUri?: unknown };
}

export interface FakeFile {
  name: string;
  displayName: string;
  mimeType: string;
  bytes: Buffer;
  state: 'PROCESSING' | 'ACTIVE' | 'FAILED';
  pollsLeft: number;
  failProcessing: boolean;
  createTime: string;
}

interface UploadSession {
  length: number;
  mimeType: string;
  displayName: string;
  api_key: string;
}

export class GeminiFake {
  readonly apiKey = GEMINI_FAKE_KEY;
  private answerRules: AnswerRule[] = [];
  private heardWords: string[] | null = null;
  private rpm = new Map<string, number>();
  private windows = new Map<string, { start: number; count: number }>();
  private files = new Map<string, FakeFile>();
  private sessions = new Map<string, UploadSession>();
  private fileConfig = { pollsUntilActive: 1, failProcessing: false };
  /** Every file ever uploaded (deleted ones too), by name, in upload order. */
  readonly uploaded: string[] = [];

  readonly server: FakeServer;
  private readonly options: GeminiFakeOptions;

  // Plain fields, no parameter properties: `node scripts/start.ts` loads this file with type stripping only.
  private constructor(server: FakeServer, options: GeminiFakeOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: GeminiFakeOptions = {}): Promise<GeminiFake> {
    let fake!: GeminiFake;
    const server = await FakeServer.start({
      name: 'gemini',
      port: options.port,
      apiKeyOf: (req) => req.header('x-goog-api-key') ?? req.url.searchParams.get('key'),
      routes: [
        {
          method: 'POST',
          pattern: /^\/v1beta\/models\/([^/:]+):generateContent$/,
          handler: (req, [m]) => fake.generate(req, m!),
        },
        { method: 'GET', pattern: /^\/v1beta\/models\/([^/:]+)$/, handler: (req, [m]) => fake.model(req, m!) },
        { method: 'POST', pattern: /^\/upload\/v1beta\/files$/, handler: (req) => fake.upload(req) },
        { method: 'GET', pattern: /^\/v1beta\/files\/([^/:]+)$/, handler: (req, [id]) => fake.getFile(req, id!) },
        { method: 'DELETE', pattern: /^\/v1beta\/files\/([^/:]+)$/, handler: (req, [id]) => fake.deleteFile(req, id!) },
      ],
      controls: [
        { method: 'POST', pattern: /^\/answer-next$/, handler: (req) => fake.answerNextControl(req) },
        { method: 'POST', pattern: /^\/config$/, handler: (req) => fake.configControl(req) },
        { method: 'POST', pattern: /^\/files$/, handler: (req) => fake.filesControl(req) },
      ],
      notFound: (req) => req.send(404, googleError(404, 'NOT_FOUND', `Method not found: ${req.path}`)),
      onReset: () => {
        fake.answerRules = [];
        fake.heardWords = null;
        fake.rpm.clear();
        fake.windows.clear();
        fake.files.clear();
        fake.sessions.clear();
        fake.uploaded.length = 0;
        fake.fileConfig = { pollsUntilActive: 1, failProcessing: false };
      },
    });
    fake = new GeminiFake(server, options);
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  answerNext(mode: AnswerMode, options: { text?: string; times?: number; api_key?: string } = {}): void {
    this.answerRules.push({ mode, text: options.text, remaining: options.times ?? 1, api_key: options.api_key });
  }

  /** The words the next transcriptions hear, in order (null: `word1`, `word2`, …). */
  setHeardWords(words: string[] | null): void {
    this.heardWords = words;
  }

  setRequestsPerMinute(limit: number | undefined, apiKey?: string): void {
    if (apiKey) {
      if (limit === undefined) this.rpm.delete(apiKey);
      else this.rpm.set(apiKey, limit);
    } else this.options.requestsPerMinute = limit;
  }

  private authorize(req: FakeRequest): string | null {
    const key = req.record.api_key;
    if (!key) {
      req.send(
        403,
        googleError(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        ),
      );
      return null;
    }
    if (!key.startsWith('gm_test_')) {
      req.send(
        400,
        googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ]),
      );
      return null;
    }
    return key;
  }

  private unknownModel(req: FakeRequest, model: string): boolean {
    if (GEMINI_FAKE_MODELS[model]) return false;
    req.send(
      404,
      googleError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      ),
    );
    return true;
  }

  private model(req: FakeRequest, model: string): void {
    if (!this.authorize(req) || this.unknownModel(req, model)) return;
    const info = GEMINI_FAKE_MODELS[model]!;
    req.send(200, {
      name: `models/${model}`,
      version: '001',
      displayName: info.displayName,
      description: `${info.displayName} (local fake)`,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
      temperature: 1,
      topP: 0.95,
      topK: 64,
      maxTemperature: 2,
      thinking: info.thinking,
    });
  }

  /** How the next uploads process: PROCESSING for this many polls, then ACTIVE (or FAILED). */
  setFileProcessing(options: { pollsUntilActive?: number; failProcessing?: boolean }): void {
    this.fileConfig = {
      pollsUntilActive: options.pollsUntilActive ?? this.fileConfig.pollsUntilActive,
      failProcessing: options.failProcessing ?? this.fileConfig.failProcessing,
    };
  }

  /** Names of the files uploaded and not deleted. */
  liveFiles(): string[] {
    return [...this.files.keys()];
  }

  private fileResource(file: FakeFile) {
    const id = file.name.slice('files/'.length);
    return {
      name: file.name,
      displayName: file.displayName,
      mimeType: file.mimeType,
      sizeBytes: String(file.bytes.length),
      createTime: file.createTime,
      updateTime: file.createTime,
      expirationTime: new Date(Date.parse(file.createTime) + 48 * 3600_000).toISOString(),
      sha256Hash: createHash('sha256').update(file.bytes).digest('base64'),
      uri: `${this.url}/v1beta/files/${id}`,
      state: file.state,
      source: 'UPLOADED',
      ...(file.state === 'FAILED' ? { error: { code: 400, message: 'Unable to process the file.' } } : {}),
    };
  }

  /** Both legs of the resumable upload share the path: `start`, then the session URL with the bytes. */
  private async upload(req: FakeRequest): Promise<void> {
    const sessionId = req.url.searchParams.get('upload_id');
    if (sessionId) return this.finishUpload(req, sessionId);
    const body = (await req.readJson()) as { file?: { display_name?: unknown } } | undefined;
    const key = this.authorize(req);
    if (!key) return;
    const length = Number(req.header('x-goog-upload-header-content-length'));
    const mimeType = req.header('x-goog-upload-header-content-type') ?? '';
    if (
      req.header('x-goog-upload-protocol') !== 'resumable' ||
      req.header('x-goog-upload-command') !== 'start' ||
      !Number.isInteger(length) ||
      length <= 0 ||
      !mimeType
    ) {
      return req.send(
        400,
        googleError(400, 'INVALID_ARGUMENT', 'Upload start needs the resumable protocol, a length and a type.'),
      );
    }
    const id = randomHex(16);
    this.sessions.set(id, {
      length,
      mimeType,
      displayName: typeof body?.file?.display_name === 'string' ? body.file.display_name : '',
      api_key: key,
    });
    req.record.extra = { upload: 'start', declared_length: length, mime_type: mimeType };
    req.sendRaw(200, '', {
      'x-goog-upload-url': `${this.url}/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`,
      'x-goog-upload-status': 'active',
    });
  }

  private async finishUpload(req: FakeRequest, sessionId: string): Promise<void> {
    const bytes = await req.readBody();
    const session = this.sessions.get(sessionId);
    if (!session) return req.send(404, googleError(404, 'NOT_FOUND', 'Upload session not found.'));
    const command = (req.header('x-goog-upload-command') ?? '').split(',').map((c) => c.trim());
    req.record.extra = { upload: 'finalize', declared_length: session.length, received: bytes.length };
    if (!command.includes('upload') || !command.includes('finalize') || req.header('x-goog-upload-offset') !== '0')
      return req.send(400, googleError(400, 'INVALID_ARGUMENT', 'Expected one upload, finalize at offset 0.'));
    if (bytes.length !== session.length)
      return req.send(
        400,
        googleError(400, 'INVALID_ARGUMENT', `Received ${bytes.length} bytes, ${session.length} were declared.`),
      );
    this.sessions.delete(sessionId);
    const file: FakeFile = {
      name: `files/${randomHex(6)}`,
      displayName: session.displayName,
      mimeType: session.mimeType,
      bytes,
      state: this.fileConfig.pollsUntilActive > 0 ? 'PROCESSING' : 'ACTIVE',
      pollsLeft: this.fileConfig.pollsUntilActive,
      failProcessing: this.fileConfig.failProcessing,
      createTime: new Date().toISOString(),
    };
    if (file.failProcessing && file.pollsLeft === 0) file.state = 'FAILED';
    this.files.set(file.name, file);
    this.uploaded.push(file.name);
    req.send(200, { file: this.fileResource(file) }, { 'x-goog-upload-status': 'final' });
  }

  private fileNotFound(req: FakeRequest, name: string): void {
    req.send(
      403,
      googleError(
        403,
        'PERMISSION_DENIED',
        `You do not have permission to access the File ${name} or it may not exist.`,
      ),
    );
  }

  private getFile(req: FakeRequest, id: string): void {
    if (!this.authorize(req)) return;
    const file = this.files.get(`files/${id}`);
    if (!file) return this.fileNotFound(req, id);
    if (file.state === 'PROCESSING' && --file.pollsLeft <= 0) file.state = file.failProcessing ? 'FAILED' : 'ACTIVE';
    req.send(200, this.fileResource(file));
  }

  private deleteFile(req: FakeRequest, id: string): void {
    if (!this.authorize(req)) return;
    if (!this.files.delete(`files/${id}`)) return this.fileNotFound(req, id);
    req.send(200, {});
  }

  /** The uploaded bytes a `fileData` part names, or why they cannot be used (an answer was sent). */
  private fileOf(req: FakeRequest, uri: unknown): Buffer | null {
    const prefix = `${this.url}/v1beta/files/`;
    const id = typeof uri === 'string' && uri.startsWith(prefix) ? uri.slice(prefix.length) : '';
    const file = this.files.get(`files/${id}`);
    if (!file) {
      this.fileNotFound(req, id || String(uri));
      return null;
    }
    if (file.state !== 'ACTIVE') {
      req.send(
        400,
        googleError(400, 'FAILED_PRECONDITION', `The File ${id} is not in an ACTIVE state and usage is not allowed.`),
      );
      return null;
    }
    return file.bytes;
  }

  private async filesControl(req: FakeRequest): Promise<void> {
    const body = (await req.readJson()) as { polls_until_active?: number; fail_processing?: boolean } | undefined;
    if (!body) return req.send(400, { error: 'JSON expected' });
    this.setFileProcessing({ pollsUntilActive: body.polls_until_active, failProcessing: body.fail_processing });
    req.send(200, { ok: true });
  }

  private rateLimited(req: FakeRequest, key: string): boolean {
    const limit = this.rpm.get(key) ?? this.options.requestsPerMinute;
    if (limit === undefined) return false;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    if (window.count <= limit) return false;
    req.send(429, rateLimitBody(Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000))));
    return true;
  }

  private async generate(req: FakeRequest, model: string): Promise<void> {
    const body = (await req.readJson()) as
      | { contents?: { parts?: PartLike[] }[]; generationConfig?: Record<string, unknown> }
      | undefined;
    const key = this.authorize(req);
    if (!key || this.unknownModel(req, model) || this.rateLimited(req, key)) return;
    if (!body || !Array.isArray(body.contents) || body.contents.length === 0) {
      return req.send(
        400,
        googleError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified'),
      );
    }
    const parts = body.contents.flatMap((c) => (Array.isArray(c.parts) ? c.parts : []));
    const config = body.generationConfig ?? {};

    // Frames: each inlineData image, timed by the nearest text label before it ("… at 12.5s").
    const frames: Frame[] = [];
    const audio: Buffer[] = [];
    let textChars = 0;
    let pendingTime: number | null = null;
    let fromFile = false;
    for (const part of parts) {
      if (typeof part.text === 'string') {
        textChars += part.text.length;
        const m = /at (\d+(?:\.\d+)?)\s*s\b/.exec(part.text);
        if (m) pendingTime = Number(m[1]);
      } else if (part.fileData) {
        const bytes = this.fileOf(req, part.fileData.fileUri);
        if (!bytes) return;
        if (part.fileData.mimeType !== 'audio/mpeg' || !isMp3(bytes))
          return req.send(400, googleError(400, 'INVALID_ARGUMENT', 'Unable to process input audio.'));
        audio.push(bytes);
        fromFile = true;
      } else if (part.inlineData) {
        const { mimeType, data } = part.inlineData;
        const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0);
        if (mimeType === 'audio/mpeg') {
          if (!isMp3(bytes))
            return req.send(400, googleError(400, 'INVALID_ARGUMENT', 'Unable to process input audio.'));
          audio.push(bytes);
          continue;
        }
        if (
          mimeType !== 'image/jpeg' ||
          bytes.length < 3 ||
          bytes[0] !== 0xff ||
          bytes[1] !== 0xd8 ||
          bytes[2] !== 0xff
        ) {
          return req.send(
            400,
            googleError(
              400,
              'INVALID_ARGUMENT',
              'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
            ),
          );
        }
        frames.push({ time: pendingTime ?? frames.length * 2, bytes });
        pendingTime = null;
      }
    }

    const resolution = config.mediaResolution;
    const perImage = resolution === 'MEDIA_RESOLUTION_LOW' ? 66 : 258;
    const textTokens = Math.ceil(textChars / 4);
    const imageTokens = frames.length * perImage;
    const thinkingBudget = (config.thinkingConfig as { thinkingBudget?: number } | undefined)?.thinkingBudget;
    const thoughts = GEMINI_FAKE_MODELS[model]!.thinking ? Math.max(0, Math.min(thinkingBudget ?? 256, 256)) : 0;
    const structured = config.responseMimeType === 'application/json' && config.responseJsonSchema !== undefined;

    const sounds = audio.length ? await soundSpans(audio[0]!) : null;
    const audioTokens = sounds ? Math.ceil(sounds.duration * 32) : 0;

    const rule = this.answerRules.find((r) => r.remaining > 0 && (!r.api_key || r.api_key === key));
    if (rule) {
      rule.remaining--;
      this.answerRules = this.answerRules.filter((r) => r.remaining > 0);
    }
    req.record.extra = {
      frames: frames.map((f) => f.time),
      structured,
      mode: rule?.mode ?? 'normal',
      ...(sounds
        ? { audio_seconds: sounds.duration, sounds: sounds.spans, audio_source: fromFile ? 'file' : 'inline' }
        : {}),
    };

    const usage = (outputText: string) => {
      const candidates = Math.ceil(outputText.length / 4);
      const prompt = textTokens + imageTokens + audioTokens;
      return {
        promptTokenCount: prompt,
        candidatesTokenCount: candidates,
        totalTokenCount: prompt + candidates + thoughts,
        ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: textTokens },
          ...(imageTokens ? [{ modality: 'IMAGE', tokenCount: imageTokens }] : []),
          ...(audioTokens ? [{ modality: 'AUDIO', tokenCount: audioTokens }] : []),
        ],
      };
    };
    const envelope = (text: string, finishReason = 'STOP') => ({
      candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason, index: 0 }],
      usageMetadata: usage(text),
      modelVersion: model,
      responseId: randomHex(12),
    });

    if (rule?.mode === 'blocked') {
      return req.send(200, {
        promptFeedback: { blockReason: 'SAFETY', safetyRatings: [] },
        usageMetadata: { promptTokenCount: textTokens + imageTokens, totalTokenCount: textTokens + imageTokens },
        modelVersion: model,
        responseId: randomHex(12),
      });
    }
    if (rule?.mode === 'text') return req.send(200, envelope(rule.text ?? ''));
    if (rule?.mode === 'non_json') {
      return req.send(
        200,
        envelope('These frames show several engaging moments; the strongest is the reveal near the end.'),
      );
    }

    if (sounds) {
      const words = sounds.spans.map((span, i) => ({
        text: this.heardWords?.[i] ?? `word${i + 1}`,
        start: span.start,
        end: span.end,
      }));
      const json = JSON.stringify({ language: 'en', words });
      return req.send(200, envelope(structured ? json : `Transcript:\n\`\`\`json\n${json}\n\`\`\``));
    }

    const segments = segmentsFor(frames, rule?.mode);
    const json = JSON.stringify({ segments });
    if (rule?.mode === 'max_tokens')
      return req.send(200, envelope(json.slice(0, Math.floor(json.length / 2)), 'MAX_TOKENS'));
    if (!structured)
      return req.send(
        200,
        envelope(`Here is the analysis:\n\`\`\`json\n${JSON.stringify({ segments }, null, 2)}\n\`\`\``),
      );
    return req.send(200, envelope(json));
  }

  private async answerNextControl(req: FakeRequest): Promise<void> {
    const body = (await req.readJson()) as
      | { mode?: AnswerMode; text?: string; times?: number; api_key?: string }
      | undefined;
    if (!body?.mode) return req.send(400, { error: 'mode required' });
    this.answerNext(body.mode, body);
    req.send(200, { ok: true });
  }

  private async configControl(req: FakeRequest): Promise<void> {
    const body = (await req.readJson()) as { requests_per_minute?: number | null; api_key?: string } | undefined;
    if (!body) return req.send(400, { error: 'JSON expected' });
    this.setRequestsPerMinute(body.requests_per_minute ?? undefined, body.api_key);
    req.send(200, { ok: true });
  }
}

/**
 * Segments of three consecutive frames: start at the first frame's time, end one frame interval
 * after the last. Scores and tags come from the image bytes, so the same frames always score the same.
 */
function segmentsFor(frames: Frame[], mode: AnswerMode | undefined) {
  if (frames.length === 0) return [];
  const gaps = frames
    .slice(1)
    .map((f, i) => f.time - frames[i]!.time)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  const interval = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 2;
  const first = frames[0]!.time;
  const out = [];
  for (let i = 0; i < frames.length; i += 3) {
    const group = frames.slice(i, i + 3);
    const hash = createHash('sha256');
    for (const f of group) hash.update(f.bytes);
    const digest = hash.digest();
    let start = group[0]!.time;
    let end = group[group.length - 1]!.time + interval;
    if (mode === 'relative_times') {
      start -= first;
      end -= first;
    }
    if (mode === 'beyond_duration') {
      start += 10_000;
      end += 10_000;
    }
    out.push({
      start_time: start,
      end_time: end,
      score: 20 + (digest[0]! % 81),
      description: `Frames ${i + 1}–${i + group.length} (${group[0]!.time}s–${group[group.length - 1]!.time}s)`,
      highlights: [`moment at ${group[0]!.time}s`],
      tags: [TAGS[digest[1]! % TAGS.length]!],
    });
  }
  return out;
}

/** An MP3 starts with an ID3 tag or an MPEG audio frame sync. */
function isMp3(bytes: Buffer): boolean {
  if (bytes.length < 4) return false;
  if (bytes.toString('latin1', 0, 3) === 'ID3') return true;
  return bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0;
}

const run = promisify(execFile);

/** Where there is sound in the audio (silencedetect at -35 dB, 0.15 s), and its duration. */
async function soundSpans(mp3: Buffer): Promise<{ duration: number; spans: { start: number; end: number }[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'gemini-fake-'));
  try {
    const path = join(dir, 'audio.mp3');
    await writeFile(path, mp3);
    const { stderr } = await run('ffmpeg', [
      '-hide_banner',
      '-nostats',
      '-i',
      path,
      '-af',
      'silencedetect=noise=-35dB:d=0.15',
      '-f',
      'null',
      '-',
    ]);
    const duration = hms(/Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr)) ?? 0;
    const time = /time=(\d+):(\d+):(\d+(?:\.\d+)?)/g;
    let last = duration;
    for (let m = time.exec(stderr); m; m = time.exec(stderr)) last = hms(m) ?? last;
    const total = Math.max(duration, last);
    const silences: { start: number; end: number }[] = [];
    const starts = [...stderr.matchAll(/silence_start: (-?\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    const ends = [...stderr.matchAll(/silence_end: (\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    starts.forEach((start, i) => silences.push({ start: Math.max(0, start), end: ends[i] ?? total }));
    const spans: { start: number; end: number }[] = [];
    let cursor = 0;
    for (const s of silences) {
      if (s.start - cursor > 0.05) spans.push({ start: round3(cursor), end: round3(s.start) });
      cursor = s.end;
    }
    if (total - cursor > 0.05) spans.push({ start: round3(cursor), end: round3(total) });
    return { duration: round3(total), spans };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const hms = (m: RegExpExecArray | null) => (m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null);

export function startGeminiFake(options?: GeminiFakeOptions): Promise<GeminiFake> {
  return GeminiFake.start(options);
}
