/**
 * mute in-process (media/mp4-mute.ts): only the audio frames around the muted spans are re-encoded
 * and spliced in; the rest of the file is copied. Checked on the decoded output (levels inside and
 * outside the windows, waveform next to the joins), on the packets (video identical; audio frames
 * identical except one run per window, close to it), and by ffprobe/ffmpeg reading it cleanly.
 * The logs prove which path ran; other inputs fall back to the full ffmpeg re-encode.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeRange } from '../../shared/processor/media.ts';
import type { MuteRequest } from '../../shared/processor/operations.ts';
import { buildSpeechFixture } from './fixtures/speech.ts';
import {
  decodePcm,
  ffmpeg,
  ffmpegOut,
  makeVideo,
  probe,
  rmsDb,
  snrDb,
  videoPacketHashes,
  videoWithSound,
} from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const exec = promisify(execFile);
const RATE = 48000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  const speech = await buildSpeechFixture(join(h.dir, 'speech'), {
    name: 'mute-joins',
    background: 'music',
    snr_db: 10,
    duration: 8,
    utterances: [{ text: 'Every word here runs across the cut, so the joins land inside speech and music.', at: 0.4 }],
  });
  await Promise.all([
    makeVideo(join(h.dir, 'tone.mp4'), { duration: 8, amplitude: 0.5 }),
    // A QuickTime movie as ffmpeg writes one (AAC in a version 1 sound description inside `wave`).
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x90:rate=30000/1001',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100',
      '-t',
      '5',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-video_track_timescale',
      '600',
      '-f',
      'mov',
      join(h.dir, 'tone.mov'),
    ]),
    videoWithSound(speech.path, 8, join(h.dir, 'speech.mp4')),
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x90:rate=25',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=500:sample_rate=48000',
      '-t',
      '4',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '128k',
      join(h.dir, 'mp3.mp4'),
    ]),
    (async () => {
      // Looping by stream copy leaves the audio timeline uneven at each join, as real edits do.
      await makeVideo(join(h.dir, 'base.mp4'), { duration: 3, width: 160, height: 90, amplitude: 0.4, frequency: 330 });
      await ffmpeg([
        '-stream_loop',
        '2',
        '-i',
        join(h.dir, 'base.mp4'),
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        join(h.dir, 'looped.mp4'),
      ]);
    })(),
  ]);
}, 180_000);
afterAll(async () => h?.close());

const logged = (msg: string) => h.processor.logs.filter((line) => line.includes(`"msg":"${msg}"`));

async function mute(file: string, request: Partial<MuteRequest>) {
  const name = `muted-${file}-${h.media.uploads.size}-${Date.now()}.mp4`;
  const result = await h.processor.client.run('mute', {
    input: { url: h.media.url(file) },
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    mode: 'hard',
    ...request,
  } as MuteRequest);
  return { result, path: h.media.uploads.get(name)!.path };
}

/** Audio frames as [pts seconds, md5 of the bytes]. */
async function audioFrames(path: string): Promise<{ time: number; hash: string }[]> {
  const out = (await ffmpegOut(['-i', path, '-map', '0:a:0', '-c', 'copy', '-f', 'framemd5', '-'])).toString('utf8');
  const tb = /^#tb 0: (\d+)\/(\d+)$/m.exec(out)!;
  return out
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').map((f) => f.trim()))
    .map((fields) => ({ time: (Number(fields[2]) * Number(tb[1])) / Number(tb[2]), hash: fields[5]! }));
}

/** Indices of frames that differ, grouped into runs of consecutive indices. */
function differingRuns(a: { hash: string }[], b: { hash: string }[]): [number, number][] {
  expect(b.length).toBe(a.length);
  const runs: [number, number][] = [];
  a.forEach((frame, i) => {
    if (frame.hash === b[i]!.hash) return;
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  });
  return runs;
}

async function readsCleanly(path: string): Promise<void> {
  const { stderr: warnings } = await exec('ffprobe', ['-v', 'warning', '-show_streams', '-show_format', path]);
  expect(warnings).toBe('');
  const { stderr: errors } = await exec('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-xerror',
    '-i',
    path,
    '-f',
    'null',
    '-',
  ]);
  expect(errors).toBe('');
}

/**
 * The shared checks: in-process, video packets identical, audio frames identical except one run per
 * window that starts and ends within `reach` seconds of it, muted inside, untouched outside.
 */
