/**
 * Which AAC frames a mute must re-encode, and which it can keep byte for byte. A change of the
 * signal over [S, E) (media samples) touches the frames whose MDCT window (their own block and the
 * next one: 2 × 1024 samples from their decode time) overlaps it; MARGIN frames more on each side
 * leave room to move the joins to where the windows agree (see aac-frame.ts). The encoder is fed
 * WARMUP frames before and TAIL frames after, so its state has settled where its frames are used.
 * Segments whose fed ranges meet are merged.
 */
import type { TimeRange } from '../../../shared/processor/media.ts';

export const AAC_FRAME = 1024;
const MARGIN = 2;
const WARMUP = 8;
const TAIL = 8;
/** The first frames an encoder writes after its input starts are not used (decoder and encoder settling). */
export const MIN_LEAD = 3;
export const MIN_TRAIL = 2;

export interface SpliceSegment {
  /** Source frames fed to the encoder. */
  feedStart: number;
  feedEnd: number;
  /** Frames replaced at the least; the joins may move outward within the fed range. */
  replaceStart: number;
  replaceEnd: number;
}

/** First index whose value is ≥ x in a rising array. */
function lowerBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Segments for presentation spans (seconds) of a track whose frames (1024 samples each) start at
 * `dts` (media timescale `timescale`), presentation starting `mediaStart` into the media. Gaps in
 * the timeline are allowed between segments, not inside one (the encoder's input has none).
 */
export function planAudioSplice(
  spans: readonly TimeRange[],
  dts: ArrayLike<number>,
  timescale: number,
  mediaStart: number,
): SpliceSegment[] {
  const count = dts.length;
  const segments: SpliceSegment[] = [];
  for (const span of spans) {
    const from = span.start * timescale + mediaStart;
    const to = span.end * timescale + mediaStart;
    // Frames whose window [dts, dts + 2048) overlaps [from, to).
    const first = lowerBound(dts, from - 2 * AAC_FRAME + 1);
    const last = lowerBound(dts, to) - 1;
    if (last < first) continue;
    const replaceStart = Math.max(0, first - MARGIN);
    const replaceEnd = Math.min(count, last + 1 + MARGIN);
    const segment = {
      feedStart: Math.max(0, replaceStart - WARMUP),
      feedEnd: Math.min(count, replaceEnd + TAIL),
      replaceStart,
      replaceEnd,
    };
    const previous = segments[segments.length - 1];
    if (previous && segment.feedStart <= previous.feedEnd) {
      previous.feedEnd = Math.max(previous.feedEnd, segment.feedEnd);
      previous.replaceEnd = Math.max(previous.replaceEnd, segment.replaceEnd);
    } else {
      segments.push(segment);
    }
  }
  return segments;
}
