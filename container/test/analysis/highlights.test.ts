/**
 * Highlight scoring on frames decoded by ffmpeg from generated videos (the way the `highlights` op
 * decodes them), plus exact checks on hand-made frames.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HighlightWindow } from '../../../shared/processor/operations.ts';
import {
  type AnalysisFrame,
  HIGHLIGHT_FRAME_HEIGHT as H,
  HIGHLIGHT_FRAME_WIDTH as W,
  HIGHLIGHT_SAMPLE_FPS as FPS,
  analyzeHighlights,
} from '../../src/analysis/highlights.ts';
import { hammingDistance, perceptualHash } from '../../src/analysis/phash.ts';
import { run } from '../fixtures/speech.ts';

const SIZE = '320x180';

/** Encodes lavfi sources back to back into one H.264 file. */
async function makeVideo(path: string, sources: string[]): Promise<void> {
  const args = ['-nostdin', '-v', 'error', '-y'];
  for (const source of sources) args.push('-f', 'lavfi', '-i', source);
  const inputs = sources.map((_, i) => `[${i}:v]`).join('');
  args.push(
    '-filter_complex',
    `${inputs}concat=n=${sources.length}:v=1:a=0,format=yuv420p[v]`,
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    path,
  );
  await run('ffmpeg', args);
}

/** The op's decode: HIGHLIGHT_SAMPLE_FPS frames per second, scaled, 8-bit gray; frame i is at i / fps. */
async function decodeFrames(path: string): Promise<AnalysisFrame[]> {
  const raw = await run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    path,
    '-vf',
    `fps=${FPS},scale=${W}:${H}:flags=area,format=gray`,
    '-f',
    'rawvideo',
    'pipe:1',
  ]);
  const frameBytes = W * H;
  const frames: AnalysisFrame[] = [];
  for (let i = 0; (i + 1) * frameBytes <= raw.length; i++) {
    frames.push({ time: i / FPS, gray: new Uint8Array(raw.subarray(i * frameBytes, (i + 1) * frameBytes)) });
  }
  return frames;
}

const sum = (windows: HighlightWindow[]) => windows.reduce((s, w) => s + w.duration, 0);

