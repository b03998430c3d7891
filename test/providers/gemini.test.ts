/**
 * The real Gemini client against the local fake: batching with absolute frame times, structured
 * output, validation and clamping, usage per call, and every error kind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FrameInput, createGeminiClient } from '../../src/providers/gemini.ts';
import { placeChunkWords, planTranscriptChunks } from '../../src/providers/gemini-transcript.ts';
import { estimateGeminiTranscriptionUsd } from '../../src/providers/cost-estimates.ts';
import { geminiCallCost, loadPriceTable } from '../../src/providers/pricing.ts';
import { ProviderError } from '../../src/providers/provider-error.ts';
import { GeminiFake, googleError, rateLimitBody } from '../fakes/gemini-server.ts';

let fake: GeminiFake;
let frames: FrameInput[];
let dir: string;
const noWait = { sleep: async () => {} };

beforeAll(async () => {
  fake = await GeminiFake.start();
  // 45 real JPEG frames, one every 2 s of a 90 s test pattern (t = 0, 2, …, 88).
  dir = mkdtempSync(join(tmpdir(), 'gemini-frames-'));
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x90:rate=0.5:duration=90',
    '-q:v',
    '6',
    join(dir, 'f%03d.jpg'),
  ]);
  frames = readdirSync(dir)
    .sort()
    .map((name, i) => ({ time: i * 2, jpeg_base64: readFileSync(join(dir, name)).toString('base64') }));
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.server.reset());

const client = (patch: { apiKey?: string; timeoutMs?: number } = {}) =>
  createGeminiClient({ baseUrl: fake.url, apiKey: patch.apiKey ?? fake.apiKey, timeoutMs: patch.timeoutMs });

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

describe('analyzeFrames', () => {
  it('sends 3 batches with absolute frame labels and keeps the answers absolute (no double offset), clamped to the duration', async () => {
    expect(frames).toHaveLength(45);
    const result = await client().analyzeFrames({
      model: 'gemini-2.5-flash',
      frames,
      duration: 89,
      batch_size: 15,
      context_text: 'Test pattern',
    });

    const requests = fake.server.requestsFor({ path: '/v1beta/models/gemini-2.5-flash:generateContent' });
    expect(requests).toHaveLength(3);
    expect(requests.map((r) => r.extra.frames)).toEqual([
      Array.from({ length: 15 }, (_, i) => i * 2),
      Array.from({ length: 15 }, (_, i) => 30 + i * 2),
      Array.from({ length: 15 }, (_, i) => 60 + i * 2),
    ]);
    for (const r of requests) {
      expect(r.headers['x-goog-api-key']).toBe(fake.apiKey);
      expect(r.query.key).toBeUndefined();
      const body = r.json as {
        generationConfig: Record<string, unknown>;
        contents: { parts: Record<string, unknown>[] }[];
      };
      expect(body.generationConfig.responseMimeType).toBe('application/json');
      expect(body.generationConfig.responseJsonSchema).toMatchObject({ required: ['segments'] });
      const parts = body.contents[0]!.parts;
      expect(parts).toHaveLength(1 + 15 * 2);
      expect(parts[0]!.text).toContain('Additional context about the video: Test pattern');
      expect((parts[2]!.inlineData as { mimeType: string }).mimeType).toBe('image/jpeg');
    }
    const secondBatchLabels = (
      requests[1]!.json as { contents: { parts: { text?: string }[] }[] }
    ).contents[0]!.parts.map((p) => p.text).filter((t): t is string => !!t?.startsWith('Frame'));
    expect(secondBatchLabels[0]).toBe('Frame 16 at 30s');

    // The fake groups 3 frames per segment: starts every 6 s; the last one (84 → 90) is clamped to 89.
    expect(result.segments.map((s) => [s.start_time, s.end_time])).toEqual(
      Array.from({ length: 15 }, (_, i) => [i * 6, i === 14 ? 89 : i * 6 + 6]),
    );
    expect(result.dropped_segments).toBe(0);
    for (const s of result.segments) {
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(100);
      expect(s.tags.length).toBe(1);
    }
  });

  it('reports usage of every call, per modality, ready for the cost ledger', async () => {
    const seen: number[] = [];
    const result = await client().analyzeFrames({
      model: 'gemini-2.5-flash',
      frames: frames.slice(0, 20),
      duration: 40,
      batch_size: 10,
      onCall: (call) => {
        seen.push(call.batch_index);
      },
    });
    expect(seen).toEqual([0, 1]);
    expect(result.calls).toHaveLength(2);
    for (const call of result.calls) {
      expect(call.model).toBe('gemini-2.5-flash');
      expect(call.model_version).toBe('gemini-2.5-flash');
      expect(call.response_id).toMatch(/^[0-9a-f]{24}$/);
      expect(call.frame_count).toBe(10);
      const image = call.usage.promptTokensDetails.find((d) => d.modality === 'IMAGE');
      expect(image?.tokenCount).toBe(10 * 258);
      expect(call.usage.thoughtsTokenCount).toBeGreaterThan(0);
      expect(call.usage.totalTokenCount).toBe(
        call.usage.promptTokenCount + call.usage.candidatesTokenCount + call.usage.thoughtsTokenCount,
      );
      const cost = geminiCallCost({ model: call.model, usage: call.usage, request_id: call.response_id });
      expect(cost.cost_usd).toBeGreaterThan(0);
      expect(cost.units).toBe(call.usage.totalTokenCount);
    }
    expect(result.calls.map((c) => c.window)).toEqual([
      { start: 0, end: 20 },
      { start: 20, end: 40 },
    ]);
  });

  it('passes media resolution and thinking budget through', async () => {
    const result = await client().analyzeFrames({
      model: 'gemini-2.5-flash',
      frames: frames.slice(0, 3),
      duration: 6,
      media_resolution: 'low',
      thinking_budget: 0,
    });
    const body = fake.server.requests[0]!.json as { generationConfig: Record<string, unknown> };
    expect(body.generationConfig.mediaResolution).toBe('MEDIA_RESOLUTION_LOW');
    expect(body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(result.calls[0]!.usage.promptTokensDetails.find((d) => d.modality === 'IMAGE')?.tokenCount).toBe(3 * 66);
    expect(result.calls[0]!.usage.thoughtsTokenCount).toBe(0);
  });

  it('drops batch-relative answers instead of misplacing them', async () => {
    fake.answerNext('relative_times', { api_key: fake.apiKey });
    const result = await client().analyzeFrames({
      model: 'gemini-2.5-flash',
      frames: frames.slice(15, 30),
      duration: 89,
      batch_size: 15,
    });
    // Frames 30–58 s, answered as 0–30 s: outside what the model saw, so nothing is kept.
    expect(result.segments).toEqual([]);
    expect(result.dropped_segments).toBe(5);
  });

  it('drops times beyond the frames it was shown', async () => {
    fake.answerNext('beyond_duration');
    const result = await client().analyzeFrames({
      model: 'gemini-2.5-flash',
      frames: frames.slice(0, 6),
      duration: 89,
    });
    expect(result.segments).toEqual([]);
    expect(result.dropped_segments).toBe(2);
  });

  it('retries a non-JSON answer once more and bills both calls', async () => {
    fake.answerNext('non_json');
    const result = await client().analyzeFrames({
      model: 'gemini-2.5-flash',
      frames: frames.slice(0, 6),
      duration: 12,
      retry: noWait,
    });
    expect(result.segments).toHaveLength(2);
    expect(result.calls.map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('fails with malformed_response when the answer is not JSON, handing over the billed calls', async () => {
    fake.answerNext('non_json');
    const err = await failure(
      client().analyzeFrames({
        model: 'gemini-2.5-flash',
        frames: frames.slice(0, 6),
        duration: 12,
        retry: { attempts: 1 },
      }),
    );
    expect(err).toMatchObject({ provider: 'gemini', kind: 'malformed_response', retryable: false });
    expect(err.message).toMatch(/not JSON/);
    expect((err.details?.billed_calls as unknown[]).length).toBe(1);
  });

  it('treats a truncated answer and a blocked prompt as typed errors', async () => {
    fake.answerNext('max_tokens');
    const truncated = await failure(
      client().analyzeFrames({
        model: 'gemini-2.5-flash',
        frames: frames.slice(0, 6),
        duration: 12,
        retry: { attempts: 1 },
      }),
    );
    expect(truncated).toMatchObject({ kind: 'malformed_response', providerCode: 'MAX_TOKENS' });
    fake.answerNext('blocked');
    const blocked = await failure(
      client().analyzeFrames({
        model: 'gemini-2.5-flash',
        frames: frames.slice(0, 6),
        duration: 12,
        retry: { attempts: 1 },
      }),
    );
    expect(blocked).toMatchObject({ kind: 'bad_request', providerCode: 'SAFETY', retryable: false });
  });

  it('rejects an answer whose top level is not {segments: [...]}', async () => {
    fake.answerNext('text', { text: '{"moments": []}' });
    const err = await failure(
      client().analyzeFrames({
        model: 'gemini-2.5-flash',
        frames: frames.slice(0, 3),
        duration: 6,
        retry: { attempts: 1 },
      }),
    );
    expect(err.kind).toBe('malformed_response');
    expect(err.message).toMatch(/segments/);
  });

  it('makes no call for no frames', async () => {
    const result = await client().analyzeFrames({ model: 'gemini-2.5-flash', frames: [], duration: 10 });
    expect(result).toEqual({ segments: [], calls: [], dropped_segments: 0 });
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('errors', () => {
  const one = () => ({ model: 'gemini-2.5-flash', frames: frames.slice(0, 3), duration: 6, retry: { attempts: 1 } });

  it('maps an invalid key (400 API_KEY_INVALID) to auth', async () => {
    const err = await failure(client({ apiKey: 'AIza-wrong' }).analyzeFrames(one()));
    expect(err).toMatchObject({ kind: 'auth', status: 400, providerCode: 'API_KEY_INVALID', retryable: false });
    expect(err.message).toBe('API key not valid. Please pass a valid API key.');
  });

  it('maps a missing key (403 PERMISSION_DENIED) to auth', async () => {
    const err = await failure(client({ apiKey: '' }).analyzeFrames(one()));
    expect(err).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('maps 429 RESOURCE_EXHAUSTED to rate_limited with the RetryInfo delay', async () => {
    fake.setRequestsPerMinute(1, 'gm_test_rpm');
    await client({ apiKey: 'gm_test_rpm' }).analyzeFrames(one());
    const err = await failure(client({ apiKey: 'gm_test_rpm' }).analyzeFrames(one()));
    expect(err).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryable: true,
      providerCode: 'RESOURCE_EXHAUSTED',
    });
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('retries a short rate limit in-process, waiting what Gemini asked', async () => {
    fake.server.failNext({
      status: 429,
      body: rateLimitBody(3),
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
    });
    const waits: number[] = [];
    const result = await client().analyzeFrames({ ...one(), retry: { sleep: async (ms) => void waits.push(ms) } });
    expect(waits).toEqual([3000]);
    expect(result.segments).toHaveLength(1);
  });

  it('does not wait in-process for a long Retry-After: the queue should', async () => {
    fake.server.failNext({ status: 429, body: rateLimitBody(45) });
    const err = await failure(client().analyzeFrames({ ...one(), retry: noWait }));
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 45 });
    expect(fake.server.requests).toHaveLength(1);
  });

  it('maps a per-day quota to quota (not retryable)', async () => {
    fake.server.failNext({ status: 429, body: rateLimitBody(30, 'GenerateRequestsPerDayPerProjectPerModel-FreeTier') });
    const err = await failure(client().analyzeFrames(one()));
    expect(err).toMatchObject({ kind: 'quota', retryable: false });
    expect(err.details?.quota_ids).toEqual(['GenerateRequestsPerDayPerProjectPerModel-FreeTier']);
  });

  it('maps an unknown model to not_found', async () => {
    const err = await failure(client().analyzeFrames({ ...one(), model: 'gemini-0.1-nope' }));
    expect(err).toMatchObject({ kind: 'not_found', status: 404, retryable: false });
    expect(err.message).toMatch(/models\/gemini-0.1-nope is not found/);
  });

  it('maps 500/503 to upstream (retryable) and retries them', async () => {
    fake.server.failNext({
      status: 503,
      body: googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    });
    const err = await failure(client().analyzeFrames(one()));
    expect(err).toMatchObject({
      kind: 'upstream',
      status: 503,
      retryable: true,
      message: 'The model is overloaded. Please try again later.',
    });
    fake.server.failNext({
      status: 500,
      body: googleError(500, 'INTERNAL', 'An internal error has occurred.'),
      times: 2,
    });
    const ok = await client().analyzeFrames({ ...one(), retry: noWait });
    expect(ok.segments).toHaveLength(1);
    expect(fake.server.requests).toHaveLength(1 + 3);
  });

  it('maps an HTML proxy error to upstream with its status, never its text', async () => {
    fake.server.failNext({ status: 502, raw_body: '<html><body>Bad Gateway</body></html>' });
    const err = await failure(client().analyzeFrames(one()));
    expect(err).toMatchObject({ kind: 'upstream', status: 502 });
    expect(err.message).toContain('502');
    expect(err.message).not.toContain('Bad Gateway');
  });

  it('times out a stalled call', async () => {
    fake.server.failNext({ delay_ms: 1500 });
    const err = await failure(client({ timeoutMs: 200 }).analyzeFrames(one()));
    expect(err).toMatchObject({ kind: 'timeout', status: null, retryable: true });
  });

  it('maps a connection failure to upstream', async () => {
    const err = await failure(createGeminiClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'x' }).analyzeFrames(one()));
    expect(err).toMatchObject({ kind: 'upstream', status: null, retryable: true });
  });

  it('rejects a model id that could change the URL path', async () => {
    const err = await failure(client().analyzeFrames({ ...one(), model: '../files/x' }));
    expect(err.kind).toBe('bad_request');
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('checkModel', () => {
  it('reads free model metadata with a GET (no billable call)', async () => {
    const info = await client().checkModel({ model: 'gemini-2.5-flash' });
    expect(info).toEqual({
      model: 'gemini-2.5-flash',
      name: 'models/gemini-2.5-flash',
      display_name: 'Gemini 2.5 Flash',
      version: '001',
      input_token_limit: 1_048_576,
      output_token_limit: 65_536,
      supports_generate_content: true,
    });
    expect(fake.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1beta/models/gemini-2.5-flash']);
  });

  it('reports an unknown model and a bad key as typed errors', async () => {
    expect((await failure(client().checkModel({ model: 'gemini-x' }))).kind).toBe('not_found');
    expect((await failure(client({ apiKey: 'bad' }).checkModel({ model: 'gemini-2.5-flash' }))).kind).toBe('auth');
  });
});

describe('transcribeAudio', () => {
  /** Two tones (0.5–1.0 s and 2.0–2.6 s) in 3 s of silence, as 16 kHz mono MP3. */
  function tonesMp3(): Uint8Array {
    const out = join(dir, 'tones.mp3');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      "aevalsrc='if(between(t,0.5,1.0)+between(t,2.0,2.6),0.5*sin(2*PI*440*t),0)':s=16000:d=3",
      '-ac',
      '1',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '32k',
      out,
    ]);
    return readFileSync(out);
  }

  it('sends the audio inline with a word schema, validates the timed words, and reports audio tokens', async () => {
    fake.setHeardWords(['Hello,', 'world.']);
    const calls: unknown[] = [];
    const result = await client().transcribeAudio({
      model: 'gemini-2.5-flash',
      audio: tonesMp3(),
      mime_type: 'audio/mpeg',
      duration: 3,
      onCall: (call) => {
        calls.push(call);
      },
    });
    expect(result.words.map((w) => w.text)).toEqual(['Hello,', 'world.']);
    expect(Math.abs(result.words[0]!.start - 0.5)).toBeLessThan(0.15);
    expect(Math.abs(result.words[1]!.end - 2.6)).toBeLessThan(0.15);
    expect(result.language).toBe('en');
    expect(calls).toHaveLength(1);
    const usage = result.calls[0]!.usage;
    const audio = usage.promptTokensDetails.find((d) => d.modality === 'AUDIO');
    expect(audio?.tokenCount).toBeGreaterThanOrEqual(90);
    const cost = geminiCallCost({ model: 'gemini-2.5-flash', usage, operation: 'transcription' });
    expect(cost.operation).toBe('transcription');
    expect(cost.details).toBeDefined();
  });

  it('retries an answer that is not the schema, and reports a refused audio as a typed error', async () => {
    fake.answerNext('text', { text: '{"words":[{"text":"x"}]}' });
    const result = await client().transcribeAudio({
      model: 'gemini-2.5-flash',
      audio: tonesMp3(),
      mime_type: 'audio/mpeg',
      duration: 3,
      retry: noWait,
    });
    expect(result.calls).toHaveLength(2);
    expect(result.words).toHaveLength(2);
    const bad = await failure(
      client().transcribeAudio({
        model: 'gemini-2.5-flash',
        audio: Buffer.from('not audio at all'),
        mime_type: 'audio/mpeg',
        duration: 3,
        retry: noWait,
      }),
    );
    expect(bad.kind).toBe('bad_request');
  });

  const overInline = { inline_max_bytes: 1000, file_wait: { sleep: async () => {} }, retry: noWait };
  /** 3 s of tones, over the lowered inline limit: the Files API path. */
  const transcribeOverInline = (options?: Parameters<typeof client>[0]) =>
    client(options).transcribeAudio({
      model: 'gemini-2.5-flash',
      audio: tonesMp3(),
      mime_type: 'audio/mpeg',
      duration: 3,
      ...overInline,
    });

  it('uploads audio over the inline limit with the Files API, waits until ACTIVE, generates from file_data and deletes the file', async () => {
    fake.setHeardWords(['Hello,', 'world.']);
    fake.setFileProcessing({ pollsUntilActive: 2 });
    const audio = tonesMp3();
    expect(audio.byteLength).toBeGreaterThan(1000);
    const result = await client().transcribeAudio({
      model: 'gemini-2.5-flash',
      audio,
      mime_type: 'audio/mpeg',
      duration: 3,
      display_name: 'job-1-0',
      ...overInline,
    });
    expect(result.transport).toBe('file');
    expect(result.words.map((w) => w.text)).toEqual(['Hello,', 'world.']);
    expect(Math.abs(result.words[0]!.start - 0.5)).toBeLessThan(0.15);
    expect(result.file).toMatchObject({ deleted: true });

    // The wire: start, the bytes, two polls, generateContent, delete — in that order.
    const seen = fake.server.requests.map((r) => `${r.method} ${r.path}`);
    const name = result.file!.name;
    expect(seen).toEqual([
      'POST /upload/v1beta/files',
      'POST /upload/v1beta/files',
      `GET /v1beta/${name}`,
      `GET /v1beta/${name}`,
      'POST /v1beta/models/gemini-2.5-flash:generateContent',
      `DELETE /v1beta/${name}`,
    ]);
    const [start, bytes] = fake.server.requests;
    expect(start!.headers).toMatchObject({
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-upload-header-content-length': String(audio.byteLength),
      'x-goog-upload-header-content-type': 'audio/mpeg',
      'x-goog-api-key': fake.apiKey,
    });
    expect(start!.json).toEqual({ file: { display_name: 'job-1-0' } });
    expect(bytes!.query.upload_id).toBeTruthy();
    expect(bytes!.headers['x-goog-upload-command']).toBe('upload, finalize');
    expect(bytes!.body_bytes).toBe(audio.byteLength);
    const generate = fake.server.requests[4]!;
    const parts = (generate.json as any).contents[0].parts;
    expect(parts[1]).toEqual({ fileData: { mimeType: 'audio/mpeg', fileUri: `${fake.url}/v1beta/${name}` } });
    expect(parts.some((p: any) => p.inlineData)).toBe(false);
    expect(generate.extra.audio_source).toBe('file');
    expect(fake.liveFiles()).toEqual([]);
  });

  it('deletes the uploaded file when the transcription fails, when processing fails, and when polling runs out', async () => {
    // A blocked answer: billed, reported with the error, and the file is gone.
    fake.answerNext('blocked');
    const blocked = await failure(transcribeOverInline());
    expect(blocked.kind).toBe('bad_request');
    expect((blocked.details?.billed_calls as unknown[]).length).toBe(1);
    expect(fake.uploaded).toHaveLength(1);
    expect(fake.liveFiles()).toEqual([]);

    // Gemini could not process the file: a typed error, nothing generated, the file deleted.
    fake.server.reset();
    fake.setFileProcessing({ pollsUntilActive: 1, failProcessing: true });
    const failed = await failure(transcribeOverInline());
    expect(failed).toMatchObject({ kind: 'bad_request', providerCode: 'FILE_FAILED' });
    expect(fake.server.requestsFor({ path: '/v1beta/models/' })).toHaveLength(0);
    expect(fake.server.requestsFor({ method: 'DELETE' })).toHaveLength(1);
    expect(fake.liveFiles()).toEqual([]);

    // Still PROCESSING after the polls we allow: a timeout after exactly that many polls, and deleted.
    fake.server.reset();
    fake.setFileProcessing({ pollsUntilActive: 10 });
    const slow = await failure(
      client().transcribeAudio({
        model: 'gemini-2.5-flash',
        audio: tonesMp3(),
        mime_type: 'audio/mpeg',
        duration: 3,
        ...overInline,
        file_wait: { sleep: async () => {}, maxPolls: 3 },
      }),
    );
    expect(slow.kind).toBe('timeout');
    expect(fake.server.requestsFor({ method: 'GET', path: '/v1beta/files/' })).toHaveLength(3);
    expect(fake.server.requestsFor({ path: '/v1beta/models/' })).toHaveLength(0);
    expect(fake.liveFiles()).toEqual([]);
  });

  it('refuses an upload URL on another origin (the key and the audio never leave for it)', async () => {
    fake.server.failNext({
      status: 200,
      body: {},
      headers: { 'x-goog-upload-url': 'http://127.0.0.2:9/upload?upload_id=x' },
      method: 'POST',
      path: '/upload/v1beta/files',
    });
    const err = await failure(transcribeOverInline());
    expect(err.kind).toBe('malformed_response');
    expect(fake.server.requests).toHaveLength(1);
  });

  it('maps a Files API error like any Gemini error (a bad key is auth)', async () => {
    const err = await failure(transcribeOverInline({ apiKey: 'wrong' }));
    expect(err).toMatchObject({ kind: 'auth', providerCode: 'API_KEY_INVALID' });
  });
});

