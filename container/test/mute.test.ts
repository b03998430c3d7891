/**
 * mute: levels inside and outside the muted windows measured on the decoded output, and the video
 * packets compared with the input's (stream copy, not a re-encode).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePcm, makeVideo, probe, rmsDb, videoPacketHashes, videoWithSound } from './fixtures/video.ts';
import { buildSpeechFixture } from './fixtures/speech.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
let sourcePcm: Float32Array;
let sourceHashes: string[];
const RATE = 48000;

beforeAll(async () => {
  h = await startHarness();
  await makeVideo(join(h.dir, 'tone.mp4'), { duration: 8, width: 320, height: 180, amplitude: 0.5 });
  sourcePcm = await decodePcm(join(h.dir, 'tone.mp4'), RATE);
  sourceHashes = await videoPacketHashes(join(h.dir, 'tone.mp4'));
});
afterAll(async () => h?.close());

async function mute(name: string, request: Record<string, unknown>) {
  const result = await h.processor.client.run('mute', {
    input: { url: h.media.url('tone.mp4') },
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    mode: 'hard',
    ...request,
  } as never);
  const path = h.media.uploads.get(name)!.path;
  return { result, path, pcm: await decodePcm(path, RATE) };
}

/** Level of the output relative to the source over [a, b], dB. */
const relative = (pcm: Float32Array, a: number, b: number) => rmsDb(pcm, RATE, a, b) - rmsDb(sourcePcm, RATE, a, b);

describe('mute', () => {
  it('hard: below −60 dBFS inside each window, within ±0.5 dB of the source outside, video packets identical', async () => {
    const { result, path, pcm } = await mute('hard.mp4', {
      intervals: [
        { start: 1, end: 2 },
        { start: 3.5, end: 4.2 },
      ],
    });
    expect(result.video_copied).toBe(true);
    expect(result.intervals).toEqual([
      { start: 1, end: 2 },
      { start: 3.5, end: 4.2 },
    ]);
    expect(result.duration).toBeCloseTo(8, 1);
    for (const [a, b] of [
      [1.03, 1.97],
      [3.53, 4.17],
    ] as const)
      expect(rmsDb(pcm, RATE, a, b)).toBeLessThan(-60);
    for (const [a, b] of [
      [0.1, 0.95],
      [2.05, 3.45],
      [4.25, 7.9],
    ] as const)
      expect(Math.abs(relative(pcm, a, b))).toBeLessThanOrEqual(0.5);
    expect(await videoPacketHashes(path)).toEqual(sourceHashes);
    const info = await probe(path);
    expect(info.streams.map((s) => s.codec_type)).toEqual(['video', 'audio']);
  });

  it('duck: keeps the given fraction inside the windows', async () => {
    const { pcm, path } = await mute('duck.mp4', {
      mode: 'duck',
      keep_percentage: 0.25,
      intervals: [{ start: 2, end: 5 }],
    });
    expect(relative(pcm, 2.05, 4.95)).toBeCloseTo(20 * Math.log10(0.25), 0);
    expect(Math.abs(relative(pcm, 0.1, 1.95))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(relative(pcm, 5.05, 7.9))).toBeLessThanOrEqual(0.5);
    expect(await videoPacketHashes(path)).toEqual(sourceHashes);
  });

  it('fade: falls to the kept level over the fade before the window and rises after it (docs/compatibility.md#voice-detection)', async () => {
    const { pcm } = await mute('fade.mp4', {
      mode: 'fade',
      fade_duration: 0.8,
      denoise: false,
      intervals: [{ start: 3, end: 5 }],
    });
    // Inside: 3 % of the level (−30.5 dB).
    expect(relative(pcm, 3.05, 4.95)).toBeCloseTo(20 * Math.log10(0.03), 0);
    // Fading: strictly between the kept level and full level, lower nearer the window.
    const before = [relative(pcm, 2.25, 2.45), relative(pcm, 2.55, 2.75), relative(pcm, 2.8, 2.95)];
    expect(before[0]!).toBeLessThan(-0.5);
    expect(before[0]!).toBeGreaterThan(before[1]!);
    expect(before[1]!).toBeGreaterThan(before[2]!);
    expect(before[2]!).toBeGreaterThan(-30);
    const after = [relative(pcm, 5.05, 5.25), relative(pcm, 5.3, 5.5), relative(pcm, 5.55, 5.75)];
    expect(after[0]!).toBeLessThan(after[1]!);
    expect(after[1]!).toBeLessThan(after[2]!);
    // Untouched beyond the fades.
    expect(Math.abs(relative(pcm, 0.1, 2.15))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(relative(pcm, 5.85, 7.9))).toBeLessThanOrEqual(0.5);
  });

  it('mutes the detected speech when no intervals are given', async () => {
    const fixture = await buildSpeechFixture(join(h.dir, 'speech'), {
      name: 'mute-speech',
      background: 'tone',
      snr_db: 10,
      duration: 9,
      utterances: [
        { text: 'The quick brown fox jumps over the lazy dog.', at: 1.5 },
        { text: 'Mute this part as well.', at: 6 },
      ],
    });
    await videoWithSound(fixture.path, 9, join(h.dir, 'talk.mp4'));
    const result = await h.processor.client.run('mute', {
      input: { url: h.media.url('talk.mp4') },
      output: { url: h.media.uploadUrl('talk-muted.mp4'), content_type: 'video/mp4' },
      mode: 'hard',
    });
    expect(result.intervals.length).toBeGreaterThanOrEqual(2);
    // The detection comes back with the result, the same as `detect-voice` finds on its own.
    const alone = await h.processor.client.run('detect-voice', { input: { url: h.media.url('talk.mp4') } });
    expect(result.detection).toEqual(alone);
    // Each detected segment is muted (widened by the speech margins).
    for (const segment of alone.segments)
      expect(result.intervals.some((i) => i.start <= segment.start && i.end >= segment.end)).toBe(true);
    // The video was copied packet for packet.
    expect(await videoPacketHashes(h.media.uploads.get('talk-muted.mp4')!.path)).toEqual(
      await videoPacketHashes(join(h.dir, 'talk.mp4')),
    );
    const pcm = await decodePcm(h.media.uploads.get('talk-muted.mp4')!.path, RATE);
    const original = await decodePcm(join(h.dir, 'talk.mp4'), RATE);
    for (const span of fixture.speech) {
      // The detected intervals cover the speech: the speech span is silent in the output...
      expect(rmsDb(pcm, RATE, span.start + 0.1, span.end - 0.1)).toBeLessThan(-60);
    }
    // ...and the tone-only stretch before the speech is untouched.
    expect(Math.abs(rmsDb(pcm, RATE, 0.1, 1.2) - rmsDb(original, RATE, 0.1, 1.2))).toBeLessThanOrEqual(0.5);
  });

  it('refuses media without audio', async () => {
    await makeVideo(join(h.dir, 'mute-noaudio.mp4'), { duration: 1, audio: 'none' });
    await expect(
      h.processor.client.run('mute', {
        input: { url: h.media.url('mute-noaudio.mp4') },
        output: { url: h.media.uploadUrl('x.mp4'), content_type: 'video/mp4' },
        mode: 'hard',
        intervals: [{ start: 0, end: 1 }],
      }),
    ).rejects.toMatchObject({ code: 'no_audio_stream' });
  });
});
