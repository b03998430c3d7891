/**
 * The real ElevenLabs client against the local fake: real MP3 speech checked with ffprobe, captions
 * that follow the returned alignment, cost facts from the headers, and every error kind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatSrtTimestamp } from '../../shared/srt.ts';
import { alignmentToCues, alignmentToSrt } from '../../src/providers/captions.ts';
import { createElevenLabsClient, elevenLabsMaxCharacters } from '../../src/providers/elevenlabs.ts';
import { elevenLabsTtsCost } from '../../src/providers/pricing.ts';
import { ProviderError } from '../../src/providers/provider-error.ts';
import { ElevenLabsFake } from '../fakes/elevenlabs-server.ts';

const VOICE = '21m00Tcm4TlvDq8ikWAM';
const TEXT = 'Welcome to Cutroom. We turn long videos into short clips, with captions that match the voice.';

let fake: ElevenLabsFake;
let dir: string;

beforeAll(async () => {
  fake = await ElevenLabsFake.start();
  dir = mkdtempSync(join(tmpdir(), 'el-test-'));
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.server.reset());

const client = (apiKey = fake.apiKey, timeoutMs?: number) =>
  createElevenLabsClient({ baseUrl: fake.url, apiKey, timeoutMs });

function probe(bytes: Uint8Array, name: string) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name,sample_rate,channels:format=format_name,duration',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(out.toString()) as {
    streams: { codec_name: string; sample_rate: string; channels: number }[];
    format: { format_name: string; duration: string };
  };
}

function decodedSeconds(bytes: Uint8Array, name: string): number {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  // Decoding the whole file proves it is playable, not just that its header parses.
  const out = execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', path, '-f', 'null', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out.toString()).toBe('');
  return Number(probe(bytes, name).format.duration);
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

describe('synthesizeWithTimestamps', () => {
  it('returns a decodable MP3 with an alignment spanning it, and the cost facts from the headers', async () => {
    const result = await client().synthesizeWithTimestamps({
      voiceId: VOICE,
      modelId: 'eleven_flash_v2_5',
      text: TEXT,
      voiceSettings: { stability: 0.57, similarity_boost: 0.75, style: 0.22, use_speaker_boost: true },
      previousRequestIds: ['a', 'b', 'c', 'd'],
    });

    const info = probe(result.audio, 'speech.mp3');
    expect(info.format.format_name).toBe('mp3');
    expect(info.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '44100', channels: 1 });
    const seconds = decodedSeconds(result.audio, 'speech.mp3');
    expect(seconds).toBeGreaterThan(3);
    expect(result.contentType).toBe('audio/mpeg');

    const alignment = result.alignment!;
    expect(alignment.characters.join('')).toBe(TEXT);
    const ends = alignment.character_end_times_seconds;
    const starts = alignment.character_start_times_seconds;
    for (let i = 1; i < starts.length; i++) expect(starts[i]!).toBeGreaterThanOrEqual(starts[i - 1]!);
    // The speech fills the audio: the last character ends within its final 0.3 s.
    expect(ends.at(-1)!).toBeLessThanOrEqual(seconds);
    expect(ends.at(-1)!).toBeGreaterThan(seconds - 0.3);

    expect(result.requestId).toMatch(/^[0-9a-f]{20}$/);
    expect(result.characterCount).toBe(TEXT.length);
    expect(result.model).toBe('eleven_flash_v2_5');
    const cost = elevenLabsTtsCost({
      model: result.model,
      characters: result.characterCount,
      request_id: result.requestId,
    });
    expect(cost.cost_usd).toBeCloseTo((TEXT.length * 0.05) / 1000, 10);

    const [req] = fake.server.requests;
    expect(req!.path).toBe(`/v1/text-to-speech/${VOICE}/with-timestamps`);
    expect(req!.query.output_format).toBe('mp3_44100_128');
    expect(req!.headers['xi-api-key']).toBe(fake.apiKey);
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.json).toEqual({
      text: TEXT,
      model_id: 'eleven_flash_v2_5',
      voice_settings: { stability: 0.57, similarity_boost: 0.75, style: 0.22, use_speaker_boost: true },
      previous_request_ids: ['b', 'c', 'd'],
    });
  });

  it('makes captions that follow the voice: cue times are the alignment times of their words', async () => {
    const result = await client().synthesizeWithTimestamps({
      voiceId: VOICE,
      modelId: 'eleven_multilingual_v2',
      text: TEXT,
    });
    const alignment = result.alignment!;
    const cues = alignmentToCues(alignment);
    expect(cues.map((c) => c.text).join(' ')).toBe(TEXT);
    for (const cue of cues) {
      expect(cue.text.length).toBeLessThanOrEqual(42);
      expect(cue.text.split(' ').length).toBeLessThanOrEqual(7);
    }
    // First cue starts on the first character, last cue ends on the final full stop.
    expect(cues[0]!.start).toBe(alignment.character_start_times_seconds[0]);
    expect(cues.at(-1)!.end).toBe(alignment.character_end_times_seconds.at(-1));
    // "Welcome to Cutroom." is its own cue and ends where its "." ends.
    const dot = TEXT.indexOf('.');
    expect(cues[0]).toEqual({
      start: alignment.character_start_times_seconds[0],
      end: alignment.character_end_times_seconds[dot],
      text: 'Welcome to Cutroom.',
    });
    const srt = alignmentToSrt(alignment);
    expect(
      srt.startsWith(
        `1\n${formatSrtTimestamp(cues[0]!.start)} --> ${formatSrtTimestamp(cues[0]!.end)}\nWelcome to Cutroom.\n`,
      ),
    ).toBe(true);
  });

  it('honours the output format', async () => {
    const result = await client().synthesizeWithTimestamps({
      voiceId: VOICE,
      modelId: 'eleven_flash_v2_5',
      text: 'Short one.',
      outputFormat: 'mp3_22050_32',
    });
    expect(probe(result.audio, 'low.mp3').streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '22050' });
    expect(fake.server.requests[0]!.query.output_format).toBe('mp3_22050_32');
  });

  it('counts credits on the account like ElevenLabs (Flash bills half a credit per character)', async () => {
    const key = 'el_test_usage';
    await client(key).synthesizeWithTimestamps({ voiceId: VOICE, modelId: 'eleven_flash_v2_5', text: 'a'.repeat(100) });
    await client(key).synthesizeWithTimestamps({
      voiceId: VOICE,
      modelId: 'eleven_multilingual_v2',
      text: 'b'.repeat(100),
    });
    const usage = await client(key).getSubscription();
    expect(usage).toMatchObject({
      tier: 'creator',
      status: 'active',
      characters_used: 150,
      characters_limit: 100_000,
      remaining: 99_850,
      usage_percent: 0.2,
    });
    expect(usage.next_reset_unix).toBeGreaterThan(Date.now() / 1000);
    expect(fake.server.requestsFor({ path: '/v1/user/subscription' })[0]!.headers['xi-api-key']).toBe(key);
  });
});

describe('errors', () => {
  const say = (patch: { voiceId?: string; modelId?: string; text?: string } = {}, key?: string) =>
    client(key).synthesizeWithTimestamps({
      voiceId: patch.voiceId ?? VOICE,
      modelId: patch.modelId ?? 'eleven_flash_v2_5',
      text: patch.text ?? 'Hello.',
    });

  it('maps an invalid key to auth', async () => {
    const err = await failure(say({}, 'sk_wrong'));
    expect(err).toMatchObject({
      provider: 'elevenlabs',
      kind: 'auth',
      status: 401,
      providerCode: 'invalid_api_key',
      message: 'Invalid API key',
      retryable: false,
    });
    expect((await failure(client('sk_wrong').getSubscription())).kind).toBe('auth');
  });

  it('maps quota_exceeded (sent as 401) to quota, with the readable message', async () => {
    fake.setAccount('el_test_poor', { characterLimit: 10, characterCount: 8 });
    const err = await failure(
      say({ modelId: 'eleven_multilingual_v2', text: 'Too long for the rest of my credits.' }, 'el_test_poor'),
    );
    expect(err).toMatchObject({ kind: 'quota', status: 401, providerCode: 'quota_exceeded', retryable: false });
    expect(err.message).toMatch(/You have 2 credits remaining, while 36 credits are required/);
  });

  it('maps an unknown voice to not_found', async () => {
    const err = await failure(say({ voiceId: 'NoSuchVoice123' }));
    expect(err).toMatchObject({ kind: 'not_found', status: 404, providerCode: 'voice_not_found' });
  });

  it('maps a text over the model limit to bad_request', async () => {
    expect(elevenLabsMaxCharacters('eleven_v3')).toBe(5000);
    const err = await failure(
      say({ modelId: 'eleven_v3', text: 'x'.repeat(elevenLabsMaxCharacters('eleven_v3') + 1) }),
    );
    expect(err).toMatchObject({ kind: 'bad_request', status: 400, providerCode: 'max_character_limit_exceeded' });
    expect(err.message).toMatch(/at most 5000 characters/);
  });

  it('maps a FastAPI validation error to bad_request with the field path', async () => {
    fake.server.failNext({
      status: 422,
      body: {
        detail: [
          {
            loc: ['body', 'voice_settings', 'stability'],
            msg: 'ensure this value is less than or equal to 1.0',
            type: 'value_error',
          },
        ],
      },
    });
    const err = await failure(say());
    expect(err).toMatchObject({ kind: 'bad_request', status: 422 });
    expect(err.message).toBe('body.voice_settings.stability: ensure this value is less than or equal to 1.0');
  });

  it('maps 429 with Retry-After to rate_limited', async () => {
    fake.server.failNext({
      status: 429,
      body: { detail: { status: 'system_busy', message: 'We are experiencing heavy traffic.' } },
      headers: { 'retry-after': '3' },
    });
    const err = await failure(say());
    expect(err).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterSeconds: 3,
      retryable: true,
      providerCode: 'system_busy',
    });
  });

  it('answers too_many_concurrent_requests when the plan concurrency is used up', async () => {
    fake.setAccount('el_test_busy', { concurrency: 0 });
    const err = await failure(say({}, 'el_test_busy'));
    expect(err).toMatchObject({ kind: 'rate_limited', providerCode: 'too_many_concurrent_requests', retryable: true });
  });

  it('maps 5xx to upstream and a stall to timeout', async () => {
    fake.server.failNext({
      status: 500,
      body: { detail: { status: 'internal_error', message: 'Something went wrong' } },
    });
    expect(await failure(say())).toMatchObject({
      kind: 'upstream',
      status: 500,
      retryable: true,
      message: 'Something went wrong',
    });
    fake.server.failNext({ delay_ms: 1500 });
    expect(
      await failure(
        client(fake.apiKey, 200).synthesizeWithTimestamps({
          voiceId: VOICE,
          modelId: 'eleven_flash_v2_5',
          text: 'Hi.',
        }),
      ),
    ).toMatchObject({
      kind: 'timeout',
      retryable: true,
    });
  });

  it('maps a 200 without audio to malformed_response', async () => {
    fake.server.failNext({ status: 200, body: { alignment: null } });
    expect(await failure(say())).toMatchObject({ kind: 'malformed_response', retryable: false });
  });

  it('validates voice id and output format before calling', async () => {
    await expect(client().synthesizeWithTimestamps({ voiceId: '../user', modelId: 'm', text: 'x' })).rejects.toThrow(
      RangeError,
    );
    await expect(
      client().synthesizeWithTimestamps({ voiceId: VOICE, modelId: 'm', text: 'x', outputFormat: 'mp3&x=1' }),
    ).rejects.toThrow(RangeError);
    expect(fake.server.requests).toHaveLength(0);
  });
});
