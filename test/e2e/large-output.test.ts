/**
 * An output larger than any request body the platform accepts, end to end, with production's limits
 * enforced: the dev edge in front of the Worker refuses request bodies over 100 MB as Cloudflare
 * does, and the processor reads and writes only through its storage host (mapped onto the dev
 * Worker's storage route, through that edge). A > 150 MB copy extract is stored — in parts, none
 * over the part size — and streams back byte for byte what the processor made, and no request over
 * 100 MB reached the Worker.
 *
 * Heavy: about 700 MB pass through the local Worker (the source up, the cut read and written, the
 * download), ~45 s of CPU. One test; a second pass of the e2e suite (e.g. against the processor
 * inside the built image) sets CUTROOM_SKIP_HEAVY_E2E=1 so CI runs it once.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness } from '../../container/test/helpers/harness.ts';
import { STORAGE_PART_BYTES } from '../../shared/processor/storage.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../src/core/limits.ts';
import { readRange } from '../helpers/node/media-fixtures.ts';
import { type Stack, startStack } from './helpers/stack.ts';

const run = promisify(execFile);
const VIDEOS = '/api/v1/segments/source-videos';
/** Keyframes every second, so the copy cut starts exactly at START. */
const DURATION = 14;
const START = 1;
const END = 13.5;

const skipHeavy = process.env.CUTROOM_SKIP_HEAVY_E2E === '1';
let stack: Stack;
let dir: string;
let source: string;

