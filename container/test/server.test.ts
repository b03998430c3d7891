/**
 * The processor's HTTP contract: health, signed requests only, validated bodies, origin allow-list,
 * body size limit, concurrency limit, NDJSON streaming, and start-up refusal without a secret.
 */
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessorError } from '../../src/processor/errors.ts';
import { signProcessorRequest } from '../../shared/processor/signature.ts';
import { meetsMinimumVersion } from '../src/media/binaries.ts';
import { makeVideo } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';
import { startProcessor, TEST_PROCESSOR_SECRET } from './helpers/processor.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ MAX_CONCURRENT_OPS: '1' });
  await makeVideo(`${h.dir}/clip.mp4`, { duration: 2 });
});
afterAll(async () => h?.close());

async function post(path: string, body: string, signature?: string): Promise<Response> {
  return fetch(`${h.processor.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-cutroom-signature': signature } : {}) },
    body,
  });
}

async function signedPost(operation: string, value: unknown): Promise<Response> {
  const body = JSON.stringify(value);
  const path = `/v1/${operation}`;
  return post(path, body, await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', path, body));
}

describe('GET /health', () => {
  it('reports the binaries and work in flight, without authentication', async () => {
    const res = await fetch(`${h.processor.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      ffmpeg: true,
      ffprobe: true,
      espeak: true,
      version: expect.any(String),
      in_flight: 0,
    });
  });

  it('is what the Worker client sees', async () => {
    expect(await h.processor.client.health()).toEqual({ ok: true, ffmpeg: true });
  });

  it('passes over an ffmpeg older than 5.1 (its options are missing there): degraded, and says why', async () => {
    // An old static build's banner (what the npm-shipped 2018 builds print).
    const dir = await mkdtemp(join(tmpdir(), 'cutroom-old-ffmpeg-'));
    const old = join(dir, 'ffmpeg');
    await writeFile(old, '#!/bin/sh\necho "ffmpeg version 4.1.4-static https://johnvansickle.com/ffmpeg/"\n', {
      mode: 0o755,
    });
    await chmod(dir, 0o755); // the image runs the server as another user
    const processor = await startProcessor(
      { FFMPEG_PATH: old, ALLOWED_MEDIA_ORIGINS: h.media.origin },
      { sharedDirs: [dir] },
    );
    try {
      const res = await fetch(`${processor.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', ffmpeg: false, ffprobe: true });
      expect(processor.logs.some((l) => l.includes('"msg":"binary too old"') && l.includes('4.1.4'))).toBe(true);
    } finally {
      await processor.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ffmpeg version banners', () => {
  it('takes 5.1 and newer, and builds from git; refuses older releases', () => {
    expect(meetsMinimumVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers')).toBe(
      true,
    );
    expect(meetsMinimumVersion('ffmpeg version n6.0 Copyright (c) 2000-2023')).toBe(true);
    expect(meetsMinimumVersion('ffprobe version 7.1.1 Copyright (c) 2007-2025')).toBe(true);
    expect(meetsMinimumVersion('ffmpeg version N-109421-g9adf02247c-static')).toBe(true);
    expect(meetsMinimumVersion('ffmpeg version 5.0.3 Copyright (c) 2000-2022')).toBe(false);
    expect(meetsMinimumVersion('ffmpeg version 4.1.4-static https://johnvansickle.com/ffmpeg/')).toBe(false);
  });
});

describe('authentication', () => {
  const body = () => JSON.stringify({ input: { url: h.media.url('clip.mp4') } });

  it('accepts the Worker client signature and streams NDJSON', async () => {
    const path = '/v1/probe';
    const res = await post(path, body(), await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', path, body()));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.at(-1)?.type).toBe('result');
    expect(lines.slice(0, -1).every((l) => l.type === 'progress')).toBe(true);
  });

  it('rejects a missing signature', async () => {
    const res = await post('/v1/probe', body());
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('rejects a signature made with another secret', async () => {
    const res = await post(
      '/v1/probe',
      body(),
      await signProcessorRequest('another-secret-0123456789abcdef', 'POST', '/v1/probe', body()),
    );
    expect(res.status).toBe(401);
  });

  it('rejects a signature for another body or path', async () => {
    const sig = await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', '/v1/probe', body());
    expect((await post('/v1/probe', body().replace('clip', 'clap'), sig)).status).toBe(401);
    expect((await post('/v1/waveform', body(), sig)).status).toBe(401);
  });

  it('rejects signatures older or newer than 300 s, accepts within', async () => {
    const now = Math.floor(Date.now() / 1000);
    const at = (t: number) => signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', '/v1/probe', body(), t);
    expect((await post('/v1/probe', body(), await at(now - 301))).status).toBe(401);
    expect((await post('/v1/probe', body(), await at(now + 301))).status).toBe(401);
    const ok = await post('/v1/probe', body(), await at(now - 250));
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it('rejects malformed signature headers', async () => {
    for (const header of ['garbage', 't=abc,v1=00', `t=${Math.floor(Date.now() / 1000)},v1=zz`]) {
      expect((await post('/v1/probe', body(), header)).status).toBe(401);
    }
  });
});

describe('request validation', () => {
  it('answers 400 invalid_request with the field path', async () => {
    const res = await signedPost('thumbnail', {
      input: { url: h.media.url('clip.mp4') },
      time: -1,
      width: 320,
      output: { url: h.media.uploadUrl('t.jpg'), content_type: 'image/jpeg' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('time') },
    });
  });

  it('rejects unknown fields, bad JSON and non-object bodies', async () => {
    expect((await signedPost('probe', { input: { url: h.media.url('clip.mp4') }, path: '/etc/passwd' })).status).toBe(
      400,
    );
    const bad = '{"input":';
    expect(
      (await post('/v1/probe', bad, await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', '/v1/probe', bad)))
        .status,
    ).toBe(400);
    expect((await signedPost('probe', [1, 2])).status).toBe(400);
  });

  it('refuses URLs outside the allowed media origins, other schemes and credentials', async () => {
    for (const url of [
      'http://127.0.0.1:1/x.mp4',
      'file:///etc/passwd',
      'concat:/etc/passwd',
      `${h.media.origin.replace('http://', 'http://user:pw@')}/media/clip.mp4`,
      'not a url',
    ]) {
      const res = await signedPost('probe', { input: { url } });
      expect(res.status, url).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });

  it('refuses output URLs outside the allowed origins', async () => {
    const res = await signedPost('thumbnail', {
      input: { url: h.media.url('clip.mp4') },
      time: 0,
      width: 160,
      output: { url: 'http://127.0.0.1:1/upload/x.jpg', content_type: 'image/jpeg' },
    });
    expect(res.status).toBe(400);
  });

  it('rejects bodies over 2 MB with 413', async () => {
    const big = JSON.stringify({ input: { url: h.media.url('clip.mp4') }, padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await post(
      '/v1/probe',
      big,
      await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', '/v1/probe', big),
    );
    expect(res.status).toBe(413);
  });

  it('rejects a streamed body (no Content-Length) once it passes 2 MB, with an answer, not a reset', async () => {
    const piece = new Uint8Array(256 * 1024).fill(32);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 12) controller.close();
        else {
          sent++;
          controller.enqueue(piece);
        }
      },
    });
    const res = await fetch(`${h.processor.url}/v1/probe`, { method: 'POST', body, duplex: 'half' } as RequestInit & {
      duplex: 'half';
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('answers 404 for unknown operations and 405 for GET on operations', async () => {
    expect((await signedPost('format-disk', {})).status).toBe(404);
    expect((await signedPost('constructor', {})).status).toBe(404);
    expect((await fetch(`${h.processor.url}/v1/probe`)).status).toBe(405);
  });
});

describe('concurrency', () => {
  it('answers 503 busy over MAX_CONCURRENT_OPS, and accepts again once the slot frees', async () => {
    const release = h.media.hold('clip.mp4');
    const first = h.processor.client.run('probe', { input: { url: h.media.url('clip.mp4') } });
    // Wait until the first operation holds the only slot (as the processor itself reports it: on a
    // loaded machine its request can take seconds to arrive).
    const inFlight = async () =>
      ((await (await fetch(`${h.processor.url}/health`)).json()) as { in_flight: number }).in_flight;
    for (let i = 0; i < 400 && (await inFlight()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await inFlight()).toBe(1);
    const second = await h.processor.client
      .run('probe', { input: { url: h.media.url('clip.mp4') } })
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ProcessorError);
    expect(second).toMatchObject({ code: 'busy', retryable: true, status: 503 });
    release();
    expect((await first).duration).toBeCloseTo(2, 1);
    expect((await h.processor.client.run('probe', { input: { url: h.media.url('clip.mp4') } })).duration).toBeCloseTo(
      2,
      1,
    );
  });
});

describe('start-up', () => {
  it('refuses to start without PROCESSOR_SECRET', async () => {
    const refused = await startProcessor({ PROCESSOR_SECRET: '' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/exited with 1[\s\S]*PROCESSOR_SECRET is required/);
  });
});

describe('time limits and clean-up', () => {
  it('kills an operation past its time limit (timeout, retryable), removes its temp dir, and keeps serving', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'cutroom-scratch-'));
    await chmod(scratch, 0o777); // the image runs the server as another user
    const slow = await startHarness(
      { PROCESSOR_TIMEOUT_THUMBNAIL_SECONDS: '1', TMPDIR: scratch },
      {},
      { sharedDirs: [scratch] },
    );
    try {
      await makeVideo(`${slow.dir}/clip.mp4`, { duration: 2 });
      // What start-up left there (in the image, libpulse, linked into espeak-ng, makes its runtime
      // dir in TMPDIR on the binaries check); the operation must add nothing to it.
      const atStart = await readdir(scratch);
      const release = slow.media.hold('clip.mp4');
      const started = Date.now();
      const error = await slow.processor.client
        .run('thumbnail', {
          input: { url: slow.media.url('clip.mp4') },
          time: 1,
          width: 160,
          output: { url: slow.media.uploadUrl('t.jpg'), content_type: 'image/jpeg' },
        })
        .catch((e: unknown) => e);
      release();
      expect(error).toMatchObject({ code: 'timeout', retryable: true });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await readdir(scratch)).toEqual(atStart);
      const health = (await (await fetch(`${slow.processor.url}/health`)).json()) as { in_flight: number };
      expect(health.in_flight).toBe(0);
      expect(
        (await slow.processor.client.run('probe', { input: { url: slow.media.url('clip.mp4') } })).duration,
      ).toBeCloseTo(2, 1);
      expect(await readdir(scratch)).toEqual(atStart);
    } finally {
      await slow.close();
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('operations that outlive the request (?operation_id=)', () => {
  const probe = () => ({ input: { url: h.media.url('clip.mp4') } });
  const inFlight = async (on = h) =>
    ((await (await fetch(`${on.processor.url}/health`)).json()) as { in_flight: number }).in_flight;
  /** Waits until the processor reports `n` operations in flight (its requests may be slow to arrive). */
  const untilInFlight = async (n: number, on = h) => {
    for (let i = 0; i < 400 && (await inFlight(on)) !== n; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await inFlight(on)).toBe(n);
  };

  it('goes on after the caller hangs up; attaching gets its result, again later without work; a new start runs it again', async () => {
    const client = h.processor.client;
    const release = h.media.hold('clip.mp4');
    const follow = new AbortController();
    const stream = await client.start('probe', probe(), 'job_test.probe.1', follow.signal);
    const followed = stream.result();
    follow.abort(new Error('this delivery stops following'));
    await expect(followed).rejects.toThrow('this delivery stops following');
    await untilInFlight(1);
    expect(await client.status('job_test.probe.1')).toMatchObject({ operation: 'probe', state: 'running' });

    release();
    const attached = await (await client.attach('probe', 'job_test.probe.1')).result();
    expect(attached.duration).toBeCloseTo(2, 1);
    expect(await client.status('job_test.probe.1')).toMatchObject({
      state: 'succeeded',
      result: attached,
      finished_at: expect.any(String),
    });

    const reads = h.media.requests('clip.mp4').length;
    expect(await (await client.attach('probe', 'job_test.probe.1')).result()).toEqual(attached);
    expect(h.media.requests('clip.mp4')).toHaveLength(reads);
    expect(await inFlight()).toBe(0);
    expect(await (await client.start('probe', probe(), 'job_test.probe.1')).result()).toEqual(attached);
    expect(h.media.requests('clip.mp4').length).toBeGreaterThan(reads);
  });

  it('cancels an operation by id: its process is stopped, the slot frees, and a follower learns it was cancelled', async () => {
    const client = h.processor.client;
    const release = h.media.hold('clip.mp4');
    try {
      const stream = await client.start('probe', probe(), 'job_test.probe.cancel');
      const followed = stream.result().catch((e: unknown) => e);
      await untilInFlight(1);
      const status = await client.cancel('job_test.probe.cancel');
      expect(status).toMatchObject({
        state: 'cancelled',
        error: { code: 'cancelled' },
        finished_at: expect.any(String),
      });
      expect(await inFlight()).toBe(0);
      expect(await followed).toMatchObject({ code: 'cancelled', retryable: false });
      const attached = await (await client.attach('probe', 'job_test.probe.cancel')).result().catch((e: unknown) => e);
      expect(attached).toMatchObject({ code: 'cancelled' });
      expect(h.processor.logs.some((l) => l.includes('"msg":"operation cancelled"'))).toBe(true);
    } finally {
      release();
    }
    // The slot is free again for new work.
    expect((await client.run('probe', probe())).duration).toBeCloseTo(2, 1);
  });

  it('stops a run without an id when its caller hangs up, as a plain request always did', async () => {
    const release = h.media.hold('clip.mp4');
    try {
      const path = '/v1/probe';
      const body = JSON.stringify(probe());
      const hangUp = new AbortController();
      const res = await fetch(`${h.processor.url}${path}`, {
        method: 'POST',
        headers: { 'x-cutroom-signature': await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', path, body) },
        body,
        signal: hangUp.signal,
      });
      expect(res.status).toBe(200);
      await untilInFlight(1);
      hangUp.abort();
      await untilInFlight(0);
    } finally {
      release();
    }
  });

  it('answers operation_unknown for an id it does not know (never started, forgotten, or lost in a restart)', async () => {
    const client = h.processor.client;
    const error = await client.attach('probe', 'job_never.probe.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessorError);
    expect(error).toMatchObject({ code: 'operation_unknown', status: 404, retryable: false });
    expect(await client.status('job_never.probe.0')).toBeNull();
    expect(await client.cancel('job_never.probe.0')).toBeNull();
  });

  it('signs status, attach and cancel; refuses a malformed id and an id of another operation', async () => {
    for (const [method, path] of [
      ['GET', '/v1/operations/job_test.probe.1'],
      ['GET', '/v1/operations/job_test.probe.1/events'],
      ['DELETE', '/v1/operations/job_test.probe.1'],
    ] as const) {
      expect((await fetch(`${h.processor.url}${path}`, { method })).status, `${method} ${path}`).toBe(401);
    }
    expect((await fetch(`${h.processor.url}/v1/operations/x/events`, { method: 'DELETE' })).status).toBe(405);
    // The query is signed: a signature for the bare path does not start an operation under an id.
    const body = JSON.stringify(probe());
    const bare = await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', '/v1/probe', body);
    expect((await post('/v1/probe?operation_id=job_test.probe.2', body, bare)).status).toBe(401);
    const badPath = '/v1/probe?operation_id=..%2Fetc';
    const bad = await post(badPath, body, await signProcessorRequest(TEST_PROCESSOR_SECRET, 'POST', badPath, body));
    expect(bad.status).toBe(400);
    const other = await h.processor.client
      .start(
        'thumbnail',
        {
          input: { url: h.media.url('clip.mp4') },
          time: 0,
          width: 160,
          output: { url: h.media.uploadUrl('t.jpg'), content_type: 'image/jpeg' },
        },
        'job_test.probe.1',
      )
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ code: 'invalid_request', status: 409 });
  });
});
