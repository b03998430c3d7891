/**
 * URL imports end to end: the real Worker (local D1/R2/Queues) fetching from a local origin server
 * (loopback, allowed only because the stack runs with the tests' OUTBOUND_ALLOW_PRIVATE, as dev
 * does), and the real processor probing what arrived. The origin serves ranges like a CDN, and can
 * redirect, lie about nothing, send too much, or drop the connection half way.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_PART_BYTES } from '../../src/core/limits.ts';
import { makeVideo, probeMedia, readWhole } from '../helpers/node/media-fixtures.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const BASE = '/api/v1/segments/source-videos';

interface Origin {
  url: string;
  /** Range headers the origin was asked with, per path. */
  ranges: Map<string, (string | null)[]>;
  close(): Promise<void>;
}

/** Serves `bytes` with ranges and an ETag (as a CDN would), or all of it when asked without a range. */
function serveFile(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, etag: string, cutAfter?: number) {
  res.setHeader('content-type', 'video/mp4');
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('etag', etag);
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  const start = range && (!ifRange || ifRange === etag) ? Number(range[1]) : 0;
  if (start > 0) {
    res.statusCode = 206;
    res.setHeader('content-range', `bytes ${start}-${bytes.length - 1}/${bytes.length}`);
  }
  res.setHeader('content-length', String(bytes.length - start));
  const body = bytes.subarray(start);
  if (cutAfter === undefined) {
    res.end(body);
    return;
  }
  // Sends part of the body, then drops the connection (a network failure half way).
  res.write(body.subarray(0, cutAfter), () => setTimeout(() => res.socket?.destroy(), 200));
}

