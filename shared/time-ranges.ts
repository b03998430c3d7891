/**
 * Time ranges to change in a track (muted speech, ducked voice), the same on both sides of the
 * processor boundary: the Worker widens speech before mapping it onto cuts, the processor before
 * muting a whole file.
 */

export interface Range {
  start: number;
  end: number;
}

/** How far an operation reaches around each range (the contract's `MuteMargins`). */
export interface RangeMargins {
  /** Seconds added before each range. */
  pad_before: number;
  /** Seconds added after each range. */
  pad_after: number;
  /** Ranges this close (or closer) after padding become one. */
  merge_gap: number;
}

/** Ranges taken exactly as given. */
export const NO_MARGINS: RangeMargins = { pad_before: 0, pad_after: 0, merge_gap: 0 };

/** Sorted, clamped to [0, duration], empty ones dropped, overlaps (and gaps ≤ mergeGap) merged. */
export function normaliseIntervals(intervals: readonly Range[], duration: number, mergeGap = 0): Range[] {
  const clamped = intervals
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(duration, r.end) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const merged: Range[] = [];
  for (const range of clamped) {
    const last = merged[merged.length - 1];
    if (last && range.start - last.end <= mergeGap) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/** Each range padded by `margins`, then normalised with its merge gap. */
export function widenIntervals(intervals: readonly Range[], margins: RangeMargins, duration: number): Range[] {
  return normaliseIntervals(
    intervals.map((r) => ({ start: r.start - margins.pad_before, end: r.end + margins.pad_after })),
    duration,
    margins.merge_gap,
  );
}