beforeAll(async () => {
  if (skipHeavy) return;
  dir = await mkdtemp(join(tmpdir(), 'cutroom-large-'));
  source = join(dir, 'dense.mp4');
  // Lossless x264 of noise: about 13 MB per second of 640×360, cheap to encode, impossible to shrink.
  const made = Date.now();
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', 'testsrc2=size=640x360:rate=30,noise=alls=60:allf=t', '-t', String(DURATION)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '30', '-pix_fmt', 'yuv420p'],
    ...['-movflags', '+faststart', source],
  ]);
  console.log(`[large-output] source: ${(await stat(source)).size} bytes in ${Date.now() - made} ms`);
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** sha256 and length of a stream. */
async function digest(stream: AsyncIterable<Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Sends only the headers of a PUT announcing `length` bytes; resolves with the status answered. */
function announce(url: string, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': length, 'content-type': 'video/mp4' } });
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** What the processor writes for this cut, made by a second processor against a plain file server. */
async function referenceCut(): Promise<{ sha256: string; bytes: number }> {
  const h = await startHarness();
  try {
    await copyFile(source, join(h.dir, 'dense.mp4'));
    await h.processor.client.run('extract', {
      input: { url: h.media.url('dense.mp4') },
      output: { url: h.media.uploadUrl('reference.mp4'), content_type: 'video/mp4' },
      start: START,
      end: END,
      mode: 'copy',
    });
    return await digest(createReadStream(h.media.uploads.get('reference.mp4')!.path));
  } finally {
    await h.close();
  }
}

it.skipIf(skipHeavy)(
  'stores a > 150 MB copy extract in parts and streams it back byte for byte; no request over 100 MB reaches the Worker',
  async () => {
    const t = await stack.newTenant('large');
    const api = stack.api(t);
    const size = (await stat(source)).size;
    expect(size).toBeGreaterThan(MAX_REQUEST_BODY_BYTES);

    // The source goes up as a client sends it: a multipart upload (one PUT could not carry it).
    const created = await api(`${VIDEOS}/uploads`, {
      json: { name: 'Dense', content_type: 'video/mp4', size_bytes: size },
    });
    expect(created.status, created.text).toBe(201);
    const { source_video, upload } = created.body;
    expect(upload.method).toBe('multipart');
    const parts = (await api(upload.parts_url)).body.parts as {
      part_number: number;
      size_bytes: number;
      url: string;
    }[];

    // The edge refuses what Cloudflare would: a body announced over 100 MB never reaches the Worker.
    expect(await announce(parts[0]!.url, MAX_REQUEST_BODY_BYTES + 1)).toBe(413);
    expect(stack.edge.refused).toHaveLength(1);

    const uploaded = Date.now();
    for (const part of parts) {
      const bytes = await readRange(source, (part.part_number - 1) * upload.part_size, part.size_bytes);
      const res = await stack.fetchUrl(part.url, {
        method: 'PUT',
        body: bytes,
        headers: { 'Content-Type': 'video/mp4' },
      });
      expect(res.status, res.text).toBe(200);
    }
    const completed = await api(upload.complete_url, { method: 'POST' });
    expect(completed.status, completed.text).toBe(202);
    const probed = await stack.waitForJob(t, completed.body.job_id, { timeoutMs: 170_000 });
    expect(probed.status, JSON.stringify(probed.error)).toBe('completed');
    const uploadMs = Date.now() - uploaded;

    const segment = await api(`${VIDEOS}/${source_video.id}/segments`, { json: { start_time: START, end_time: END } });
    expect(segment.status, segment.text).toBe(201);
    const extracting = Date.now();
    const started = await api(`/api/v1/segments/${segment.body.id}/extract`, { json: { mode: 'copy' } });
    expect(started.status, started.text).toBe(202);
    const job = await stack.waitForJob(t, started.body.job_id, { timeoutMs: 170_000 });
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    const extractMs = Date.now() - extracting;

    // The processor stored it as a multipart upload of bounded parts through its storage host.
    const stored = stack.processorLogs
      .map((line) => {
        try {
          return JSON.parse(line) as { msg?: string; bytes?: number; parts?: number };
        } catch {
          return {};
        }
      })
      .find((entry) => entry.msg === 'output stored in parts');
    expect(stored?.bytes).toBeGreaterThan(150_000_000);
    expect(stored?.parts).toBe(Math.ceil(stored!.bytes! / STORAGE_PART_BYTES));

    // It streams back: the whole object, as a client downloads it.
    const streamed = Date.now();
    const res = await fetch(`${stack.url}/api/v1/segments/${segment.body.id}/stream`, {
      headers: { Authorization: `Bearer ${t.token}`, 'X-Profile-Id': t.profileId },
    });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('Content-Length'))).toBe(stored!.bytes);
    const downloaded = await digest(Readable.fromWeb(res.body! as NodeReadableStream<Uint8Array>));
    const downloadMs = Date.now() - streamed;
    expect(downloaded.bytes).toBe(stored!.bytes);

    // Byte for byte what the processor writes for this cut (its MP4 writer is deterministic).
    expect(downloaded).toEqual(await referenceCut());
    const tail = await api(`/api/v1/segments/${segment.body.id}/stream`, { headers: { Range: 'bytes=-1000' } });
    expect(tail.status).toBe(206);

    // A playable file of the cut's length.
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,duration'],
      ...['-of', 'json', '-headers', `Authorization: Bearer ${t.token}\r\nX-Profile-Id: ${t.profileId}\r\n`],
      `${stack.url}/api/v1/segments/${segment.body.id}/stream`,
    ]);
    const video = (
      JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; duration: string }[] }
    ).streams[0]!;
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Math.abs(Number(video.duration) - (END - START))).toBeLessThan(0.05);

    // Nothing over the platform's limit reached the Worker: the one refusal is the probe above.
    expect(stack.edge.refused).toHaveLength(1);
    expect(stack.edge.largestBody).toBeLessThanOrEqual(STORAGE_PART_BYTES);
    expect(stack.edge.largestBody).toBeLessThan(MAX_REQUEST_BODY_BYTES);
    console.log(
      `[large-output] output ${stored!.bytes} bytes in ${stored!.parts} parts; upload+probe ${uploadMs} ms, ` +
        `extract ${extractMs} ms, download ${downloadMs} ms; largest request body ${stack.edge.largestBody} bytes`,
    );
  },
);
