/**
 * A brand kit end to end (docs/api.md#brand-kits), as a client drives it on the real stack (Worker,
 * queue, R2, the real processor and ffmpeg): a clip is rendered without a kit, then a PNG logo made
 * with ffmpeg is uploaded and a source video set as intro, and the same clip rendered again: the
 * logo's pixels are in the bottom-right corner, the intro comes first, and the kit-less render had
 * neither. Then an SVG logo (a red rectangle) replaces the PNG and moves to the top-left corner: the
 * processor rasterises it in the same render and its pixels are there.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, makeVideo } from '../helpers/node/media-fixtures.ts';
import { jobCompleted, readySourceVideo } from './helpers/client-steps.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const run = promisify(execFile);
const VIDEOS = '/api/v1/segments/source-videos';
const SEG = '/api/v1/segments';
const LIB = '/api/v1/library';
/** tiktok preset: 1080×1920. */
const [W, H] = [1080, 1920];

let stack: Stack;
let alice: Tenant;
let sourcePath: string;
let logoPath: string;

beforeAll(async () => {
  logoPath = join(fixtureDir(), 'brand-logo.png');
  [stack, sourcePath] = await Promise.all([
    startStack(),
    makeVideo({ width: 320, height: 240, duration: 8, fps: 25 }),
    // A solid red 200×100 logo.
    run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0xFF0000:s=200x100', '-frames:v', '1', logoPath]),
  ]);
  alice = await stack.newTenant('brand');
});
afterAll(async () => {
  await stack?.stop();
});

const api = () => stack.api(alice);

const waitDone = (jobId: string) => jobCompleted(stack, alice, jobId);
const uploadReady = (path: string, name: string) => readySourceVideo(stack, alice, path, name);

/** Renders the clip with the tiktok preset and returns one RGB frame at `time` of the result, and its job. */
async function renderFrame(clipId: string, time: number) {
  const started = await api()(`${LIB}/clips/${clipId}/render`, { json: { preset_name: 'tiktok' } });
  expect(started.status, started.text).toBe(202);
  const job = await waitDone(started.body.job_id);
  const clip = (await api()(`${LIB}/clips/${clipId}`)).body.clip;
  const res = await stack.fetchUrl(clip.final_video_url);
  expect(res.status).toBe(200);
  const path = join(fixtureDir(), `brand-render-${job.id}.mp4`);
  await writeFile(path, res.bytes);
  return { frame: await frameAt(path, time), job, path };
}

/** One RGB24 frame of a rendered file at `time`. */
async function frameAt(path: string, time: number): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-ss', String(time), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  return stdout as Buffer;
}

/** Share of the pixels of a rectangle that are the logo's red. */
function redShare(frame: Buffer, x0: number, y0: number, x1: number, y1: number): number {
  let red = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const at = (y * W + x) * 3;
      if (frame[at]! > 200 && frame[at + 1]! < 60 && frame[at + 2]! < 60) red++;
    }
  }
  return red / ((x1 - x0) * (y1 - y0));
}

describe('brand kit', () => {
  it('a render with the kit shows the logo in the corner and starts with the intro; without, neither', async () => {
    const videoId = await uploadReady(sourcePath, 'Source');
    const segment = (await api()(`${VIDEOS}/${videoId}/segments`, { json: { start_time: 1, end_time: 7 } })).body.id;
    const project = (await api()(`${LIB}/projects`, { json: { name: 'Brand', target_duration: 5 } })).body.id;
    const form = new FormData();
    form.append('segment_ids', segment);
    expect((await api()(`${SEG}/projects/${project}/assign`, { body: form })).status).toBe(200);
    const generated = await api()(`${LIB}/projects/${project}/generate-from-segments`, {
      json: { variant_count: 1, target_duration: 5 },
    });
    expect(generated.status, generated.text).toBe(202);
    await waitDone(generated.body.job_id);
    const clipId = (await api()(`${LIB}/projects/${project}/clips`)).body.clips[0].id as string;

    // Logo: 0.2 × 1080 = 216 px wide, 108 high; margin 0.04 × 1080 ≈ 43 px from the right and bottom.
    const [x1, y1] = [W - 43, H - 43];
    const logoBox = [x1 - 216 + 6, y1 - 108 + 6, x1 - 6, y1 - 6] as const;

    const plain = await renderFrame(clipId, 2);
    expect(plain.job.result).toMatchObject({ brand_logo: false, brand_intro: null });
    expect(redShare(plain.frame, ...logoBox)).toBeLessThan(0.5);

    const logo = await api()(`/api/v1/profiles/${alice.profileId}/brand-kit/logo`, {
      method: 'PUT',
      body: await readFile(logoPath),
      headers: { 'Content-Type': 'image/png' },
    });
    expect(logo.status, logo.text).toBe(200);
    const kit = await api()(`/api/v1/profiles/${alice.profileId}/brand-kit`, {
      method: 'PUT',
      json: { logo_position: 'bottom-right', logo_opacity: 1, logo_margin: 0.04, logo_scale: 0.2, intro_id: videoId },
    });
    expect(kit.status, kit.text).toBe(200);

    // The 8 s intro first, then the clip: at 8 + 2 s the clip's frame with the logo on it.
    const branded = await renderFrame(clipId, 10);
    expect(branded.job.result).toMatchObject({ brand_logo: true, brand_intro: true, brand_outro: null });
    expect(Number(branded.job.result!.duration)).toBeGreaterThan(8 + 4.5);
    expect(redShare(branded.frame, ...logoBox)).toBeGreaterThan(0.98);
    // Away from the logo (the opposite corner), the picture is not the logo's red.
    expect(redShare(branded.frame, 43, 43, 259, 151)).toBeLessThan(0.5);
    // During the intro, no logo; the file is intro + clip long.
    expect(redShare(await frameAt(branded.path, 4), ...logoBox)).toBeLessThan(0.5);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      branded.path,
    ]);
    expect(Number(stdout)).toBeGreaterThan(12.5);

    // An SVG logo replaces the PNG; top-left, no intro: 216 × 108 at 43 px from the top and left.
    const svg = await api()(`/api/v1/profiles/${alice.profileId}/brand-kit/logo`, {
      method: 'PUT',
      body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="200" height="100" fill="#FF0000"/></svg>',
      headers: { 'Content-Type': 'image/svg+xml' },
    });
    expect(svg.status, svg.text).toBe(200);
    expect(svg.body.logo).toMatchObject({ content_type: 'image/svg+xml', width: 200, height: 100 });
    const moved = await api()(`/api/v1/profiles/${alice.profileId}/brand-kit`, {
      method: 'PUT',
      json: { logo_position: 'top-left', logo_opacity: 1, logo_margin: 0.04, logo_scale: 0.2 },
    });
    expect(moved.status, moved.text).toBe(200);
    const vector = await renderFrame(clipId, 2);
    expect(vector.job.result).toMatchObject({ brand_logo: true, brand_intro: null });
    expect(redShare(vector.frame, 43 + 6, 43 + 6, 43 + 216 - 6, 43 + 108 - 6)).toBeGreaterThan(0.98);
    expect(redShare(vector.frame, ...logoBox)).toBeLessThan(0.5);
  });
});