describe('transcript chunks', () => {
  it('cover the media back to back, overlap their neighbours, and fold a short tail into the last chunk', () => {
    const chunks = planTranscriptChunks(1860);
    expect(chunks.map((c) => [c.keepFrom, c.keepUntil])).toEqual([
      [0, 300],
      [300, 600],
      [600, 900],
      [900, 1200],
      [1200, 1500],
      [1500, 1800],
      [1800, Number.POSITIVE_INFINITY],
    ]);
    expect(chunks[0]).toMatchObject({ start: 0, end: 302 });
    expect(chunks[3]).toMatchObject({ start: 898, end: 1202 });
    expect(chunks[6]).toMatchObject({ start: 1798, end: 1860 });
    expect(planTranscriptChunks(1810).map((c) => c.keepFrom)).toEqual([0, 300, 600, 900, 1200, 1500]);
    expect(planTranscriptChunks(8)).toEqual([
      { index: 0, start: 0, end: 8, keepFrom: 0, keepUntil: Number.POSITIVE_INFINITY },
    ]);
  });

  it('are each priced in the estimate the budget is checked with (a call, its overlap and its thinking each)', () => {
    const table = loadPriceTable(undefined);
    const one = estimateGeminiTranscriptionUsd(table, 'gemini-2.5-flash', 300);
    const long = estimateGeminiTranscriptionUsd(table, 'gemini-2.5-flash', 1860);
    expect(one).toBeGreaterThan(0);
    // Seven calls: six of 302–304 s and a 62 s tail, each with its own thinking allowance.
    expect(long).toBeGreaterThan(6 * one);
    expect(long).toBeLessThan(7 * one);
  });

  it('place a word heard in two overlapping chunks once, in the chunk that holds its middle', () => {
    const [a, b] = planTranscriptChunks(900);
    // A word at 299.4–300.2 s of the media: 299.4 s into chunk a, 1.4 s into chunk b (which starts at 298 s).
    const inA = placeChunkWords(a!, [{ text: 'edge', start: 299.4, end: 300.2 }], 302);
    const inB = placeChunkWords(
      b!,
      [
        { text: 'edge', start: 1.4, end: 2.2 },
        { text: 'next', start: 5, end: 5.5 },
      ],
      602,
    );
    expect(inA).toEqual([{ text: 'edge', start: 299.4, end: 300.2 }]);
    expect(inB).toEqual([{ text: 'next', start: 303, end: 303.5 }]);
  });
});
