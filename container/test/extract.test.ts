/**
 * extract: smart (frame-accurate, mostly copied), copy (keyframe-aligned) and reencode, checked on the
 * decoded output against the decoded source, frame by frame.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractRequest } from '../../shared/processor/operations.ts';
import {
  decodePcm,
  ffmpeg,
  grayFrames,
  keyframeTimes,
  makeVideo,
  probe,
  psnr,
  rmsDb,
  videoPackets,
} from './fixtures/video.ts';
import { parseAvcC, readAvcC } from '../src/mp4/avcc.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const exec = promisify(execFile);
let h: Harness;
const W = 320;
const H = 180;
const FPS = 30;

beforeAll(async () => {
  h = await startHarness();
  await Promise.all([
    // Keyframe every second, two B-frames: a typical camera/encoder layout.
    makeVideo(join(h.dir, 'src.mp4'), { duration: 8, width: W, height: H, fps: FPS, gop: 30, bframes: 2 }),
    makeVideo(join(h.dir, 'rot.mp4'), { duration: 5, width: W, height: H, fps: FPS, gop: 30, rotate: 90 }),
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${W}x${H}:rate=25`,
      '-t',
      '4',
      '-c:v',
      'mpeg4',
      '-q:v',
      '3',
      join(h.dir, 'mpeg4.mp4'),
    ]),
    // Variable frame rate: every 7th frame dropped (as phones do under load), the others keep their times.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${W}x${H}:rate=${FPS}`,
      '-t',
      '8',
      '-vf',
      "select='not(eq(mod(n\\,7)\\,3))'",
      '-fps_mode',
      'passthrough',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '30',
      '-keyint_min',
      '30',
      '-sc_threshold',
      '0',
      '-bf',
      '2',
      '-an',
      '-movflags',
      '+faststart',
      join(h.dir, 'vfr.mp4'),
    ]),
    // A QuickTime movie with QuickTime's timescale (600) at 29.97 fps, as phones write.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${W}x${H}:rate=30000/1001`,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100',
      '-t',
      '6',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '30',
      '-bf',
      '2',
      '-sc_threshold',
      '0',
      '-c:a',
      'aac',
      '-video_track_timescale',
      '600',
      '-f',
      'mov',
      join(h.dir, 'phone.mov'),
    ]),
    // A rising chirp: every stretch of the sound is unlike any other, so an offset cannot hide.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${W}x${H}:rate=${FPS}`,
      '-f',
      'lavfi',
      '-i',
      'aevalsrc=0.5*sin(2*PI*(200+150*t)*t):s=48000:c=stereo',
      '-t',
      '8',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '30',
      '-bf',
      '2',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      '-movflags',
      '+faststart',
      join(h.dir, 'chirp.mp4'),
    ]),
  ]);
});
afterAll(async () => h?.close());

async function extract(name: string, request: Omit<ExtractRequest, 'input' | 'output'>, file = 'src.mp4') {
  const result = await h.processor.client.run('extract', {
    input: { url: h.media.url(file) },
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    ...request,
  });
  return { result, path: h.media.uploads.get(name)!.path };
}

/** Decodes every frame; fails on any decoder error. */
async function decodesCleanly(path: string): Promise<void> {
  const { stderr } = await exec('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', path, '-f', 'null', '-']);
  expect(stderr).toBe('');
}

async function framesOf(path: string, options: { start?: number; count?: number } = {}) {
  return grayFrames(path, W, H, options);
}

