/**
 * The engine-independent post-processing, on hand-made probability tracks with 10 ms frames so every
 * boundary is known exactly.
 */
import { describe, expect, it } from 'vitest';
import type { DetectVoiceParams } from '../../../shared/processor/operations.ts';
import { probabilitiesToSegments } from '../../src/analysis/speech-segments.ts';

const HOP = 0.01;
const DEFAULTS: DetectVoiceParams = {
  threshold: 0.5,
  min_speech_duration: 0.25,
  min_silence_duration: 0.1,
  padding: 0,
};

/** A track of `seconds` at probability 0.05, with the given [start, end, probability] spans written in. */
function track(seconds: number, spans: [number, number, number][]) {
  const probabilities = new Float32Array(Math.round(seconds / HOP)).fill(0.05);
  for (const [start, end, p] of spans) probabilities.fill(p, Math.round(start / HOP), Math.round(end / HOP));
  return { probabilities, hop: HOP };
}

describe('probabilitiesToSegments', () => {
  it('turns runs above the threshold into segments with their mean probability', () => {
    const segments = probabilitiesToSegments(
      track(5, [
        [1, 2, 0.9],
        [3, 3.5, 0.7],
      ]),
      DEFAULTS,
      5,
    );
    expect(segments).toEqual([
      { start: 1, end: 2, duration: 1, confidence: 0.9 },
      { start: 3, end: 3.5, duration: 0.5, confidence: 0.7 },
    ]);
  });

  it('keeps speech through dips above threshold − 0.15 once it started (hysteresis)', () => {
    const input = track(4, [
      [1, 1.5, 0.8],
      [1.5, 1.8, 0.4],
      [1.8, 2, 0.8],
    ]);
    expect(probabilitiesToSegments(input, DEFAULTS, 4)).toHaveLength(1);
    // A run that never reaches the threshold does not start speech.
    expect(probabilitiesToSegments(track(4, [[1, 2, 0.45]]), DEFAULTS, 4)).toEqual([]);
  });

  it('merges gaps shorter than min_silence_duration before dropping short speech', () => {
    // Two 0.15 s bursts 0.05 s apart: each alone is under min_speech, merged they are 0.35 s.
    const input = track(3, [
      [1, 1.15, 0.9],
      [1.2, 1.35, 0.9],
    ]);
    expect(probabilitiesToSegments(input, DEFAULTS, 3)).toEqual([
      { start: 1, end: 1.35, duration: 0.35, confidence: 0.9 },
    ]);
    expect(probabilitiesToSegments(input, { ...DEFAULTS, min_silence_duration: 0.04 }, 3)).toEqual([]);
  });

  it('pads, clamps to [0, duration] and merges overlaps', () => {
    const input = track(3, [
      [0.05, 0.5, 0.9],
      [0.9, 1.4, 0.6],
      [2.7, 3, 0.8],
    ]);
    const segments = probabilitiesToSegments(input, { ...DEFAULTS, padding: 0.25 }, 3);
    expect(segments).toHaveLength(2);
    expect(segments[0]).toMatchObject({ start: 0, end: 1.65, duration: 1.65 });
    // Confidence is over the speech frames only (45 at 0.9, 50 at 0.6), not the padding.
    expect(segments[0]!.confidence).toBeCloseTo((45 * 0.9 + 50 * 0.6) / 95, 4);
    expect(segments[1]).toMatchObject({ start: 2.45, end: 3, duration: 0.55, confidence: 0.8 });
  });

  it('honours the threshold', () => {
    const input = track(3, [[1, 2, 0.7]]);
    expect(probabilitiesToSegments(input, { ...DEFAULTS, threshold: 0.6 }, 3)).toHaveLength(1);
    expect(probabilitiesToSegments(input, { ...DEFAULTS, threshold: 0.8 }, 3)).toEqual([]);
  });
});
