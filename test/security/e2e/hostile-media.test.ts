/**
 * Hostile media through the public upload path (signed PUT, complete, probe on the real processor):
 * empty, damaged and fake files, playlists in disguise that would make FFmpeg open local files or
 * loopback URLs (also behind a valid MP4 signature), pictures and durations too big to decode,
 * too many streams, codecs the processor does not take. Each must end with the upload refused or
 * its probe job failed with a reason, the video `failed` and never served, nothing fetched from the
 * internal service the playlists point at, and the processor still answering `/health`.
 * Fixtures are made here with ffmpeg and byte surgery (the processor suite's hostile set, plus
 * a few the upload path adds).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildHostileInputs } from '../../../container/test/fixtures/hostile.ts';
import { fieldsOf, findBox } from '../../../container/test/fixtures/mp4-surgery.ts';
import { ffmpeg, makeVideo } from '../../../container/test/fixtures/video.ts';
import { fixtureDir } from '../../helpers/node/media-fixtures.ts';
import { type Stack, startStack, type Tenant } from '../../e2e/helpers/stack.ts';
import { casesOf } from '../support/cases.ts';

const attack = casesOf('hostile media');
const BASE = '/api/v1/segments/source-videos';

let stack: Stack;
let internal: Server;
let internalHits = 0;
const dir = join(fixtureDir(), 'hostile');

/** What the upload path adds to the processor suite's hostile set. */
async function buildUploadPathInputs(internalUrl: string): Promise<Record<string, string>> {
  const at = (name: string) => join(dir, name);
  await makeVideo(at('base.mp4'), { duration: 1, faststart: true });
  const good = Buffer.from(await readFile(at('base.mp4')));
  const moov = findBox(good, ['moov']);
  const ftyp = findBox(good, ['ftyp']);
  // The index alone: every sample it lists is missing.
  await writeFile(
    at('moov-only.mp4'),
    Buffer.concat([
      good.subarray(ftyp.start, ftyp.start + ftyp.size),
      good.subarray(moov.start, moov.start + moov.size),
    ]),
  );
  // A one-second file whose header claims 2^32-1 seconds (movie, track and media durations).
  const endless = Buffer.from(good);
  const mvhd = findBox(endless, ['moov', 'mvhd']);
  endless.writeUInt32BE(1, fieldsOf(mvhd) + 8); // timescale
  endless.writeUInt32BE(0xffffffff, fieldsOf(mvhd) + 12); // duration
  await writeFile(at('endless-index.mp4'), endless);
  // A valid MP4 signature in front of an HLS playlist (the Worker sniffs the signature).
  const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n${internalUrl}/behind-ftyp.ts\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n`;
  await writeFile(
    at('ftyp-hls.mp4'),
    Buffer.concat([good.subarray(ftyp.start, ftyp.start + ftyp.size), Buffer.from(playlist)]),
  );
  // An SDP description that would make FFmpeg listen for RTP from loopback.
  const port = new URL(internalUrl).port;
  await writeFile(
    at('loopback.sdp.mp4'),
    `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video ${port} RTP/AVP 96\na=rtpmap:96 H264/90000\n`,
  );
  // Twelve audio streams next to the picture (the processor takes at most eight).
  const inputs = Array.from({ length: 12 }, (_, i) => [
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${200 + i * 50}:duration=1`,
  ]).flat();
  const maps = Array.from({ length: 13 }, (_, i) => ['-map', `${i}`]).flat();
  const picture = '-f lavfi -i testsrc2=size=64x64:rate=5:duration=1'.split(' ');
  const codecs = '-c:v libx264 -preset ultrafast -c:a aac'.split(' ');
  await ffmpeg([...picture, ...inputs, ...maps, ...codecs, at('many-streams.mp4')]);
  return {
    'moov-only.mp4': 'an MP4 index without its media data',
    'endless-index.mp4': 'a one-second MP4 whose header claims 136 years',
    'ftyp-hls.mp4': 'an HLS playlist behind a valid MP4 signature',
    'loopback.sdp.mp4': 'an SDP description pointing at loopback',
    'many-streams.mp4': 'a video with twelve audio streams',
  };
}

