/**
 * Posters at any time and storyboards, end to end: the real Worker, the real processor, and
 * videos whose frames carry their own number as their brightness, so a served image says which
 * frame it is.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, probeMedia, readWhole } from '../helpers/node/media-fixtures.ts';
import { saveBytes } from './helpers/media-checks.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const run = promisify(execFile);
const BASE = '/api/v1/segments/source-videos';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * A video whose frame n has the flat luma 16 + step × floor(n / per) (TV range). JPEGs are full
 * range, so an image of it decodes to a grey of about step × 255/219 per level.
 */
async function makeLevelVideo(name: string, o: { fps: number; seconds: number; step: number; per: number }) {
  const path = join(fixtureDir(), `${name}.mp4`);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=black:s=160x90:r=${o.fps},geq=lum='16+${o.step}*floor(N/${o.per})':cb=128:cr=128`,
    '-t',
    String(o.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '4',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(o.fps),
    '-an',
    '-movflags',
    '+faststart',
    path,
  ]);
  return path;
}

/** Mean grey (0–255) of a w×h window of an image, decoded by ffmpeg. */
async function meanGrey(image: Uint8Array, window?: { x: number; y: number; w: number; h: number }) {
  const path = await saveBytes(image, 'jpg');
  // Inset by 2 px: JPEG blocks bleed across tile edges.
  const crop = window ? [`crop=${window.w - 4}:${window.h - 4}:${window.x + 2}:${window.y + 2}`] : [];
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-vf', [...crop, 'format=gray'].join(','), '-f', 'rawvideo', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 26 },
  );
  const bytes = stdout as unknown as Buffer;
  let sum = 0;
  for (const b of bytes) sum += b;
  return sum / bytes.length;
}

/** The level a grey stands for (nearest). */
const levelOf = (grey: number, step: number) => Math.round(grey / ((step * 255) / 219));

/** Operations of a kind the processor finished so far. */
function operationsDone(operation: string): number {
  return stack.processorLogs.filter((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; operation?: string };
      return entry.msg === 'operation done' && entry.operation === operation;
    } catch {
      return false;
    }
  }).length;
}

async function upload(
  t: Tenant,
  path: string,
  name: string,
  beforeComplete?: (id: string) => void,
): Promise<{ id: string; duration: number; fps: number; probe: Record<string, unknown> }> {
  const bytes = await readWhole(path);
  const api = stack.api(t);
  const created = await api(`${BASE}/uploads`, {
    json: { content_type: 'video/mp4', name, size_bytes: bytes.length, filename: `${name}.mp4` },
  });
  expect(created.status, created.text).toBe(201);
  const put = await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'video/mp4' },
  });
  expect(put.status, put.text).toBe(200);
  const id = created.body.source_video.id as string;
  beforeComplete?.(id);
  const done = await api(`${BASE}/${id}/complete`, { method: 'POST' });
  expect(done.status, done.text).toBe(202);
  const job = await stack.waitForJob(t, done.body.job_id);
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  return { ...(await api(`${BASE}/${id}`)).body, probe: job.result ?? {} };
}

describe('posters at any time', () => {
  const STEP = 6; // 30 frames at 10 fps: levels 0–29, luma 16–190

  it('serves the frame shown at the asked time, made once per frame and width', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const video = await upload(
      t,
      await makeLevelVideo('frames-10fps', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'frames',
    );
    expect(video.duration).toBeCloseTo(3, 2);
    expect(video.fps).toBeCloseTo(10, 3);

    // At 10 fps, frame n is shown during [n/10, (n+1)/10).
    for (const [time, frame] of [
      [0, 0],
      [0.1, 1],
      [1.25, 12],
      [1.29, 12],
      [2.0, 20],
      [2.95, 29],
      [3, 29],
    ] as const) {
      const res = await api(`${BASE}/${video.id}/thumbnail?time=${time}&width=160`);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Number(res.headers.get('x-frame-time'))).toBeCloseTo(frame / 10, 3);
      expect(levelOf(await meanGrey(res.bytes), STEP), `time ${time}`).toBe(frame);
    }

    // The width asked for, the aspect ratio kept.
    const wide = await api(`${BASE}/${video.id}/thumbnail?time=1.5&width=320`);
    const image = await probeMedia(wide.bytes, 'jpg');
    expect(image.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 180 });
    expect(levelOf(await meanGrey(wide.bytes), STEP)).toBe(15);
  });

  it('is served from storage the second time (no processor operation), with ETag and Cache-Control', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const video = await upload(
      t,
      await makeLevelVideo('frames-cache', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'cache',
    );
    const before = operationsDone('thumbnail');
    const first = await api(`${BASE}/${video.id}/thumbnail?time=2.34`);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('x-poster')).toBe('made');
    expect(operationsDone('thumbnail')).toBe(before + 1);
    // 2.34 s and 2.31 s show the same frame (23): one cached poster serves both.
    const second = await api(`${BASE}/${video.id}/thumbnail?time=2.31`);
    expect(second.headers.get('x-poster')).toBe('stored');
    expect(operationsDone('thumbnail')).toBe(before + 1);
    expect(Buffer.compare(second.bytes, first.bytes)).toBe(0);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    const notModified = await api(`${BASE}/${video.id}/thumbnail?time=2.34`, { headers: { 'If-None-Match': etag! } });
    expect(notModified.status).toBe(304);
    // Another width is another poster.
    await api(`${BASE}/${video.id}/thumbnail?time=2.34&width=160`);
    expect(operationsDone('thumbnail')).toBe(before + 2);
    // Posters live under the video's prefix: deleting the video removes them.
    expect(stack.r2Keys(`p/${t.profileId}/videos/${video.id}/posters/`)).toHaveLength(2);
    expect((await api(`${BASE}/${video.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(stack.r2Keys(`p/${t.profileId}/videos/${video.id}/`)).toEqual([]);
  });

  it('refuses a time outside the video, an unlisted width, and another profile', async () => {
    const t = await stack.newTenant();
    const other = await stack.newTenant('other');
    const video = await upload(
      t,
      await makeLevelVideo('frames-refuse', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'refuse',
    );
    const before = operationsDone('thumbnail');
    for (const query of ['time=3.5', 'time=-1', 'time=abc', 'time=1&width=333', '']) {
      const res = await stack.api(t)(`${BASE}/${video.id}/thumbnail?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('validation_failed');
    }
    for (const path of ['thumbnail?time=1', 'storyboard', 'storyboard.vtt', 'storyboard.jpg']) {
      const res = await stack.api(other)(`${BASE}/${video.id}/${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(operationsDone('thumbnail')).toBe(before);
  });
});

describe('animated previews', () => {
  const STEP = 6;

  it('loops a few seconds from the asked start, small, made once per start frame', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const video = await upload(
      t,
      await makeLevelVideo('frames-preview', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'preview',
    );
    const before = operationsDone('preview');
    const res = await api(`${BASE}/${video.id}/preview.gif?start=1.04`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('x-preview')).toBe('made');
    const path = await saveBytes(res.bytes, 'gif');
    const info = await probeMedia(path);
    expect(info.streams[0]).toMatchObject({ codec_name: 'gif', width: 320, height: 180 });
    // Frames 10–29 at 10 fps: the 2 s left after 1.0 s, each showing its own level in order.
    const { stdout } = await run(
      'ffmpeg',
      ['-v', 'error', '-i', path, '-vf', 'format=gray', '-f', 'rawvideo', 'pipe:1'],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 26,
      },
    );
    const raw = stdout as unknown as Buffer;
    const size = 320 * 180;
    const levels: number[] = [];
    for (let at = 0; at + size <= raw.length; at += size) {
      let sum = 0;
      for (let i = at; i < at + size; i++) sum += raw[i]!;
      levels.push(levelOf(sum / size, STEP));
    }
    expect(levels.length).toBeGreaterThanOrEqual(15);
    expect(levels.length).toBeLessThanOrEqual(21);
    expect(levels[0]).toBe(10);
    for (let i = 1; i < levels.length; i++) expect(levels[i]).toBeGreaterThanOrEqual(levels[i - 1]!);
    expect(levels.at(-1)).toBeGreaterThanOrEqual(27);
    expect(operationsDone('preview')).toBe(before + 1);

    // The same start frame is served from storage; a start past the end is refused.
    const again = await api(`${BASE}/${video.id}/preview.gif?start=1.07`);
    expect(again.headers.get('x-preview')).toBe('stored');
    expect(Buffer.compare(again.bytes, res.bytes)).toBe(0);
    expect(operationsDone('preview')).toBe(before + 1);
    const late = await api(`${BASE}/${video.id}/preview.gif?start=3.5`);
    expect(late.status).toBe(400);
    expect(late.body.error.details[0].path).toBe('start');
    const other = await stack.newTenant('other');
    expect((await stack.api(other)(`${BASE}/${video.id}/preview.gif`)).status).toBe(404);
  });
});

describe('storyboards', () => {
  const STEP = 7; // 30 s at 5 fps, one level per second: levels 0–29, luma 16–219

  it('tiles the whole video in one sprite, and the VTT cues point at the tile of their time', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const fixture = await makeLevelVideo('seconds-30s', { fps: 5, seconds: 30, step: STEP, per: 5 });
    const beforeUpload = operationsDone('storyboard');
    const video = await upload(t, fixture, 'board');

    // Made when the upload was probed: stored before anyone asked, so the first request runs nothing.
    expect(video.probe.storyboard).toBe('made');
    expect(operationsDone('storyboard')).toBe(beforeUpload + 1);
    expect(stack.r2Keys(`p/${t.profileId}/videos/${video.id}/`)).toContain(
      `p/${t.profileId}/videos/${video.id}/storyboard.jpg`,
    );
    const before = operationsDone('storyboard');
    const started = performance.now();
    const first = await api(`${BASE}/${video.id}/storyboard.jpg`);
    console.log(`first storyboard.jpg request (30 s 160×90 fixture): ${Math.round(performance.now() - started)} ms`);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('x-storyboard')).toBe('stored');

    const board = await api(`${BASE}/${video.id}/storyboard`);
    expect(board.status, board.text).toBe(200);
    const b = board.body;
    expect(b).toMatchObject({ interval: 1, tile_width: 160, tile_height: 90, columns: 10, rows: 3 });
    expect(b.tiles).toHaveLength(30);
    expect(operationsDone('storyboard')).toBe(before);

    // The sprite is what the geometry says, and each tile shows the second it starts at.
    const sprite = await stack.fetchUrl(b.sprite_url);
    expect(sprite.status).toBe(200);
    const image = await probeMedia(sprite.bytes, 'jpg');
    expect(image.streams[0]).toMatchObject({ width: b.sprite_width, height: b.sprite_height });
    expect([b.sprite_width, b.sprite_height]).toEqual([1600, 270]);
    for (const tile of b.tiles as { start: number; x: number; y: number }[]) {
      const grey = await meanGrey(sprite.bytes, { x: tile.x, y: tile.y, w: 160, h: 90 });
      expect(levelOf(grey, STEP), `tile at ${tile.start} s`).toBe(tile.start);
    }

    // The WebVTT track: cues back to back from 0 to the duration, each inside the sprite.
    const vtt = await api(`${BASE}/${video.id}/storyboard.vtt`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(vtt.text.startsWith('WEBVTT\n')).toBe(true);
    const seconds = (s: string) => {
      const [h, m, rest] = s.split(':');
      return Number(h) * 3600 + Number(m) * 60 + Number(rest);
    };
    const cues = [...vtt.text.matchAll(/(\S+) --> (\S+)\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/g)].map((m) => ({
      start: seconds(m[1]!),
      end: seconds(m[2]!),
      url: m[3]!,
      x: Number(m[4]),
      y: Number(m[5]),
      w: Number(m[6]),
      h: Number(m[7]),
    }));
    expect(cues).toHaveLength(30);
    expect(cues[0]!.start).toBe(0);
    expect(cues.at(-1)!.end).toBeCloseTo(video.duration, 3);
    for (const [i, cue] of cues.entries()) {
      if (i > 0) expect(cue.start).toBe(cues[i - 1]!.end);
      expect(cue.x + cue.w).toBeLessThanOrEqual(b.sprite_width);
      expect(cue.y + cue.h).toBeLessThanOrEqual(b.sprite_height);
      const grey = await meanGrey(sprite.bytes, { x: cue.x, y: cue.y, w: cue.w, h: cue.h });
      expect(levelOf(grey, STEP)).toBe(Math.floor(cue.start));
    }
    // The cue URL works without a header (a player fetches it as an image).
    expect((await stack.fetchUrl(cues[0]!.url)).status).toBe(200);
    const again = await api(`${BASE}/${video.id}/storyboard.vtt`, {
      headers: { 'If-None-Match': vtt.headers.get('etag')! },
    });
    expect(again.status).toBe(304);

    // Made once, at the probe: the JSON, the VTT and the Bearer sprite route all come from storage.
    expect(Buffer.compare(first.bytes, sprite.bytes)).toBe(0);
    expect(operationsDone('storyboard')).toBe(before);
  });
});

