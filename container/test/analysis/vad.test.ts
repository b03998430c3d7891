/**
 * Speech detection on labelled fixtures: eSpeak NG speech placed at known offsets over tones, music-like
 * chords and noise at several SNRs, decoded to 16 kHz mono f32 with ffmpeg as the processor does.
 * Accuracy is frame-level F1 on 10 ms frames against the sample-exact truth.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectVoiceParams, VoiceSegment } from '../../../shared/processor/operations.ts';
import { VAD_SAMPLE_RATE, detectSpeech } from '../../src/analysis/vad.ts';
import {
  type Background,
  type SpeechFixture,
  type Utterance,
  buildSpeechFixture,
  decodePcm16k,
  frameScores,
} from '../fixtures/speech.ts';

const DEFAULTS: DetectVoiceParams = {
  threshold: 0.5,
  min_speech_duration: 0.25,
  min_silence_duration: 0.1,
  padding: 0,
};

const SENTENCES: Utterance[] = [
  { text: 'The quick brown fox jumps over the lazy dog', at: 1.0 },
  { text: 'Please remember to bring your camera tomorrow', at: 6.5 },
  { text: 'We will meet at the station at noon', at: 12.25 },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutroom-vad-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A second speaker: another eSpeak voice, faster, with a one-word utterance. */
const OTHER_VOICE = { voice: 'en-us+f3', words_per_minute: 190 };
const OTHER_SENTENCES: Utterance[] = [
  { text: 'Sixty seven silver ships sailed across the bay', at: 0.5 },
  { text: 'Hello', at: 5.0 },
  { text: 'Every morning she opened the window and listened to the birds', at: 8.0 },
];

async function fixture(
  name: string,
  background: Background,
  snr_db: number,
  utterances: Utterance[],
  duration = 17,
  speaker: { voice?: string; words_per_minute?: number } = {},
): Promise<{ fx: SpeechFixture; pcm: Float32Array }> {
  const fx = await buildSpeechFixture(dir, { name, background, snr_db, duration, utterances, ...speaker });
  return { fx, pcm: await decodePcm16k(fx.path) };
}

const total = (segments: VoiceSegment[]) => segments.reduce((sum, s) => sum + s.duration, 0);

describe('labelled fixtures', () => {
  it('places speech exactly where its truth says', async () => {
    const { fx, pcm } = await fixture('truth-check', 'silence', 0, SENTENCES);
    // Over silence, the first and last audible samples of each utterance are the truth's bounds.
    for (const span of fx.speech) {
      const from = Math.round(span.start * VAD_SAMPLE_RATE);
      const to = Math.round(span.end * VAD_SAMPLE_RATE);
      const audible = (i: number) => Math.abs(pcm[i]!) > 1e-4;
      let first = from - 200;
      while (!audible(first)) first++;
      let last = to + 200;
      while (!audible(last)) last--;
      expect(Math.abs(first - from)).toBeLessThanOrEqual(2);
      expect(Math.abs(last + 1 - to)).toBeLessThanOrEqual(2);
    }
  });
});

describe('detectSpeech accuracy (frame F1 ≥ 0.95 on 10 ms frames)', () => {
  const cases: [Background, number][] = [
    ['silence', 0],
    ['tone', 10],
    ['tone', 0],
    ['music', 10],
    ['music', 5],
    ['white-noise', 20],
    ['white-noise', 10],
    ['white-noise', 5],
    ['pink-noise', 20],
    ['pink-noise', 10],
    ['pink-noise', 5],
  ];
  const speakers = [
    { name: 'en-us', speaker: {}, utterances: SENTENCES },
    { name: 'en-us+f3', speaker: OTHER_VOICE, utterances: OTHER_SENTENCES },
  ];
  for (const { name, speaker, utterances } of speakers) {
    for (const [background, snr] of cases) {
      const label = background === 'silence' ? 'clean speech' : `speech over ${background} at ${snr} dB SNR`;
      it(`${name}: ${label}`, async () => {
        const { fx, pcm } = await fixture(`${name}-${background}-${snr}`, background, snr, utterances, 17, speaker);
        const { segments, engine } = await detectSpeech(pcm, DEFAULTS);
        const scores = frameScores(fx.speech, segments, fx.duration);
        expect(engine).toBe('silero-vad-v5');
        expect(segments).toHaveLength(utterances.length);
        expect(scores.f1, JSON.stringify({ truth: fx.speech, segments, scores })).toBeGreaterThanOrEqual(0.95);
      });
    }
  }

  for (const background of ['tone', 'music', 'white-noise', 'pink-noise'] as const) {
    it(`finds no speech in ${background} alone`, async () => {
      const { pcm } = await fixture(`only-${background}`, background, -20, [], 10);
      const { segments } = await detectSpeech(pcm, DEFAULTS);
      expect(segments).toEqual([]);
    });
  }
});