describe('extract smart', () => {
  it('is frame-accurate: duration within one frame, first frame = source frame at start, copied frames bit-identical', async () => {
    const { result, path } = await extract('smart.mp4', { start: 2.4, end: 5.7, mode: 'smart' });
    expect(result).toMatchObject({ mode_used: 'smart', fallback_reason: null, actual_start: 2.4, width: W, height: H });
    expect(Math.abs(result.duration - 3.3)).toBeLessThanOrEqual(1 / FPS);

    const out = await framesOf(path);
    const src = await framesOf(join(h.dir, 'src.mp4'));
    expect(out).toHaveLength(99);
    // Frame i of the output is source frame 72 + i (2.4 s × 30): the re-encoded head is close...
    const at = (i: number) => psnr(out[i]!, src[72 + i]!);
    expect(at(0)).toBeGreaterThan(35);
    expect(at(0)).toBeGreaterThan(psnr(out[0]!, src[71]!) + 3);
    expect(at(0)).toBeGreaterThan(psnr(out[0]!, src[73]!) + 3);
    // ...and from the keyframe at 3.0 s (output frame 18) the copied frames are identical.
    for (let i = 18; i < 95; i++) expect(at(i), `frame ${i}`).toBe(Infinity);
    // The last frame is the source's frame at 5.667 s.
    expect(at(98)).toBeGreaterThan(35);
    await decodesCleanly(path);
    // Decode times keep increasing across both joins (re-encoded → copied → re-encoded).
    const dts = (await videoPackets(path)).map((p) => p.dts);
    for (let i = 1; i < dts.length; i++) expect(dts[i]!, `packet ${i}`).toBeGreaterThan(dts[i - 1]!);

    const [video, audio] = (await probe(path)).streams;
    const [srcVideo] = (await probe(join(h.dir, 'src.mp4'))).streams;
    // Video and audio both start at 0: in sync.
    expect(Number(video!.start_time)).toBeCloseTo(0, 3);
    expect(Number(audio!.start_time)).toBeCloseTo(0, 2);
    for (const key of ['codec_name', 'profile', 'level', 'width', 'height', 'pix_fmt', 'time_base'] as const)
      expect(video![key], key).toEqual(srcVideo![key]);
    expect(Number(audio!.duration)).toBeCloseTo(3.3, 1);
  });

  it('keeps the audio in sync to the sample: the cut sounds exactly like the source from the start', async () => {
    const { result, path } = await extract('smart-chirp.mp4', { start: 2.4, end: 5.7, mode: 'smart' }, 'chirp.mp4');
    expect(result).toMatchObject({ mode_used: 'smart', actual_start: 2.4 });
    const out = await decodePcm(path);
    const src = await decodePcm(join(h.dir, 'chirp.mp4'));
    const from = Math.round(2.4 * 48000);
    // The lag (in samples) at which the output best matches the source around 2.4 s.
    const window = 48000;
    let best = { lag: NaN, error: Infinity };
    for (let lag = -1200; lag <= 1200; lag++) {
      let error = 0;
      for (let i = 2000; i < window; i += 7) error += (out[i]! - src[from + lag + i]!) ** 2;
      if (error < best.error) best = { lag, error };
    }
    expect(best.lag).toBe(0);
    // And it is the same sound, not merely aligned: within AAC's own rounding of the source.
    let worst = 0;
    for (let i = 2000; i < window; i++) worst = Math.max(worst, Math.abs(out[i]! - src[from + i]!));
    expect(worst).toBeLessThan(0.02);
    expect(Number((await probe(path)).streams[1]!.duration)).toBeCloseTo(3.3, 1);
  });

  it('keeps every frame at its own time in a variable-frame-rate video, up to the end', async () => {
    const source = (await videoPackets(join(h.dir, 'vfr.mp4'))).map((p) => p.pts).sort((a, b) => a - b);
    for (const [start, end] of [
      [2.4, 5.5],
      [3.1, 7.9],
      [1.05, 3.3],
    ] as const) {
      const { result, path } = await extract(`vfr-${start}.mp4`, { start, end, mode: 'smart' }, 'vfr.mp4');
      expect(result.mode_used).toBe('smart');
      const wanted = source.filter((t) => t >= start - 0.001 && t < end - 0.001);
      const shown = (await videoPackets(path)).map((p) => p.pts).sort((a, b) => a - b);
      expect(shown).toHaveLength(wanted.length);
      shown.forEach((t, i) => expect(Math.abs(t - (wanted[i]! - wanted[0]!)), `frame ${i}`).toBeLessThan(0.001));
      expect(result.actual_start).toBeCloseTo(wanted[0]!, 3);
      await decodesCleanly(path);
    }
  });

  it('cuts a QuickTime movie with timescale 600 (phones) frame-accurately, without falling back', async () => {
    const source = (await videoPackets(join(h.dir, 'phone.mov'))).map((p) => p.pts).sort((a, b) => a - b);
    const { result, path } = await extract('phone-cut.mp4', { start: 1.2, end: 4.1, mode: 'smart' }, 'phone.mov');
    expect(result).toMatchObject({ mode_used: 'smart', fallback_reason: null });
    const wanted = source.filter((t) => t >= 1.2 - 0.001 && t < 4.1 - 0.001);
    const shown = (await videoPackets(path)).map((p) => p.pts).sort((a, b) => a - b);
    expect(shown).toHaveLength(wanted.length);
    shown.forEach((t, i) => expect(Math.abs(t - (wanted[i]! - wanted[0]!)), `frame ${i}`).toBeLessThan(0.002));
    const out = await grayFrames(path, W, H);
    const src = await grayFrames(join(h.dir, 'phone.mov'), W, H, { start: wanted[0]!, count: out.length });
    expect(psnr(out[0]!, src[0]!)).toBeGreaterThan(35);
    expect(psnr(out.at(-1)!, src.at(-1)!)).toBeGreaterThan(35);
    await decodesCleanly(path);
  });

  it('carries every parameter set in the sample entry: plays with in-band SPS/PPS stripped', async () => {
    const { path } = await extract('smart-avcc.mp4', { start: 2.4, end: 5.7, mode: 'smart' });
    const config = parseAvcC((await readAvcC(path))!);
    expect(config.sps.length).toBe(2);
    expect(config.pps.length).toBe(2);
    // What a decoder that reads only the sample entry sees: the same pictures.
    const stripped = join(h.dir, 'smart-stripped.mp4');
    await ffmpeg(['-i', path, '-map', '0:v', '-c', 'copy', '-bsf:v', 'filter_units=remove_types=7|8', stripped]);
    await decodesCleanly(stripped);
    const a = await framesOf(path);
    const b = await framesOf(stripped);
    expect(b).toHaveLength(a.length);
    for (let i = 0; i < a.length; i++) expect(psnr(a[i]!, b[i]!), `frame ${i}`).toBe(Infinity);
  });

  it('copies the stream as is when the cut starts on a keyframe', async () => {
    const { result, path } = await extract('onkey.mp4', { start: 3, end: 6, mode: 'smart' });
    expect(result).toMatchObject({ mode_used: 'smart', actual_start: 3 });
    expect(Math.abs(result.duration - 3)).toBeLessThanOrEqual(1 / FPS);
    const out = await framesOf(path);
    const src = await framesOf(join(h.dir, 'src.mp4'));
    expect(out).toHaveLength(90);
    const identical = out.filter((f, i) => psnr(f, src[90 + i]!) === Infinity).length;
    // Everything but at most the last few frames (B-frame tail) is copied bit for bit.
    expect(identical).toBeGreaterThanOrEqual(87);
    for (let i = 0; i < 90; i++) expect(psnr(out[i]!, src[90 + i]!)).toBeGreaterThan(35);
    await decodesCleanly(path);
  });

  it('re-encodes a cut shorter than a GOP entirely, still frame-accurate', async () => {
    const { result, path } = await extract('short.mp4', { start: 4.2, end: 4.7, mode: 'smart' });
    expect(result.mode_used).toBe('smart');
    const out = await framesOf(path);
    const src = await framesOf(join(h.dir, 'src.mp4'));
    expect(out).toHaveLength(15);
    expect(psnr(out[0]!, src[126]!)).toBeGreaterThan(35);
    expect(psnr(out[14]!, src[140]!)).toBeGreaterThan(35);
    await decodesCleanly(path);
  });

  it('keeps the rotation of a rotated source', async () => {
    const { result, path } = await extract('rot-smart.mp4', { start: 1.5, end: 3.5, mode: 'smart' }, 'rot.mp4');
    expect(result.fallback_reason).toBeNull();
    expect(result).toMatchObject({ mode_used: 'smart', width: H, height: W });
    const [src] = (await probe(join(h.dir, 'rot.mp4'))).streams;
    const [out] = (await probe(path)).streams;
    expect(out!.side_data_list?.[0]?.rotation).toBe(src!.side_data_list?.[0]?.rotation);
    const [first] = await grayFrames(path, H, W, { count: 1 });
    const [want] = await grayFrames(join(h.dir, 'rot.mp4'), H, W, { start: 1.5, count: 1 });
    expect(psnr(first!, want!)).toBeGreaterThan(35);
  });

  it('falls back to a full re-encode for codecs it cannot splice, and says why', async () => {
    const { result, path } = await extract('mpeg4.mp4', { start: 1, end: 2, mode: 'smart' }, 'mpeg4.mp4');
    expect(result.mode_used).toBe('reencode');
    expect(result.fallback_reason).toContain('H.264');
    expect(Math.abs(result.duration - 1)).toBeLessThanOrEqual(1 / 25);
    expect((await probe(path)).streams[0]!.codec_name).toBe('h264');
  });

  it('mutes intervals given relative to the cut', async () => {
    const { path } = await extract('smart-mute.mp4', {
      start: 2,
      end: 6,
      mode: 'smart',
      mute: { intervals: [{ start: 1, end: 2 }], mode: 'hard' },
    });
    const pcm = await decodePcm(path);
    expect(rmsDb(pcm, 48000, 1.05, 1.95)).toBeLessThan(-60);
    expect(rmsDb(pcm, 48000, 2.1, 3.9)).toBeGreaterThan(-12);
  });
});