const CONTENT_TYPES: Record<string, string> = {
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  // An attacker picks the type whose signature check is weakest.
  m3u8: 'video/mp2t',
};

let cases: Record<string, string> = {};

beforeAll(async () => {
  internal = createServer((_req, res) => {
    internalHits++;
    res.end('secret');
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
  await mkdir(dir, { recursive: true });
  const processorSet = await buildHostileInputs(dir, internalUrl);
  cases = {
    ...Object.fromEntries(processorSet.map((input) => [input.name, input.description])),
    ...(await buildUploadPathInputs(internalUrl)),
  };
  stack = await startStack();
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  internal?.close();
});

/** Names of every hostile input, known before the fixtures exist (the cases are declared first). */
const NAMES = [
  'zero.mp4',
  'truncated.mp4',
  'truncated-no-index.mp4',
  'text.mp4',
  'hls-file.mp4',
  'hls-local.mp4',
  'playlist.m3u8',
  'concat-file.mp4',
  'concat-local.mp4',
  'huge.mkv',
  'endless.mkv',
  'raw.avi',
  'moov-only.mp4',
  'endless-index.mp4',
  'ftyp-hls.mp4',
  'loopback.sdp.mp4',
  'many-streams.mp4',
];

async function expectProcessorUp() {
  const res = await fetch(`${stack.processorUrl}/health`);
  expect(res.status).toBe(200);
}

/** Uploads bytes as a client would; returns the video id and how `complete` answered. */
async function upload(t: Tenant, name: string, bytes: Uint8Array<ArrayBuffer>) {
  const api = stack.api(t);
  const type = CONTENT_TYPES[name.split('.').pop()!] ?? 'video/mp4';
  const created = await api(`${BASE}/uploads`, {
    json: { name, size_bytes: bytes.length, content_type: type, filename: name },
  });
  if (created.status !== 201) return { id: undefined, res: created };
  const id = created.body.source_video.id as string;
  const put = await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': type },
  });
  expect(put.status, put.text).toBe(200);
  return { id, res: await api(`${BASE}/${id}/complete`, { method: 'POST' }) };
}

for (const name of NAMES) {
  attack(`${name}: refused or failed with a reason, never served, processor up`, async () => {
    expect(cases[name], `no fixture named ${name}`).toBeDefined();
    const t = await stack.newTenant('hostile');
    const api = stack.api(t);
    const hitsBefore = internalHits;
    const bytes = new Uint8Array(await readFile(join(dir, name)));
    const { id, res } = await upload(t, name, bytes);
    expect(res.status, res.text).toBeLessThan(500);
    if (res.status >= 400) {
      // Refused by the Worker (empty file, signature that is not a video): a reason, in the one shape.
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    } else {
      expect(res.status, res.text).toBe(202);
      const job = await stack.waitForJob(t, res.body.job_id);
      expect(job.status, `${cases[name]}: ${JSON.stringify(job)}`).toBe('failed');
      expect(job.error?.code).toMatch(/\w/);
      expect(job.error?.message).toMatch(/\w/);
    }
    if (id) {
      const video = (await api(`${BASE}/${id}`)).body;
      expect(video.status, JSON.stringify(video)).toBe('failed');
      expect(video.error?.message).toMatch(/\w/);
      expect((await api(`${BASE}/${id}/stream`)).status).not.toBe(200);
      if (video.stream_url) expect((await stack.fetchUrl(video.stream_url)).status).not.toBe(200);
    }
    expect(internalHits - hitsBefore, 'the internal service was contacted').toBe(0);
    await expectProcessorUp();
  });
}

attack('the form upload path refuses an empty file and a text file the same way', async () => {
  const t = await stack.newTenant('hostile-form');
  for (const [filename, bytes] of [
    ['empty.mp4', new Uint8Array(0)],
    ['text.mp4', new TextEncoder().encode('not a video\n'.repeat(100))],
  ] as const) {
    const form = new FormData();
    form.append('name', filename);
    form.append('video', new Blob([bytes], { type: 'video/mp4' }), filename);
    const res = await stack.api(t)(BASE, { method: 'POST', body: form });
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
    expect(res.body.error.message).toMatch(/\w/);
  }
  await expectProcessorUp();
});
