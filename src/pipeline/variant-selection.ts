/**
 * Segment candidates and how a variant picks from them (the original's `_select_variant_segments`, docs/compatibility.md#variant-selection,
 * used for Gemini candidates; the processor's highlights op does the same for its own windows).
 * Pure functions.
 */
import { roundMs } from '../../shared/seconds.ts';

/** A scored span of the source, in the original's `/analyze` segment shape (plus Gemini's fields). */
export interface Candidate {
  start: number;
  end: number;
  duration: number;
  motion_score: number;
  variance_score: number;
  combined_score: number;
  /** Gemini: engagement score 0–100 and what it saw. */
  score?: number;
  description?: string;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end;
const BUCKETS = 5;
/** Shorter leftovers are dropped rather than cut into a flash of a clip. */
export const MIN_PIECE_SECONDS = 0.5;

/**
 * Variant `index` (0-based) of `count`: its first pick is the best candidate starting in its own
 * zone of the video (so variants open differently), then it takes round-robin across five time
 * buckets the best unused, non-overlapping candidates until the target is reached. The last pick
 * is trimmed so the total equals the target (the original overshot by up to one window).
 * Chronological result.
 */
export function selectVariantSegments(
  candidates: readonly Candidate[],
  options: { target: number; count: number; index: number; duration: number },
): Candidate[] {
  const { target, count, index, duration } = options;
  const pool = candidates.filter((c) => c.end > c.start);
  if (!pool.length || !(target > 0)) return [];
  const byScore = [...pool].sort((a, b) => b.combined_score - a.combined_score || a.start - b.start);
  const zoneStart = (duration * index) / count;
  const zoneEnd = (duration * (index + 1)) / count;
  const chosen: Candidate[] = [];
  let total = 0;
  const take = (c: Candidate) => {
    const remaining = target - total;
    const piece =
      c.duration > remaining ? { ...c, end: roundMs(c.start + remaining), duration: roundMs(remaining) } : c;
    if (piece.duration < MIN_PIECE_SECONDS && chosen.length > 0) return false;
    chosen.push(piece);
    total += piece.duration;
    return true;
  };
  take(byScore.find((c) => c.start >= zoneStart && c.start < zoneEnd) ?? byScore[0]!);

  const buckets: Candidate[][] = Array.from({ length: BUCKETS }, () => []);
  for (const c of byScore) {
    const b = Math.min(BUCKETS - 1, Math.floor((c.start / Math.max(duration, 1e-9)) * BUCKETS));
    buckets[b]!.push(c);
  }
  let progressed = true;
  while (total < target - 1e-6 && progressed) {
    progressed = false;
    for (const bucket of buckets) {
      if (total >= target - 1e-6) break;
      const next = bucket.find((c) => !chosen.some((p) => overlaps(p, c)));
      if (!next) continue;
      bucket.splice(bucket.indexOf(next), 1);
      if (take(next)) progressed = true;
    }
  }
  return chosen.sort((a, b) => a.start - b.start);
}

export const totalDuration = (segments: readonly { duration: number }[]) =>
  roundMs(segments.reduce((n, s) => n + s.duration, 0));

/**
 * Fills a variant that fell short of its target (e.g. when most windows look alike and the
 * similarity rule rejected them) with the best remaining non-overlapping candidates, the last one
 * trimmed to fit. Returns the chronological result and how many candidates were added.
 */
export function topUpToTarget(
  segments: readonly Candidate[],
  pool: readonly Candidate[],
  target: number,
): { segments: Candidate[]; added: number } {
  const chosen = [...segments];
  let total = chosen.reduce((n, s) => n + s.duration, 0);
  let added = 0;
  const byScore = [...pool]
    .filter((c) => c.end > c.start)
    .sort((a, b) => b.combined_score - a.combined_score || a.start - b.start);
  for (const c of byScore) {
    const remaining = target - total;
    if (remaining < MIN_PIECE_SECONDS) break;
    if (chosen.some((p) => overlaps(p, c))) continue;
    const piece =
      c.duration > remaining ? { ...c, end: roundMs(c.start + remaining), duration: roundMs(remaining) } : c;
    chosen.push(piece);
    total += piece.duration;
    added += 1;
  }
  return { segments: chosen.sort((a, b) => a.start - b.start), added };
}
