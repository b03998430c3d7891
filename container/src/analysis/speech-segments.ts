/**
 * Turns per-frame speech probabilities into speech segments, the same way for every engine:
 * threshold (with hysteresis) → speech runs → merge gaps shorter than `min_silence_duration` → drop
 * speech shorter than `min_speech_duration` → pad by `padding`, clamped to [0, duration] → merge
 * overlaps. `confidence` is the mean probability over the speech frames a segment was built from.
 */
import { roundMs } from '../../../shared/seconds.ts';
import type { DetectVoiceParams, VoiceSegment } from '../../../shared/processor/operations.ts';

export interface FrameProbabilities {
  /** Probability that frame i, covering [i·hop, (i+1)·hop) seconds, holds speech. */
  probabilities: Float32Array;
  /** Seconds per frame. */
  hop: number;
}

/**
 * Once in speech, stay in it while the probability is above threshold − this. Silero's own
 * get_speech_timestamps does the same; it stops short dips inside words from splitting speech.
 */
const HYSTERESIS = 0.15;

interface Span {
  start: number;
  end: number;
  /** Sum of probabilities and count of the speech frames behind this span. */
  probabilitySum: number;
  frames: number;
}

function speechRuns(input: FrameProbabilities, threshold: number, duration: number): Span[] {
  const { probabilities, hop } = input;
  const release = Math.max(0, threshold - HYSTERESIS);
  const runs: Span[] = [];
  let current: Span | null = null;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const inSpeech = current ? p >= release : p >= threshold;
    if (inSpeech) {
      if (!current) current = { start: i * hop, end: 0, probabilitySum: 0, frames: 0 };
      current.end = Math.min(duration, (i + 1) * hop);
      current.probabilitySum += p;
      current.frames += 1;
    } else if (current) {
      runs.push(current);
      current = null;
    }
  }
  if (current) runs.push(current);
  return runs;
}

function mergeWhile(spans: Span[], shouldMerge: (previous: Span, next: Span) => boolean): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const previous = merged[merged.length - 1];
    if (previous && shouldMerge(previous, span)) {
      previous.end = Math.max(previous.end, span.end);
      previous.probabilitySum += span.probabilitySum;
      previous.frames += span.frames;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

export function probabilitiesToSegments(
  input: FrameProbabilities,
  params: DetectVoiceParams,
  duration: number,
): VoiceSegment[] {
  const runs = speechRuns(input, params.threshold, duration);
  const bridged = mergeWhile(runs, (previous, next) => next.start - previous.end < params.min_silence_duration);
  const longEnough = bridged.filter((span) => span.end - span.start >= params.min_speech_duration);
  const padded = longEnough.map((span) => ({
    ...span,
    start: Math.max(0, span.start - params.padding),
    end: Math.min(duration, span.end + params.padding),
  }));
  const merged = mergeWhile(padded, (previous, next) => next.start <= previous.end);
  return merged.map((span) => {
    const start = roundMs(span.start);
    const end = roundMs(span.end);
    return {
      start,
      end,
      duration: roundMs(end - start),
      confidence: span.frames > 0 ? Math.round((span.probabilitySum / span.frames) * 1e4) / 1e4 : 0,
    };
  });
}