function expectChronologicalWithoutOverlap(windows: HighlightWindow[]) {
  for (let i = 1; i < windows.length; i++) {
    expect(windows[i]!.start).toBeGreaterThanOrEqual(windows[i - 1]!.end - 1e-6);
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutroom-highlights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('analyzeHighlights on a generated video', () => {
  // 0–3 s black, 3–6 s a static colour, 6–12 s moving testsrc2, 12–18 s a mandelbrot zoom, 18–24 s noise.
  const STILL_END = 6;
  const DURATION = 24;
  let frames: AnalysisFrame[];
  beforeAll(async () => {
    const path = join(dir, 'spans.mp4');
    await makeVideo(path, [
      `color=c=black:s=${SIZE}:r=25:d=3`,
      `color=c=0x3366aa:s=${SIZE}:r=25:d=3`,
      `testsrc2=s=${SIZE}:r=25:d=6`,
      `mandelbrot=s=${SIZE}:r=25:end_scale=0.01,trim=duration=6`,
      `color=c=gray:s=${SIZE}:r=25:d=6,noise=alls=60:allf=t+u`,
    ]);
    frames = await decodeFrames(path);
    expect(frames).toHaveLength(DURATION * FPS);
  });

  it('rejects the black and static spans and ranks moving windows', () => {
    const result = analyzeHighlights(frames, { duration: DURATION, target_duration: 8, variant_count: 1 });
    // Window = min(3, max(1.5, 8/8)) = 1.5 s, step 1.05 s: 22 windows, of which those inside 0–6 s go.
    expect(result.windows.length).toBeGreaterThan(10);
    for (const w of result.windows) {
      expect(w.end).toBeGreaterThan(STILL_END);
      expect(w.duration).toBeCloseTo(1.5, 6);
      expect(w.brightness).toBeGreaterThanOrEqual(0.08);
      expect(w.motion_score).toBeGreaterThanOrEqual(0.008);
    }
    // Every window that lies wholly in the moving part is kept.
    const movingWindows = result.windows.filter((w) => w.start >= STILL_END);
    expect(movingWindows.length).toBe(Math.floor((DURATION - 1.5 - STILL_END) / 1.05) + 1);
    // Best first, with the combined score of the original.
    for (let i = 1; i < result.windows.length; i++) {
      expect(result.windows[i]!.combined_score).toBeLessThanOrEqual(result.windows[i - 1]!.combined_score);
    }
    for (const w of result.windows) {
      const expected = 0.6 * w.motion_score + 0.3 * w.variance_score + 0.1 * (1 - Math.abs(w.brightness - 0.5));
      expect(w.combined_score).toBeCloseTo(expected, 3);
    }
  });

  it('selects the best windows up to the target: chronological, no overlaps', () => {
    const target = 8;
    const result = analyzeHighlights(frames, { duration: DURATION, target_duration: target, variant_count: 1 });
    expect(sum(result.selected)).toBeGreaterThanOrEqual(target);
    expect(sum(result.selected) - target).toBeLessThan(1.5);
    expectChronologicalWithoutOverlap(result.selected);
    // The best window overall is always taken.
    expect(result.selected).toContainEqual(result.windows[0]);
    for (const w of result.selected) expect(result.windows).toContainEqual(w);
  });

  it('gives variants that differ, stay within their target and start from their own zone', () => {
    const target = 4;
    const variantCount = 3;
    const result = analyzeHighlights(frames, {
      duration: DURATION,
      target_duration: target,
      variant_count: variantCount,
    });
    expect(result.variants).toHaveLength(variantCount);
    const window = 1.5;
    const zone = DURATION / variantCount;
    result.variants.forEach((variant, v) => {
      expectChronologicalWithoutOverlap(variant);
      const total = sum(variant);
      // Never past the target; short of it by less than half a window.
      expect(total).toBeLessThanOrEqual(target + 1e-6);
      expect(total).toBeGreaterThan(target - window / 2);
      for (const w of variant) expect(w.motion_score).toBeGreaterThanOrEqual(0.008);
      const zoneHasWindows = result.windows.some((w) => w.start >= zone * v && w.start < zone * (v + 1));
      if (zoneHasWindows) expect(variant.some((w) => w.start >= zone * v && w.start < zone * (v + 1))).toBe(true);
    });
    const keys = result.variants.map((variant) => variant.map((w) => w.start.toFixed(3)));
    // The first two variants share no window: unused windows are preferred while they last.
    expect(keys[0]!.filter((start) => keys[1]!.includes(start))).toEqual([]);
    expect(new Set(keys.map((k) => k.join(','))).size).toBe(variantCount);
  });

  it('honours an explicit window length', () => {
    const result = analyzeHighlights(frames, { duration: DURATION, target_duration: 6, variant_count: 1, window: 3 });
    for (const w of [...result.windows, ...result.selected]) expect(w.duration).toBeCloseTo(3, 6);
  });
});

describe('analyzeHighlights rejection rules', () => {
  it('finds nothing in a static picture', async () => {
    const path = join(dir, 'static.mp4');
    await makeVideo(path, [`testsrc=s=${SIZE}:r=25:d=1,trim=end_frame=1,loop=loop=149:size=1,setpts=N/25/TB`]);
    const frames = await decodeFrames(path);
    const result = analyzeHighlights(frames, { duration: 6, target_duration: 3, variant_count: 2 });
    expect(result).toEqual({ windows: [], selected: [], variants: [[], []] });
  });

  it('rejects motion that is too dark to use', async () => {
    const dark = join(dir, 'dark.mp4');
    await makeVideo(dark, [`testsrc2=s=${SIZE}:r=25:d=6,lutyuv=y=val*0.08`]);
    const darkFrames = await decodeFrames(dark);
    expect(analyzeHighlights(darkFrames, { duration: 6, target_duration: 3, variant_count: 1 }).windows).toEqual([]);
    // The same motion at normal brightness is kept.
    const bright = join(dir, 'bright.mp4');
    await makeVideo(bright, [`testsrc2=s=${SIZE}:r=25:d=6`]);
    const brightFrames = await decodeFrames(bright);
    expect(
      analyzeHighlights(brightFrames, { duration: 6, target_duration: 3, variant_count: 1 }).windows.length,
    ).toBeGreaterThan(0);
  });
});

describe('analyzeHighlights scores, on hand-made frames', () => {
  /** `seconds` at 5 fps of a uniform grey `base`, plus `flicker` on odd frames. */
  function flickering(base: number, flicker: number, seconds = 6): AnalysisFrame[] {
    return Array.from({ length: seconds * FPS }, (_, i) => ({
      time: i / FPS,
      gray: new Uint8Array(W * H).fill(base + (i % 2) * flicker),
    }));
  }

  it('computes motion, variance and brightness as the original', () => {
    // Window 3 s → frames 0..14; motion = 20/255 for every consecutive pair.
    const result = analyzeHighlights(flickering(100, 20), {
      duration: 6,
      target_duration: 3,
      variant_count: 1,
      window: 3,
    });
    expect(result.windows.map((w) => [w.start, w.end])).toEqual([
      [0, 3],
      [2.1, 5.1],
    ]);
    const first = result.windows.find((w) => w.start === 0)!;
    expect(first.motion_score).toBeCloseTo(20 / 255, 4);
    // first = frame 0 (100), mid = frame 7 (120), last = frame 14 (100): (20 + 20 + 0) / 3 / 255.
    expect(first.variance_score).toBeCloseTo(40 / 3 / 255, 4);
    expect(first.brightness).toBeCloseTo(120 / 255, 4);
  });

  it('treats a window whose mid frame is darker than 0.08 as black', () => {
    // Uniform 15 → brightness 0.059 with plenty of flicker motion.
    expect(analyzeHighlights(flickering(0, 15), { duration: 6, target_duration: 3, variant_count: 1 }).windows).toEqual(
      [],
    );
  });

  it('skips windows that look like one already selected', () => {
    // A textured still with a blinking square: plenty of motion, but every mid frame is one of two
    // looks (square on or off), so at most two windows are selected and the target is not reached.
    const frames = Array.from({ length: 12 * FPS }, (_, i) => {
      const gray = texture(0);
      if (i % 2) for (let y = 30; y < 60; y++) gray.fill(255, y * W + 60, y * W + 90);
      return { time: i / FPS, gray };
    });
    const result = analyzeHighlights(frames, { duration: 12, target_duration: 9, variant_count: 1, window: 1.5 });
    expect(result.windows.length).toBeGreaterThan(5);
    expect(result.selected.length).toBeGreaterThanOrEqual(1);
    expect(result.selected.length).toBeLessThanOrEqual(2);
    expect(sum(result.selected)).toBeLessThan(9);
  });
});

/** Smooth 2-D texture with low-frequency detail in both directions, offset by `shift` grey levels. */
function texture(shift: number): Uint8Array {
  const img = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = 110 + 50 * Math.sin(x / 13) + 40 * Math.cos(y / 9) + 25 * Math.sin((x + 2 * y) / 21) + shift;
      img[y * W + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return img;
}

describe('analyzeHighlights input checks', () => {
  it('answers empty results for no frames and refuses frames of the wrong size', () => {
    expect(analyzeHighlights([], { duration: 10, target_duration: 5, variant_count: 2 })).toEqual({
      windows: [],
      selected: [],
      variants: [[], []],
    });
    const wrong = [{ time: 0, gray: new Uint8Array(10) }];
    expect(() => analyzeHighlights(wrong, { duration: 1, target_duration: 1, variant_count: 1 })).toThrow(RangeError);
  });
});

describe('perceptualHash', () => {
  const checker = () => {
    const img = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[y * W + x] = ((x >> 4) + (y >> 4)) % 2 ? 230 : 20;
    return img;
  };

  it('keeps near-identical images within a few bits and tells different ones apart', () => {
    const a = perceptualHash(texture(0), W, H);
    expect(hammingDistance(a, perceptualHash(texture(0), W, H))).toBe(0);
    // Brighter by 10 levels: only the DC term moves.
    expect(hammingDistance(a, perceptualHash(texture(10), W, H))).toBeLessThan(4);
    expect(hammingDistance(a, perceptualHash(checker(), W, H))).toBeGreaterThan(15);
  });

  it('hashes flat images alike whatever their level', () => {
    const flat = (level: number) => perceptualHash(new Uint8Array(W * H).fill(level), W, H);
    expect(hammingDistance(flat(40), flat(200))).toBe(0);
  });
});