describe('extract copy', () => {
  it('starts on the keyframe at or before start and copies packets unchanged', async () => {
    const { result, path } = await extract('copy.mp4', { start: 2.4, end: 5.5, mode: 'copy' });
    expect(result).toMatchObject({ mode_used: 'copy', fallback_reason: null, actual_start: 2 });
    expect(result.duration).toBeGreaterThanOrEqual(3.45);
    expect(result.duration).toBeLessThanOrEqual(3.6);
    const packets = await videoPackets(path);
    expect(packets[0]!.keyframe).toBe(true);
    const [first] = await framesOf(path, { count: 1 });
    const [keyframe] = await framesOf(join(h.dir, 'src.mp4'), { start: 2, count: 1 });
    expect(psnr(first!, keyframe!)).toBe(Infinity);
    expect(await keyframeTimes(path)).toEqual([0, 1, 2, 3]);
    const [video, audio] = (await probe(path)).streams;
    expect(Number(video!.start_time)).toBeCloseTo(0, 3);
    expect(Number(audio!.start_time)).toBeCloseTo(0, 1);
  });
});

describe('extract reencode', () => {
  it('re-encodes from the exact start, turning rotated video upright', async () => {
    const { result, path } = await extract('re.mp4', { start: 1.5, end: 3.5, mode: 'reencode' }, 'rot.mp4');
    expect(result).toMatchObject({
      mode_used: 'reencode',
      fallback_reason: null,
      actual_start: 1.5,
      width: H,
      height: W,
    });
    expect(Math.abs(result.duration - 2)).toBeLessThanOrEqual(1 / FPS);
    const [video] = (await probe(path)).streams;
    expect(video).toMatchObject({ width: H, height: W, profile: 'High' });
    expect(video!.side_data_list).toBeUndefined();
    const [first] = await grayFrames(path, H, W, { count: 1 });
    const [want] = await grayFrames(join(h.dir, 'rot.mp4'), H, W, { start: 1.5, count: 1 });
    expect(psnr(first!, want!)).toBeGreaterThan(30);
  });

  it('applies transforms, which force a re-encode even when smart was asked', async () => {
    const { result, path } = await extract('flip.mp4', {
      start: 1,
      end: 2,
      mode: 'smart',
      transforms: { flip_horizontal: true },
    });
    expect(result).toMatchObject({ mode_used: 'reencode', fallback_reason: 'visual transforms need a re-encode' });
    const [out] = await framesOf(path, { count: 1 });
    const [flipped] = await grayFrames(join(h.dir, 'src.mp4'), W, H, { start: 1, count: 1 }).then(async () => {
      const { stdout } = await exec(
        'ffmpeg',
        [
          '-v',
          'error',
          '-ss',
          '1',
          '-i',
          join(h.dir, 'src.mp4'),
          '-frames:v',
          '1',
          '-vf',
          `hflip,scale=${W}:${H}:flags=neighbor,format=gray`,
          '-f',
          'rawvideo',
          '-',
        ],
        { encoding: 'buffer' },
      );
      return [stdout];
    });
    expect(psnr(out!, flipped!)).toBeGreaterThan(30);
  });
});

describe('extract validation', () => {
  it('rejects end ≤ start and a start past the end of the media', async () => {
    await expect(extract('bad.mp4', { start: 3, end: 2, mode: 'copy' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(extract('bad.mp4', { start: 30, end: 40, mode: 'copy' })).rejects.toMatchObject({
      code: 'invalid_request',
      retryable: false,
    });
  });
});
