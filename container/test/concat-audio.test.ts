/** concat (copy when parameters match, one normalising encode otherwise) and audio (replace / mix: sidechain or constant ducking). */
import { execFile } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bedLevelDb,
  decodedFrameHashes,
  decodePcm,
  grayFrames,
  makePhrases,
  makeTone,
  makeVideo,
  probe,
  psnr,
  rmsDb,
  videoPacketHashes,
} from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const exec = promisify(execFile);
let h: Harness;
const RATE = 48000;
const output = (name: string) => ({ url: h.media.uploadUrl(name), content_type: 'video/mp4' });
const input = (name: string, range: { start?: number; end?: number } = {}) => ({ url: h.media.url(name), ...range });
const uploaded = (name: string) => h.media.uploads.get(name)!.path;
/** When the voice in phrases.m4a sounds. */
const PHRASES: [number, number][] = [
  [0.2, 1.6],
  [3.0, 3.8],
];

beforeAll(async () => {
  h = await startHarness();
  await Promise.all([
    makeVideo(join(h.dir, 'a.mp4'), { duration: 6, width: 320, height: 180, gop: 30 }),
    makeVideo(join(h.dir, 'b.mp4'), { duration: 3, width: 320, height: 180, gop: 30, frequency: 660 }),
    makeVideo(join(h.dir, 'portrait.mp4'), { duration: 2, width: 180, height: 320, fps: 25 }),
    makeVideo(join(h.dir, 'mute.mp4'), { duration: 2, width: 320, height: 180, audio: 'none' }),
    makeVideo(join(h.dir, 'tone.mp4'), { duration: 4, width: 160, height: 90, amplitude: 0.5 }),
    makeTone(join(h.dir, 'voice.m4a'), 3, 660, 0.2),
    // A voice in two phrases with a pause between them.
    makePhrases(join(h.dir, 'phrases.m4a'), PHRASES, 4),
  ]);
});
afterAll(async () => h?.close());

async function decodesCleanly(path: string): Promise<void> {
  const { stderr } = await exec('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', path, '-f', 'null', '-']);
  expect(stderr).toBe('');
}

