/**
 * render with a brand kit: the PNG or SVG logo is overlaid in the corner the kit names, in the one
 * encode (an SVG rasterised by librsvg at the drawn size, its transparency kept); the processor
 * refuses a logo that is neither a PNG nor an SVG passing the upload rules, whatever the Worker let
 * through; intro and outro clips are joined around the clip.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderPreset, RenderRequest } from '../../shared/processor/operations.ts';
import { ffmpeg, ffmpegOut } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
const W = 180;
const H = 320;
const PRESET: RenderPreset = {
  width: W,
  height: H,
  fps: 25,
  crf: 18,
  video_bitrate: '2M',
  audio_bitrate: '128k',
  video_profile: 'high',
  video_level: '4.0',
  audio_sample_rate: 48000,
};

beforeAll(async () => {
  h = await startHarness({ RENDER_X264_PRESET: 'superfast' });
  await Promise.all([
    // A flat grey picture, so only the logo can be red.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=0x404040:s=320x180:r=25'],
      ...['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'],
      ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
      join(h.dir, 'grey.mp4'),
    ]),
    // A solid red 40×20 logo.
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=0xFF0000:s=40x20', '-frames:v', '1', join(h.dir, 'logo.png')]),
    // Intro: blue with a tone, other size and rate; outro: green without sound.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=0x0000FF:s=640x360:r=30', '-f', 'lavfi', '-i', 'sine=f=440:r=48000'],
      ...['-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
      join(h.dir, 'intro.mp4'),
    ]),
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=0x00FF00:s=320x180:r=25', '-t', '1.5'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
      join(h.dir, 'outro.mp4'),
    ]),
    writeFile(join(h.dir, 'not-a-logo.png'), 'GIF89a this is not a png at all, whatever the name says'),
    // The same red 40×20 logo as an SVG, padded past 4 KiB (read whole, not in pipe-sized pieces).
    writeFile(
      join(h.dir, 'logo.svg'),
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 2"><!--${'padding '.repeat(800)}--><rect width="4" height="2" fill="#ff0000"/></svg>`,
    ),
    // Red on the left half only; the right half transparent.
    writeFile(
      join(h.dir, 'half.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="20" height="20" fill="red"/></svg>',
    ),
    // A sliver 1:100 tall: drawn no taller than the output.
    writeFile(
      join(h.dir, 'sliver.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 100"><rect width="1" height="100" fill="red"/></svg>',
    ),
    // What the Worker refuses, served anyway: the processor checks for itself.
    writeFile(
      join(h.dir, 'external.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 2"><image href="file:///etc/passwd" width="4" height="2"/></svg>',
    ),
  ]);
});
afterAll(async () => h?.close());

async function render(name: string, request: Partial<RenderRequest>) {
  const result = await h.processor.client.run('render', {
    input: { url: h.media.url('grey.mp4') },
    preset: PRESET,
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    ...request,
  } as RenderRequest);
  return { result, path: h.media.uploads.get(name)!.path };
}

/** One decoded frame at `time` as RGB24. */
async function rgbFrame(path: string, time: number): Promise<Buffer> {
  return ffmpegOut(['-ss', String(time), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
}

const pixel = (frame: Buffer, x: number, y: number) => {
  const at = (y * W + x) * 3;
  return [frame[at]!, frame[at + 1]!, frame[at + 2]!] as const;
};
const isRed = ([r, g, b]: readonly number[]) => r! > 200 && g! < 60 && b! < 60;
const isGrey = ([r, g, b]: readonly number[]) => [r, g, b].every((v) => Math.abs(v! - 0x40) < 16);

describe('render with a logo', () => {
  it.each(['logo.png', 'logo.svg'])(
    'overlays %s in the bottom-right corner at the kit size and margin, nowhere else',
    async (logo) => {
      const name = `branded-${logo}.mp4`;
      const { result } = await render(name, {
        logo: { url: h.media.url(logo), position: 'bottom-right', opacity: 1, margin: 0.05, scale: 0.25 },
      });
      expect(result).toMatchObject({ width: W, height: H });
      const frame = await rgbFrame(h.media.uploads.get(name)!.path, 1);
      // 0.25 × 180 = 45 → 44 px wide (even), 22 px high; margin 0.05 × 180 = 9 px.
      const [x0, x1, y0, y1] = [W - 9 - 44, W - 9, H - 9 - 22, H - 9];
      let red = 0;
      let inside = 0;
      let strayRed = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          // Chroma subsampling blurs the logo's edge by a few pixels: judge clear inside/outside only.
          const inLogo = x >= x0 + 2 && x < x1 - 2 && y >= y0 + 2 && y < y1 - 2;
          const nearLogo = x >= x0 - 4 && x < x1 + 4 && y >= y0 - 4 && y < y1 + 4;
          const p = pixel(frame, x, y);
          if (inLogo) {
            inside++;
            if (isRed(p)) red++;
          } else if (!nearLogo) {
            if (isRed(p)) strayRed++;
            else expect(isGrey(p), `pixel ${x},${y} = ${p}`).toBe(true);
          }
        }
      }
      expect(red).toBe(inside);
      expect(strayRed).toBe(0);
    },
  );

  it('top-left at half opacity blends the logo with the picture', async () => {
    await render('half.mp4', {
      logo: { url: h.media.url('logo.png'), position: 'top-left', opacity: 0.5, margin: 0, scale: 0.5 },
    });
    const frame = await rgbFrame(h.media.uploads.get('half.mp4')!.path, 1);
    const [r, g, b] = pixel(frame, 20, 10);
    // Half of red (255, 0, 0) over grey (64, 64, 64) ≈ (160, 32, 32).
    expect(Math.abs(r - 160)).toBeLessThan(20);
    expect(Math.abs(g - 32)).toBeLessThan(20);
    expect(Math.abs(b - 32)).toBeLessThan(20);
    expect(isGrey(pixel(frame, W - 10, H - 10))).toBe(true);
  });

  it("keeps an SVG's transparency: red where it draws, the picture where it does not", async () => {
    await render('half-svg.mp4', {
      logo: { url: h.media.url('half.svg'), position: 'top-left', opacity: 1, margin: 0, scale: 0.5 },
    });
    // 0.5 × 180 = 90 × 45; the red half is x < 45.
    const frame = await rgbFrame(h.media.uploads.get('half-svg.mp4')!.path, 1);
    expect(isRed(pixel(frame, 20, 20))).toBe(true);
    expect(isGrey(pixel(frame, 70, 20))).toBe(true);
    expect(isGrey(pixel(frame, 20, 60))).toBe(true);
  });

  it('draws an SVG of extreme proportions no taller than the output', async () => {
    const { result } = await render('sliver.mp4', {
      logo: { url: h.media.url('sliver.svg'), position: 'top-left', opacity: 1, margin: 0, scale: 1 },
    });
    expect(result).toMatchObject({ width: W, height: H });
    // 1:100 in a 180 × 320 box: 3 × 320 at the left edge; the rest is the picture.
    const frame = await rgbFrame(h.media.uploads.get('sliver.mp4')!.path, 1);
    expect(isGrey(pixel(frame, 40, H / 2))).toBe(true);
    expect(pixel(frame, 1, H / 2)[0]).toBeGreaterThan(120);
  });

  it('refuses an SVG that references a file, even when served to it', async () => {
    await expect(
      render('external-logo.mp4', {
        logo: { url: h.media.url('external.svg'), position: 'top-left', opacity: 1, margin: 0, scale: 0.2 },
      }),
    ).rejects.toMatchObject({ code: 'invalid_media', message: expect.stringContaining('points outside') });
  });

  it('refuses a logo that is not a PNG, whatever its name', async () => {
    await expect(
      render('bad-logo.mp4', {
        logo: { url: h.media.url('not-a-logo.png'), position: 'top-left', opacity: 1, margin: 0, scale: 0.2 },
      }),
    ).rejects.toMatchObject({ code: 'invalid_media' });
  });

  it('joins the intro before and the outro after the clip in the one encode; the logo only on the clip', async () => {
    const { result, path } = await render('bookends.mp4', {
      intro: { url: h.media.url('intro.mp4') },
      outro: { url: h.media.url('outro.mp4') },
      logo: { url: h.media.url('logo.png'), position: 'bottom-right', opacity: 1, margin: 0.05, scale: 0.25 },
    });
    // 1 s intro + 2 s clip + 1.5 s outro.
    expect(result.duration).toBeCloseTo(4.5, 1);
    const corner = (f: Buffer) => pixel(f, W - 9 - 22, H - 9 - 11);
    const intro = await rgbFrame(path, 0.5);
    expect(pixel(intro, 90, 160)[2]).toBeGreaterThan(200);
    expect(isRed(corner(intro))).toBe(false);
    const clip = await rgbFrame(path, 2);
    expect(isGrey(pixel(clip, 90, 160))).toBe(true);
    expect(isRed(corner(clip))).toBe(true);
    const outro = await rgbFrame(path, 4);
    expect(pixel(outro, 90, 160)[1]).toBeGreaterThan(200);
    expect(isRed(corner(outro))).toBe(false);
  });
});
