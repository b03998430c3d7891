/**
 * The provider clients inside workerd (the production runtime), against the fake servers started
 * by the global setup: the Postiz upload streams an R2 object through FixedLengthStream with a
 * real Content-Length, and timeouts and errors behave as in Node.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createElevenLabsClient } from '../../../src/providers/elevenlabs.ts';
import { createGeminiClient } from '../../../src/providers/gemini.ts';
import { toHex } from '../../../shared/encoding.ts';
import { createPostizClient } from '../../../src/providers/postiz.ts';
import { ProviderError } from '../../../src/providers/provider-error.ts';

const origin = (url: string) => new URL(url).origin;
const hex = toHex;

interface Recorded {
  path: string;
  chunked: boolean;
  content_length: number | null;
  status?: number;
  extra: { file?: { size: number; sha256: string; field: string; filename: string } };
}

async function recorded(baseUrl: string, apiKey: string): Promise<Recorded[]> {
  const res = await fetch(`${origin(baseUrl)}/__fake/requests?api_key=${encodeURIComponent(apiKey)}`);
  return ((await res.json()) as { requests: Recorded[] }).requests;
}

describe('provider clients in workerd', () => {
  it('streams an R2 object to Postiz with a Content-Length, not chunked, byte-exact', async () => {
    const apiKey = `pz_test_workerd_${crypto.randomUUID()}`;
    // An MP4-looking object of 768 KiB (ftyp box, then noise): Postiz sniffs the magic bytes.
    const bytes = new Uint8Array(768 * 1024);
    for (let i = 0; i < bytes.length; i += 65536)
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
    bytes.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32], 0);
    const key = `tests/providers/${crypto.randomUUID()}.mp4`;
    await env.MEDIA.put(key, bytes);
    const object = await env.MEDIA.get(key);
    expect(object).not.toBeNull();

    const postiz = createPostizClient({ baseUrl: env.POSTIZ_API_URL, apiKey });
    const media = await postiz.uploadMedia({
      filename: 'clip.mp4',
      contentType: 'video/mp4',
      body: object!.body,
      size: object!.size,
    });
    expect(media.path).toMatch(/\/uploads\/.+\.mp4$/);

    const [upload] = (await recorded(env.POSTIZ_API_URL, apiKey)).filter((r) => r.path.endsWith('/upload'));
    expect(upload!.chunked).toBe(false);
    expect(upload!.content_length).toBeGreaterThan(bytes.length);
    expect(upload!.extra.file).toMatchObject({ field: 'file', filename: 'clip.mp4', size: bytes.length });
    expect(upload!.extra.file!.sha256).toBe(hex(await crypto.subtle.digest('SHA-256', bytes)));

    const created = await postiz.createPost({
      type: 'now',
      posts: [{ integrationId: 'int-bluesky', group: 'workerd', content: 'From workerd', media }],
    });
    expect(created).toHaveLength(1);
  });

  it('pulls the upload source only as fast as a slow Postiz reads (backpressure, no buffering)', async () => {
    const apiKey = `pz_test_slow_${crypto.randomUUID()}`;
    const control = origin(env.POSTIZ_API_URL);
    const MiB = 1024 * 1024;
    // Postiz stops reading after 4 MiB until we let it go on: whatever the machine's speed, the
    // source must then stay within a few socket buffers of what was read.
    await fetch(`${control}/__fake/config`, {
      method: 'POST',
      body: JSON.stringify({ api_key: apiKey, upload_pause_after_bytes: 4 * MiB }),
    });
    const total = 96 * MiB;
    let pulled = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= total) return controller.close();
          const chunk = new Uint8Array(64 * 1024);
          if (pulled === 0) chunk.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]);
          pulled += chunk.length;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    const upload = createPostizClient({ baseUrl: env.POSTIZ_API_URL, apiKey }).uploadMedia({
      filename: 'slow.mp4',
      contentType: 'video/mp4',
      body: source,
      size: total,
    });

    let received = 0;
    while (received < 4 * MiB) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const org = (await (await fetch(`${control}/__fake/orgs/${apiKey}`)).json()) as {
        uploads?: { received_bytes: number }[];
      };
      received = org.uploads?.[0]?.received_bytes ?? 0;
    }
    // Give a buffering sender every chance to run ahead while the reader is stalled.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Socket and runtime buffers hold some MiB on loopback; a buffering client would hold all 96.
    expect(pulled - received).toBeLessThan(32 * MiB);
    expect(pulled).toBeLessThan(total / 2);
    await fetch(`${control}/__fake/config`, {
      method: 'POST',
      body: JSON.stringify({ api_key: apiKey, upload_pause_after_bytes: null }),
    });
    const media = await upload;
    expect(media.id).toBeTruthy();
  });

  it('synthesises speech with timestamps from ElevenLabs', async () => {
    const client = createElevenLabsClient({ baseUrl: env.ELEVENLABS_BASE_URL, apiKey: env.ELEVENLABS_API_KEY! });
    const result = await client.synthesizeWithTimestamps({
      voiceId: env.ELEVENLABS_VOICE_ID,
      modelId: env.ELEVENLABS_MODEL,
      text: 'Hello from workerd.',
    });
    // An MP3 starts with an ID3 tag or an MPEG frame sync.
    const head = result.audio.subarray(0, 3);
    expect(
      head[0] === 0x49 && head[1] === 0x44 && head[2] === 0x33 ? true : head[0] === 0xff && (head[1]! & 0xe0) === 0xe0,
    ).toBe(true);
    expect(result.alignment!.characters.join('')).toBe('Hello from workerd.');
    expect(result.requestId).toBeTruthy();
  });

  it('analyses frames with Gemini and times out a stalled call', async () => {
    const apiKey = `gm_test_workerd_${crypto.randomUUID()}`;
    const client = createGeminiClient({ baseUrl: env.GEMINI_BASE_URL, apiKey, timeoutMs: 300 });
    const jpeg = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4));
    const frames = [0, 2, 4, 6, 8, 10].map((time) => ({ time, jpeg_base64: jpeg }));
    const result = await client.analyzeFrames({ model: env.GEMINI_MODEL, frames, duration: 11 });
    expect(result.segments.map((s) => [s.start_time, s.end_time])).toEqual([
      [0, 6],
      [6, 11],
    ]);

    await fetch(`${origin(env.GEMINI_BASE_URL)}/__fake/fail-next`, {
      method: 'POST',
      body: JSON.stringify({ delay_ms: 2000, api_key: apiKey }),
    });
    const err = await client
      .analyzeFrames({ model: env.GEMINI_MODEL, frames, duration: 11, retry: { attempts: 1 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
  });
});