describe('concat', () => {
  it('joins frame-accurate cuts of same-format clips by stream copy', async () => {
    const result = await h.processor.client.run('concat', {
      inputs: [input('a.mp4', { start: 1.5, end: 3 }), input('b.mp4'), input('a.mp4', { start: 4.2, end: 5 })],
      output: output('joined.mp4'),
    });
    expect(result).toMatchObject({ mode_used: 'copy', width: 320, height: 180 });
    expect(result.duration).toBeCloseTo(1.5 + 3 + 0.8, 1);
    // The whole clip was copied in-process (no remux process); the ffmpeg path is tested below.
    expect(h.processor.logs.some((l) => l.includes('"msg":"whole copy done in-process"'))).toBe(true);
    const path = uploaded('joined.mp4');
    await decodesCleanly(path);
    const frames = await grayFrames(path, 320, 180);
    expect(frames).toHaveLength(45 + 90 + 24);
    const a = await grayFrames(join(h.dir, 'a.mp4'), 320, 180);
    const b = await grayFrames(join(h.dir, 'b.mp4'), 320, 180);
    expect(psnr(frames[0]!, a[45]!)).toBeGreaterThan(35);
    expect(psnr(frames[44]!, a[89]!)).toBeGreaterThan(35);
    expect(psnr(frames[45]!, b[0]!)).toBe(Infinity);
    expect(psnr(frames[135]!, a[126]!)).toBeGreaterThan(35);
    // Sound runs through every join: 440 Hz, then 660 Hz, then 440 Hz, no gaps.
    const pcm = await decodePcm(path, RATE);
    for (const [from, to] of [
      [0.05, 1.45],
      [1.55, 4.45],
      [4.55, 5.25],
    ] as const)
      expect(rmsDb(pcm, RATE, from, to)).toBeGreaterThan(-10);
    const [video, audio] = (await probe(path)).streams;
    expect(Math.abs(Number(audio!.duration) - Number(video!.duration))).toBeLessThan(0.03);
  });

  it('whole clips copied in-process join into the same pictures as through the ffmpeg path', async () => {
    const ffmpegOnly = await startHarness({ PROCESSOR_IN_PROCESS_MP4: '0' });
    try {
      for (const name of ['a.mp4', 'b.mp4']) await copyFile(join(h.dir, name), join(ffmpegOnly.dir, name));
      const request = (on: Harness) => ({
        inputs: [{ url: on.media.url('b.mp4') }, { url: on.media.url('a.mp4') }],
        output: { url: on.media.uploadUrl('whole.mp4'), content_type: 'video/mp4' },
      });
      const ours = await h.processor.client.run('concat', request(h));
      const theirs = await ffmpegOnly.processor.client.run('concat', request(ffmpegOnly));
      expect(ours.mode_used).toBe('copy');
      expect(theirs.mode_used).toBe('copy');
      expect(Math.abs(ours.duration - theirs.duration)).toBeLessThanOrEqual(1 / 30 + 0.001);
      const mine = h.media.uploads.get('whole.mp4')!.path;
      expect(await decodedFrameHashes(mine)).toEqual(
        await decodedFrameHashes(ffmpegOnly.media.uploads.get('whole.mp4')!.path),
      );
      await decodesCleanly(mine);
      const pcm = await decodePcm(mine, RATE);
      for (const [from, to] of [
        [0.05, 2.95],
        [3.05, 8.95],
      ] as const)
        expect(rmsDb(pcm, RATE, from, to)).toBeGreaterThan(-10);
      expect(ffmpegOnly.processor.logs.some((l) => l.includes('in-process'))).toBe(false);
    } finally {
      await ffmpegOnly.close();
    }
  });

  it('an input that cannot be read fails the join with its reason, and the processor keeps serving', async () => {
    h.media.failWith('gone.mp4', 500);
    await expect(
      h.processor.client.run('concat', {
        inputs: [input('a.mp4', { start: 1, end: 2 }), input('gone.mp4'), input('b.mp4')],
        output: output('broken.mp4'),
      }),
    ).rejects.toMatchObject({ code: 'input_unreachable' });
    expect(h.media.uploads.has('broken.mp4')).toBe(false);
    const again = await h.processor.client.run('concat', {
      inputs: [input('b.mp4'), input('a.mp4', { start: 0, end: 1 })],
      output: output('after.mp4'),
    });
    expect(again.mode_used).toBe('copy');
    expect(again.duration).toBeCloseTo(4, 1);
  });

  it('normalises clips of different sizes and frame rates in one encode, filling missing audio with silence', async () => {
    const result = await h.processor.client.run('concat', {
      inputs: [input('a.mp4', { start: 0, end: 2 }), input('portrait.mp4'), input('mute.mp4')],
      output: output('mixed.mp4'),
    });
    expect(result).toMatchObject({ mode_used: 'encode', width: 320, height: 180 });
    expect(result.duration).toBeCloseTo(6, 1);
    const info = await probe(uploaded('mixed.mp4'));
    expect(info.streams.map((s) => s.codec_type)).toEqual(['video', 'audio']);
    expect(info.streams[0]).toMatchObject({ width: 320, height: 180, r_frame_rate: '30/1' });
    const pcm = await decodePcm(uploaded('mixed.mp4'), RATE);
    expect(rmsDb(pcm, RATE, 0.2, 1.8)).toBeGreaterThan(-12);
    expect(rmsDb(pcm, RATE, 4.2, 5.8)).toBeLessThan(-80);
  });

  it('normalises to the requested size and trims to max_duration', async () => {
    const result = await h.processor.client.run('concat', {
      inputs: [input('a.mp4'), input('b.mp4')],
      normalize: { width: 160, height: 160, fps: 25 },
      max_duration: 7,
      output: output('square.mp4'),
    });
    expect(result).toMatchObject({ mode_used: 'encode', width: 160, height: 160 });
    expect(result.duration).toBeCloseTo(7, 1);
  });
});