async function startOrigin(files: { video: Uint8Array; large: Uint8Array }): Promise<Origin> {
  const ranges = new Map<string, (string | null)[]>();
  const etagOf = (b: Uint8Array) => `"${createHash('sha256').update(b).digest('hex').slice(0, 16)}"`;
  let flakyServed = 0;
  let noRangeServed = 0;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://origin').pathname;
    ranges.set(path, [...(ranges.get(path) ?? []), req.headers.range ?? null]);
    switch (path) {
      case '/footage/take-1.mp4':
        return serveFile(req, res, files.video, etagOf(files.video));
      case '/r/1':
        res.writeHead(302, { location: '/r/2' }).end();
        return;
      case '/r/2':
        res.writeHead(301, { location: `${origin.url}/footage/take-1.mp4` }).end();
        return;
      case '/to-metadata':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case '/to-link-local-v6':
        res.writeHead(307, { location: 'http://[fe80::1]/v.mp4' }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/declared-large.mp4':
        return serveFile(req, res, files.large, etagOf(files.large));
      case '/undeclared-large.mp4': {
        // No Content-Length: the size is known only as the bytes arrive.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.end(files.large);
        return;
      }
      case '/flaky-large.mp4':
        // The first answer drops the connection after a part and a half; later ones serve ranges.
        return serveFile(
          req,
          res,
          files.large,
          etagOf(files.large),
          flakyServed++ === 0 ? IMPORT_PART_BYTES + IMPORT_PART_BYTES / 2 : undefined,
        );
      case '/flaky-no-ranges.mp4': {
        // An origin without ranges: the first answer drops half way, a retry gets the whole file.
        res.setHeader('content-type', 'video/mp4');
        res.setHeader('content-length', String(files.large.length));
        if (noRangeServed++ === 0) {
          res.write(files.large.subarray(0, IMPORT_PART_BYTES + 1024), () =>
            setTimeout(() => res.socket?.destroy(), 200),
          );
          return;
        }
        res.end(files.large);
        return;
      }
      case '/trickle.mp4': {
        // A slow origin: 16 KiB every 100 ms, for as long as the client reads.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.write(files.video.subarray(0, 16 * 1024));
        const timer = setInterval(() => res.write(new Uint8Array(16 * 1024)), 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/not-a-video.mp4':
        res.writeHead(200, { 'content-type': 'video/mp4' }).end('just some text, not a video at all\n'.repeat(200));
        return;
      case '/gone.mp4':
        res.writeHead(404).end('not here');
        return;
      default:
        res.writeHead(404).end();
    }
  });
  const url = await new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
  const origin: Origin = {
    url,
    ranges,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return origin;
}

let stack: Stack;
let origin: Origin;
let video: Uint8Array;
let large: Uint8Array;

beforeAll(async () => {
  video = await readWhole(await makeVideo({ width: 320, height: 240, duration: 2, fps: 25, audio: true }));
  // Over two import parts of real, probe-able video (noise keeps it large).
  large = await readWhole(await makeVideo({ width: 640, height: 360, duration: 10, fps: 25, noise: true }));
  expect(large.length).toBeGreaterThan(2 * IMPORT_PART_BYTES);
  origin = await startOrigin({ video, large });
  stack = await startStack();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await origin?.close();
});

async function importUrl(t: Tenant, path: string, extra: Record<string, unknown> = {}) {
  const res = await stack.api(t)(`${BASE}/imports`, { json: { url: `${origin.url}${path}`, name: path, ...extra } });
  expect(res.status, res.text).toBe(202);
  expect(res.body.type).toBe('import_source_video');
  return { jobId: res.body.job_id as string, videoId: res.body.source_video.id as string };
}

async function finished(t: Tenant, path: string, extra: Record<string, unknown> = {}) {
  const { jobId, videoId } = await importUrl(t, path, extra);
  const job = await stack.waitForJob(t, jobId, { timeoutMs: 150_000 });
  const got = await stack.api(t)(`${BASE}/${videoId}`);
  return { job, video: got.body, videoId };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('URL import', () => {
  it('becomes a ready video with the exact bytes, probed as an upload is', async () => {
    const t = await stack.newTenant();
    const { job, video: imported } = await finished(t, '/footage/take-1.mp4');
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.result).toMatchObject({ status: 'ready', imported: { size_bytes: video.length, resumed_from: 0 } });
    expect(imported).toMatchObject({
      status: 'ready',
      error: null,
      width: 320,
      height: 240,
      video_codec: 'h264',
      audio_codec: 'aac',
      has_audio: true,
      file_size_bytes: video.length,
      content_type: 'video/mp4',
      original_filename: 'take-1.mp4',
    });
    expect(imported.duration).toBeCloseTo(2, 1);
    const stored = await stack.fetchUrl(imported.stream_url);
    expect(sha(stored.bytes)).toBe(sha(video));
    const thumb = await stack.fetchUrl(imported.thumbnail_url);
    expect((await probeMedia(thumb.bytes, 'jpg')).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 320 });
    // Nothing of the multipart bookkeeping is left behind.
    expect(stack.d1('SELECT * FROM upload_parts WHERE source_video_id = ?', imported.id)).toEqual([]);
  });

  it('follows redirects that stay on allowed hosts', async () => {
    const t = await stack.newTenant();
    const { job, video: imported } = await finished(t, '/r/1');
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(imported.status).toBe('ready');
    expect(imported.file_size_bytes).toBe(video.length);
  });

  it('refuses a redirect to a metadata or link-local address, and endless redirects', async () => {
    const t = await stack.newTenant();
    for (const [path, message] of [
      ['/to-metadata', /redirected to a URL that points at a link-local, cloud metadata or reserved address/],
      ['/to-link-local-v6', /redirected to a URL that points at a link-local/],
      ['/loop', /redirected more than 5 times/],
    ] as const) {
      const { job, video: failed } = await finished(t, path);
      expect(job.status, path).toBe('failed');
      expect(job.error).toMatchObject({ code: 'url_refused' });
      expect(job.error!.message).toMatch(message);
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'url_refused' } });
    }
  });

  it('fails an oversized body with the reason, whether its size is declared or not', async () => {
    const t = await stack.newTenant();
    for (const path of ['/declared-large.mp4', '/undeclared-large.mp4']) {
      const { job, video: failed, videoId } = await finished(t, path, { max_size_bytes: 1_000_000 });
      expect(job.status, path).toBe('failed');
      expect(job.error).toMatchObject({ code: 'too_large' });
      expect(job.error!.message).toMatch(/over the import limit of 1000000 bytes/);
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'too_large' }, stream_url: null });
      expect(stack.r2Keys(`p/${t.profileId}/videos/${videoId}/`)).toEqual([]);
    }
  });

  it('fails what is not a video, and an origin that says 404, with their reasons', async () => {
    const t = await stack.newTenant();
    const text = await finished(t, '/not-a-video.mp4');
    expect(text.job.error).toMatchObject({ code: 'invalid_media' });
    expect(text.video.status).toBe('failed');
    expect(stack.r2Keys(`p/${t.profileId}/videos/${text.videoId}/`)).toEqual([]);
    const gone = await finished(t, '/gone.mp4');
    expect(gone.job.error).toMatchObject({ code: 'fetch_failed', message: 'The import URL answered HTTP 404' });
  });

  it('resumes with a Range request after the connection drops, keeping the parts already stored', async () => {
    const t = await stack.newTenant();
    const { job, video: imported } = await finished(t, '/flaky-large.mp4');
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    // The first request asked for everything; the retry only for what was not stored (one whole part).
    expect(origin.ranges.get('/flaky-large.mp4')).toEqual([null, `bytes=${IMPORT_PART_BYTES}-`]);
    expect(job.result).toMatchObject({ imported: { size_bytes: large.length, resumed_from: IMPORT_PART_BYTES } });
    expect(imported).toMatchObject({ status: 'ready', width: 640, height: 360, file_size_bytes: large.length });
    expect(sha((await stack.fetchUrl(imported.stream_url)).bytes)).toBe(sha(large));
  });

  it('starts again from the first byte when the origin does not serve ranges', async () => {
    const t = await stack.newTenant();
    const { job, video: imported } = await finished(t, '/flaky-no-ranges.mp4');
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(origin.ranges.get('/flaky-no-ranges.mp4')).toEqual([null, `bytes=${IMPORT_PART_BYTES}-`]);
    expect(job.result).toMatchObject({ imported: { size_bytes: large.length, resumed_from: 0 } });
    expect(sha((await stack.fetchUrl(imported.stream_url)).bytes)).toBe(sha(large));
  });

  it('stops a running import when its job is cancelled, and keeps nothing of it', async () => {
    const t = await stack.newTenant();
    const { jobId, videoId } = await importUrl(t, '/trickle.mp4');
    const api = stack.api(t);
    // Wait until the download is under way.
    for (let i = 0; i < 100 && (await api(`/api/v1/jobs/${jobId}`)).body.status !== 'running'; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await api(`/api/v1/jobs/${jobId}/cancel`, { method: 'POST' })).status).toBe(200);
    const job = await stack.waitForJob(t, jobId, { timeoutMs: 30_000 });
    expect(job.status).toBe('cancelled');
    const video = (await api(`${BASE}/${videoId}`)).body;
    expect(video).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
    expect(stack.d1('SELECT * FROM upload_parts WHERE source_video_id = ?', videoId)).toEqual([]);
    expect(stack.r2Keys(`p/${t.profileId}/videos/${videoId}/`)).toEqual([]);
  });

  it("answers 404 for another profile's import job and video", async () => {
    const owner = await stack.newTenant();
    const intruder = await stack.newTenant();
    const { jobId, videoId } = await importUrl(owner, '/footage/take-1.mp4');
    for (const path of [`/api/v1/jobs/${jobId}`, `${BASE}/${videoId}`]) {
      const res = await stack.api(intruder)(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await stack.waitForJob(owner, jobId)).status).toBe('completed');
  });
});