describe('detectSpeech parameters', () => {
  // A short blip ("Hi"), then two phrases 0.3 s apart, then a long sentence.
  const utterances: Utterance[] = [
    { text: 'Hi', at: 1.0 },
    { text: 'Good morning', at: 4.0 },
    { text: 'everyone here', after_previous: 0.3 },
    { text: 'This sentence is long enough to keep', at: 10.0 },
  ];
  let fx: SpeechFixture;
  let pcm: Float32Array;
  beforeAll(async () => {
    ({ fx, pcm } = await fixture('params', 'pink-noise', 20, utterances, 15));
  });

  const covering = (segments: VoiceSegment[], at: number) => segments.filter((s) => s.start <= at && s.end >= at);

  it('drops speech shorter than min_speech_duration', async () => {
    const blip = fx.speech[0]!;
    const blipMiddle = (blip.start + blip.end) / 2;
    const blipLength = blip.end - blip.start;
    expect(blipLength).toBeLessThan(0.5);

    const kept = await detectSpeech(pcm, { ...DEFAULTS, min_speech_duration: 0.1 });
    expect(covering(kept.segments, blipMiddle)).toHaveLength(1);

    const dropped = await detectSpeech(pcm, { ...DEFAULTS, min_speech_duration: 0.6 });
    expect(covering(dropped.segments, blipMiddle)).toHaveLength(0);
    // The long sentence survives either way.
    expect(covering(dropped.segments, (fx.speech[3]!.start + fx.speech[3]!.end) / 2)).toHaveLength(1);
  });

  it('merges speech separated by less than min_silence_duration', async () => {
    const [, first, second] = fx.speech;
    const splitAt = (first!.end + second!.start) / 2;
    const apart = await detectSpeech(pcm, { ...DEFAULTS, min_silence_duration: 0.1 });
    const inGap = covering(apart.segments, splitAt);
    expect(inGap).toHaveLength(0);
    expect(covering(apart.segments, (first!.start + first!.end) / 2)).toHaveLength(1);
    expect(covering(apart.segments, (second!.start + second!.end) / 2)).toHaveLength(1);

    const merged = await detectSpeech(pcm, { ...DEFAULTS, min_silence_duration: 0.6 });
    const joined = covering(merged.segments, splitAt);
    expect(joined).toHaveLength(1);
    expect(joined[0]!.start).toBeLessThan(first!.start + 0.1);
    expect(joined[0]!.end).toBeGreaterThan(second!.end - 0.1);
  });

  it('pads every segment by `padding` on both sides and merges what then overlaps', async () => {
    const plain = await detectSpeech(pcm, DEFAULTS);
    const padded = await detectSpeech(pcm, { ...DEFAULTS, padding: 0.4 });
    // The 0.3 s gap closes once both sides grow by 0.4 s: one segment fewer.
    expect(padded.segments).toHaveLength(plain.segments.length - 1);
    const last = plain.segments[plain.segments.length - 1]!;
    const lastPadded = padded.segments[padded.segments.length - 1]!;
    expect(lastPadded.start).toBeCloseTo(last.start - 0.4, 3);
    expect(lastPadded.end).toBeCloseTo(last.end + 0.4, 3);
    expect(total(padded.segments)).toBeGreaterThan(total(plain.segments));
  });

  it('clamps padding to the start and end of the audio', async () => {
    const { pcm: edge } = await fixture('edges', 'silence', 0, [{ text: 'Start right away', at: 0.1 }], 3);
    const { segments } = await detectSpeech(edge, { ...DEFAULTS, padding: 5 });
    expect(segments).toHaveLength(1);
    expect(segments[0]!.start).toBe(0);
    expect(segments[0]!.end).toBeCloseTo(edge.length / VAD_SAMPLE_RATE, 3);
  });

  it('detects less speech with a stricter threshold, and reports confidence above it', async () => {
    const { pcm: noisy } = await fixture('threshold', 'white-noise', 5, SENTENCES);
    const normal = await detectSpeech(noisy, DEFAULTS);
    const strict = await detectSpeech(noisy, { ...DEFAULTS, threshold: 0.95 });
    expect(total(strict.segments)).toBeLessThan(total(normal.segments));
    for (const segment of normal.segments) {
      expect(segment.confidence).toBeGreaterThan(0.5);
      expect(segment.confidence).toBeLessThanOrEqual(1);
      expect(segment.duration).toBeCloseTo(segment.end - segment.start, 3);
    }
  });

  it('answers no segments for empty or silent input', async () => {
    expect((await detectSpeech(new Float32Array(0), DEFAULTS)).segments).toEqual([]);
    expect((await detectSpeech(new Float32Array(VAD_SAMPLE_RATE * 2), DEFAULTS)).segments).toEqual([]);
  });
});