describe('audio', () => {
  it('replace: the new track only, video packets untouched', async () => {
    const result = await h.processor.client.run('audio', {
      video: input('tone.mp4'),
      audio: input('voice.m4a'),
      mode: 'replace',
      output: output('replaced.mp4'),
    });
    expect(result).toMatchObject({ video_copied: true });
    expect(result.duration).toBeCloseTo(4, 1);
    const out = await decodePcm(uploaded('replaced.mp4'), RATE);
    const voice = await decodePcm(join(h.dir, 'voice.m4a'), RATE);
    expect(Math.abs(rmsDb(out, RATE, 0.2, 2.8) - rmsDb(voice, RATE, 0.2, 2.8))).toBeLessThanOrEqual(0.5);
    expect(await videoPacketHashes(uploaded('replaced.mp4'))).toEqual(await videoPacketHashes(join(h.dir, 'tone.mp4')));
  });

  it('mix, constant ducking: the original stays under the new track at duck_to', async () => {
    await h.processor.client.run('audio', {
      video: input('tone.mp4'),
      audio: input('voice.m4a'),
      mode: 'mix',
      duck_to: 0.1,
      ducking: 'constant',
      output: output('mixed-audio.mp4'),
    });
    const out = await decodePcm(uploaded('mixed-audio.mp4'), RATE);
    const original = await decodePcm(join(h.dir, 'tone.mp4'), RATE);
    const voice = await decodePcm(join(h.dir, 'voice.m4a'), RATE);
    const expected = new Float32Array(out.length).map((_, i) => 0.1 * (original[i] ?? 0) + (voice[i] ?? 0));
    expect(Math.abs(rmsDb(out, RATE, 0.2, 2.8) - rmsDb(expected, RATE, 0.2, 2.8))).toBeLessThanOrEqual(0.5);
    // After the voice-over ends, the original continues at a tenth.
    expect(Math.abs(rmsDb(out, RATE, 3.1, 3.9) - (rmsDb(original, RATE, 3.1, 3.9) - 20))).toBeLessThanOrEqual(0.5);
  });

  // Bed levels measured with the voice taken out of the mix: at duck_to (−20 dB) while the voice
  // sounds, at full level in the pause between its phrases (sidechain) or still at duck_to (constant).
  const bedLevels = async (name: string) => {
    const out = await decodePcm(uploaded(name), RATE);
    const voice = await decodePcm(join(h.dir, 'phrases.m4a'), RATE);
    const original = await decodePcm(join(h.dir, 'tone.mp4'), RATE);
    // Away from the edges of each phrase (attack 20 ms, release 300 ms).
    const level = (start: number, end: number) =>
      bedLevelDb(out, voice, RATE, start, end) - rmsDb(original, RATE, start, end);
    return { voice: [level(0.4, 1.5), level(3.2, 3.7)], pause: level(2.1, 2.9) };
  };

  it('mix, sidechain ducking (the default): the original goes down only while the new track sounds', async () => {
    await h.processor.client.run('audio', {
      video: input('tone.mp4'),
      audio: input('phrases.m4a'),
      mode: 'mix',
      duck_to: 0.1,
      output: output('sidechain.mp4'),
    });
    const levels = await bedLevels('sidechain.mp4');
    for (const during of levels.voice) expect(Math.abs(during - -20), JSON.stringify(levels)).toBeLessThanOrEqual(2);
    expect(Math.abs(levels.pause), JSON.stringify(levels)).toBeLessThanOrEqual(1);

    await h.processor.client.run('audio', {
      video: input('tone.mp4'),
      audio: input('phrases.m4a'),
      mode: 'mix',
      duck_to: 0.1,
      ducking: 'constant',
      output: output('constant.mp4'),
    });
    const constant = await bedLevels('constant.mp4');
    for (const level of [...constant.voice, constant.pause])
      expect(Math.abs(level - -20), JSON.stringify(constant)).toBeLessThanOrEqual(0.5);
  });

  it('trim_to_audio cuts the output to the new track; a silent video just gets the track', async () => {
    const trimmed = await h.processor.client.run('audio', {
      video: input('tone.mp4'),
      audio: input('voice.m4a'),
      mode: 'mix',
      trim_to_audio: true,
      output: output('trimmed.mp4'),
    });
    // The audio ends with the new track; the copied video ends on the first frame it can (B-frames).
    const [video, audio] = (await probe(uploaded('trimmed.mp4'))).streams;
    expect(Number(audio!.duration)).toBeCloseTo(3, 1);
    expect(Number(video!.duration)).toBeGreaterThanOrEqual(3);
    expect(Number(video!.duration)).toBeLessThanOrEqual(3.2);
    expect(trimmed.duration).toBeLessThanOrEqual(3.2);
    await h.processor.client.run('audio', {
      video: input('mute.mp4'),
      audio: input('voice.m4a'),
      mode: 'mix',
      output: output('silent-plus.mp4'),
    });
    const info = await probe(uploaded('silent-plus.mp4'));
    expect(info.streams.map((s) => s.codec_type)).toEqual(['video', 'audio']);
  });
});