describe('one piece of media work per image', () => {
  const STEP = 6;

  it('many simultaneous first requests for one poster or preview run the processor once', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const video = await upload(
      t,
      await makeLevelVideo('frames-flight', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'flight',
    );
    for (const [operation, path, header] of [
      ['thumbnail', 'thumbnail?time=1.23&width=320', 'x-poster'],
      ['preview', 'preview.gif?start=0.5', 'x-preview'],
    ] as const) {
      const before = operationsDone(operation);
      const answers = await Promise.all(Array.from({ length: 8 }, () => api(`${BASE}/${video.id}/${path}`)));
      // Each gets the image, or (the maker still busy after the wait) the documented 503.
      for (const res of answers) {
        if (res.status === 503) {
          expect(res.body.error.code).toBe('unavailable');
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        } else expect(res.status, res.text).toBe(200);
      }
      const served = answers.filter((res) => res.status === 200);
      console.log(`${operation}: ${served.length} of ${answers.length} simultaneous first requests served`);
      expect(served.length).toBeGreaterThan(0);
      expect(answers.filter((res) => res.headers.get(header) === 'made')).toHaveLength(1);
      for (const res of served) expect(Buffer.compare(res.bytes, served[0]!.bytes)).toBe(0);
      expect(operationsDone(operation)).toBe(before + 1);
      if (operation === 'thumbnail') expect(levelOf(await meanGrey(served[0]!.bytes), STEP)).toBe(12);

      const later = await api(`${BASE}/${video.id}/${path}`);
      expect(later.status).toBe(200);
      expect(later.headers.get(header)).toBe('stored');
      expect(operationsDone(operation)).toBe(before + 1);
    }
    // Every claim was let go.
    expect(stack.d1('SELECT key FROM media_claims WHERE profile_id = ?', t.profileId)).toEqual([]);
  });

  it('a live claim makes a request wait and answer 503; a dead maker’s claim expires', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const video = await upload(
      t,
      await makeLevelVideo('frames-claim', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'claim',
    );
    // Another maker holds the poster of frame 5 at 160 px (as a request that is making it would).
    const key = `p/${t.profileId}/videos/${video.id}/posters/f5-w160.jpg`;
    stack.d1(
      'INSERT INTO media_claims (key, profile_id, holder, expires_at) VALUES (?, ?, ?, ?)',
      key,
      t.profileId,
      'another-request',
      Date.now() + 60_000,
    );
    const before = operationsDone('thumbnail');
    const held = await api(`${BASE}/${video.id}/thumbnail?time=0.5&width=160`);
    expect(held.status).toBe(503);
    expect(held.body.error.code).toBe('unavailable');
    expect(held.headers.get('retry-after')).toBe('2');
    expect(operationsDone('thumbnail')).toBe(before);

    // Its maker died: once the claim expires, the next request makes the poster.
    stack.d1('UPDATE media_claims SET expires_at = ? WHERE key = ?', Date.now() - 1, key);
    const made = await api(`${BASE}/${video.id}/thumbnail?time=0.5&width=160`);
    expect(made.status, made.text).toBe(200);
    expect(made.headers.get('x-poster')).toBe('made');
    expect(levelOf(await meanGrey(made.bytes), STEP)).toBe(5);
    expect(operationsDone('thumbnail')).toBe(before + 1);
    expect(stack.d1('SELECT key FROM media_claims WHERE key = ?', key)).toEqual([]);
  });

  it('a storyboard the probe did not make leaves the upload ready and is made by the first request', async () => {
    const t = await stack.newTenant();
    const api = stack.api(t);
    const beforeUpload = operationsDone('storyboard');
    let key = '';
    const video = await upload(
      t,
      await makeLevelVideo('frames-no-board', { fps: 10, seconds: 3, step: STEP, per: 1 }),
      'no-board',
      (id) => {
        // A request is making the storyboard while the upload is probed: the probe leaves it to that request.
        key = `p/${t.profileId}/videos/${id}/storyboard.jpg`;
        stack.d1(
          'INSERT INTO media_claims (key, profile_id, holder, expires_at) VALUES (?, ?, ?, ?)',
          key,
          t.profileId,
          'a-request',
          Date.now() + 60_000,
        );
      },
    );
    expect(video.probe).toMatchObject({ status: 'ready', storyboard: 'not_made' });
    expect(operationsDone('storyboard')).toBe(beforeUpload);
    expect(stack.r2Keys(key)).toEqual([]);

    // That request went away without it: the next storyboard request makes the sprite.
    stack.d1('DELETE FROM media_claims WHERE key = ?', key);
    const started = performance.now();
    const sprite = await api(`${BASE}/${video.id}/storyboard.jpg`);
    console.log(
      `first storyboard.jpg request, made on request (3 s fixture): ${Math.round(performance.now() - started)} ms`,
    );
    expect(sprite.status, sprite.text).toBe(200);
    expect(sprite.headers.get('x-storyboard')).toBe('made');
    expect(operationsDone('storyboard')).toBe(beforeUpload + 1);
    expect(stack.r2Keys(key)).toEqual([key]);
  });
});