async function checkMute(
  file: string,
  windows: TimeRange[],
  result: { video_copied: boolean; duration: number },
  path: string,
  reach = 0.35,
) {
  const src = join(h.dir, file);
  expect(result.video_copied).toBe(true);
  expect(await videoPacketHashes(path)).toEqual(await videoPacketHashes(src));
  const before = await audioFrames(src);
  const after = await audioFrames(path);
  const runs = differingRuns(before, after);
  expect(runs.length).toBeGreaterThan(0);
  expect(runs.length).toBeLessThanOrEqual(windows.length);
  for (const [first, last] of runs) {
    const window = windows.find((w) => before[first]!.time >= w.start - reach && before[last]!.time <= w.end + reach);
    expect(
      window,
      `frames ${first}–${last} (${before[first]!.time.toFixed(3)}–${before[last]!.time.toFixed(3)} s) replaced near a window`,
    ).toBeDefined();
  }
  expect(Math.abs(result.duration - Number((await probe(src)).format.duration))).toBeLessThanOrEqual(0.001);
  await readsCleanly(path);
}

describe('mute in-process', () => {
  it('hard on a tone: silent inside, the source outside (to the sample away from the joins), one spliced run per window', async () => {
    const windows = [
      { start: 1, end: 2 },
      { start: 3.5, end: 4.2 },
    ];
    const before = logged('mute done in-process').length;
    const { result, path } = await mute('tone.mp4', { intervals: windows });
    expect(logged('mute done in-process').length, 'ran in-process').toBe(before + 1);
    expect(result.intervals).toEqual(windows);
    await checkMute('tone.mp4', windows, result, path);
    const pcm = await decodePcm(path, RATE);
    const source = await decodePcm(join(h.dir, 'tone.mp4'), RATE);
    for (const w of windows) expect(rmsDb(pcm, RATE, w.start + 0.03, w.end - 0.03)).toBeLessThan(-60);
    for (const [a, b] of [
      [0.1, 0.97],
      [2.05, 3.47],
      [4.25, 7.9],
    ] as const) {
      expect(Math.abs(rmsDb(pcm, RATE, a, b) - rmsDb(source, RATE, a, b))).toBeLessThanOrEqual(0.5);
      // Next to the joins the new frames are a re-encode (quantisation noise only); further out, the source's own.
      expect(snrDb(source.subarray(a * RATE, b * RATE), pcm.subarray(a * RATE, b * RATE))).toBeGreaterThan(20);
    }
    expect(snrDb(source.subarray(5 * RATE, 7.9 * RATE), pcm.subarray(5 * RATE, 7.9 * RATE))).toBeGreaterThan(60);
  });

  it('a QuickTime movie (version 1 sound description) is muted in-process too, into an MP4 ISO readers take', async () => {
    const windows = [{ start: 1.5, end: 2.5 }];
    const before = logged('mute done in-process').length;
    const { result, path } = await mute('tone.mov', { intervals: windows });
    expect(logged('mute done in-process').length, 'ran in-process').toBe(before + 1);
    await checkMute('tone.mov', windows, result, path);
    const pcm = await decodePcm(path, RATE);
    expect(rmsDb(pcm, RATE, 1.55, 2.45)).toBeLessThan(-60);
    const source = await decodePcm(join(h.dir, 'tone.mov'), RATE);
    expect(Math.abs(rmsDb(pcm, RATE, 3, 4.5) - rmsDb(source, RATE, 3, 4.5))).toBeLessThanOrEqual(0.5);
    const { stderr } = await exec('ffprobe', ['-v', 'warning', '-show_streams', path]);
    expect(stderr).toBe('');
  });

  it('hard inside speech over music: joins in busy audio stay inaudible (levels within 0.5 dB, waveform close)', async () => {
    const windows = [
      { start: 1.3, end: 2.1 },
      { start: 4.6, end: 5.05 },
    ];
    const before = logged('mute done in-process').length;
    const { result, path } = await mute('speech.mp4', { intervals: windows });
    expect(
      logged('mute done in-process').length,
      `ran in-process (${logged('mute falls back to ffmpeg').at(-1)})`,
    ).toBe(before + 1);
    await checkMute('speech.mp4', windows, result, path);
    const pcm = await decodePcm(path, RATE);
    const source = await decodePcm(join(h.dir, 'speech.mp4'), RATE);
    for (const w of windows) expect(rmsDb(pcm, RATE, w.start + 0.03, w.end - 0.03)).toBeLessThan(-60);
    for (const [a, b] of [
      [0.2, 1.25],
      [2.15, 4.55],
      [5.1, 7.9],
    ] as const) {
      expect(Math.abs(rmsDb(pcm, RATE, a, b) - rmsDb(source, RATE, a, b))).toBeLessThanOrEqual(0.5);
      expect(snrDb(source.subarray(a * RATE, b * RATE), pcm.subarray(a * RATE, b * RATE))).toBeGreaterThan(15);
    }
  });

  it('duck and fade (without denoise) run in-process with the same levels as the filter promises', async () => {
    const source = await decodePcm(join(h.dir, 'tone.mp4'), RATE);
    const relative = (pcm: Float32Array, a: number, b: number) => rmsDb(pcm, RATE, a, b) - rmsDb(source, RATE, a, b);
    const before = logged('mute done in-process').length;
    const duck = await mute('tone.mp4', { mode: 'duck', keep_percentage: 0.25, intervals: [{ start: 2, end: 5 }] });
    await checkMute('tone.mp4', [{ start: 2, end: 5 }], duck.result, duck.path);
    const ducked = await decodePcm(duck.path, RATE);
    expect(relative(ducked, 2.05, 4.95)).toBeCloseTo(20 * Math.log10(0.25), 0);
    expect(Math.abs(relative(ducked, 0.1, 1.95))).toBeLessThanOrEqual(0.5);
    const fade = await mute('tone.mp4', {
      mode: 'fade',
      fade_duration: 0.8,
      denoise: false,
      intervals: [{ start: 3, end: 5 }],
    });
    // The fades reach 0.8 s out: the spliced run does too.
    await checkMute('tone.mp4', [{ start: 2.2, end: 5.8 }], fade.result, fade.path);
    const faded = await decodePcm(fade.path, RATE);
    expect(relative(faded, 3.05, 4.95)).toBeCloseTo(20 * Math.log10(0.03), 0);
    expect(relative(faded, 2.25, 2.45)).toBeLessThan(-0.5);
    expect(relative(faded, 2.25, 2.45)).toBeGreaterThan(relative(faded, 2.8, 2.95));
    expect(Math.abs(relative(faded, 0.1, 2.15))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(relative(faded, 5.85, 7.9))).toBeLessThanOrEqual(0.5);
    expect(logged('mute done in-process').length).toBe(before + 2);
  });

  it('windows at the very start and end, and an uneven (looped) timeline', async () => {
    const edges = [
      { start: 0, end: 0.6 },
      { start: 7.3, end: 8 },
    ];
    const { result, path } = await mute('tone.mp4', { intervals: edges });
    await checkMute('tone.mp4', edges, result, path);
    const pcm = await decodePcm(path, RATE);
    expect(rmsDb(pcm, RATE, 0, 0.57)).toBeLessThan(-60);
    expect(rmsDb(pcm, RATE, 7.33, 7.95)).toBeLessThan(-60);
    expect(rmsDb(pcm, RATE, 0.7, 7.2)).toBeGreaterThan(-12);

    // Windows across the loop points at 3 s and 6 s.
    const windows = [
      { start: 2.7, end: 3.4 },
      { start: 5.5, end: 6.5 },
    ];
    const before = logged('mute done in-process').length;
    const looped = await mute('looped.mp4', { intervals: windows });
    expect(logged('mute done in-process').length).toBe(before + 1);
    await checkMute('looped.mp4', windows, looped.result, looped.path);
    const loopedPcm = await decodePcm(looped.path, RATE);
    for (const w of windows) expect(rmsDb(loopedPcm, RATE, w.start + 0.03, w.end - 0.03)).toBeLessThan(-60);
    const loopedSource = await decodePcm(join(h.dir, 'looped.mp4'), RATE);
    for (const [a, b] of [
      [0.2, 2.65],
      [3.45, 5.45],
      [6.55, 8.8],
    ] as const) {
      expect(Math.abs(rmsDb(loopedPcm, RATE, a, b) - rmsDb(loopedSource, RATE, a, b))).toBeLessThanOrEqual(0.5);
    }
  });

  it('an input that breaks off while the muted spans are read is input_unreachable', async () => {
    await ffmpeg(['-i', join(h.dir, 'tone.mp4'), '-c', 'copy', join(h.dir, 'breaks.mp4')]);
    h.media.breakReads('breaks.mp4', 1000, 20_000);
    await expect(mute('breaks.mp4', { intervals: [{ start: 3, end: 4 }] })).rejects.toMatchObject({
      code: 'input_unreachable',
      retryable: true,
    });
    expect(logged('operation crashed')).toEqual([]);
  });

  it('leaves MP3 audio and whole-track denoise to the ffmpeg path, which still mutes right', async () => {
    const mp3 = await mute('mp3.mp4', { intervals: [{ start: 1, end: 2 }] });
    expect(JSON.parse(logged('mute falls back to ffmpeg').at(-1)!).reason).toBe(
      'audio other than mono or stereo AAC-LC',
    );
    expect(rmsDb(await decodePcm(mp3.path, RATE), RATE, 1.05, 1.95)).toBeLessThan(-60);
    expect(await videoPacketHashes(mp3.path)).toEqual(await videoPacketHashes(join(h.dir, 'mp3.mp4')));

    const denoised = await mute('tone.mp4', { mode: 'fade', intervals: [{ start: 3, end: 5 }] });
    expect(JSON.parse(logged('mute falls back to ffmpeg').at(-1)!).reason).toBe('denoise changes the whole track');
    expect(rmsDb(await decodePcm(denoised.path, RATE), RATE, 3.05, 4.95)).toBeLessThan(-40);
  });
});
