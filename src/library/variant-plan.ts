/**
 * Which segments make a variant, in which order, and how much of each: pure functions, so the same
 * job input always yields the same variants (a redelivered job redoes exactly the variant it lost).
 *
 * Order per selection mode:
 * - `sequential`: the assignment order, each variant starting one segment further on (variant k
 *   starts at entry k mod n), so variants differ whenever the material exceeds the target;
 * - `random`: a seeded shuffle;
 * - `weighted`: a seeded weighted shuffle (Efraimidis–Spirakis) with weight
 *   duration × (2 if favourite) ÷ (1 + usage_count): longer and favourite segments come first more
 *   often, much-used ones less (the original's "weighted" was longest first, the same every time).
 *
 * Filling: whole segments while they fit; the first one that does not fit is cut to the time left
 * (from its start) when at least MIN_PIECE_SECONDS remain, otherwise later, shorter segments are
 * tried. The variant ends within FILL_TOLERANCE_SECONDS of the target when there is enough material.
 */
import { roundMs } from '../../shared/seconds.ts';

export type SelectionMode = 'random' | 'sequential' | 'weighted';

export interface Candidate {
  id: string;
  duration: number;
  isFavorite: boolean;
  usageCount: number;
}

/** A trimmed piece shorter than this is a flash, not a shot: try another segment instead. */
export const MIN_PIECE_SECONDS = 0.5;
/** Close enough to the target to stop. */
export const FILL_TOLERANCE_SECONDS = 0.05;

/** mulberry32: small, fast, good enough for shuffles; seeded so runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One stream per (run seed, variant index): variants of a run differ, a rerun repeats them. */
export function variantRandom(seed: number, variantIndex: number): () => number {
  return seededRandom((seed ^ Math.imul(variantIndex + 1, 0x9e3779b1)) >>> 0);
}

export function orderCandidates<T extends Candidate>(
  candidates: readonly T[],
  mode: SelectionMode,
  seed: number,
  variantIndex: number,
): T[] {
  const n = candidates.length;
  if (!n) return [];
  if (mode === 'sequential') {
    const shift = (((variantIndex - 1) % n) + n) % n;
    return [...candidates.slice(shift), ...candidates.slice(0, shift)];
  }
  const random = variantRandom(seed, variantIndex);
  if (mode === 'random') {
    const out = [...candidates];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  // Smallest exponential key first: key = -ln(u) / w.
  return candidates
    .map((c) => {
      const weight = (Math.max(1e-6, c.duration) * (c.isFavorite ? 2 : 1)) / (1 + Math.max(0, c.usageCount));
      return { c, key: -Math.log(1 - random()) / weight };
    })
    .sort((a, b) => a.key - b.key)
    .map((e) => e.c);
}

export type PieceDecision = { take: 'whole' } | { take: 'trim'; duration: number } | { take: 'skip' };

/** What to do with a segment of `duration` seconds when `remaining` seconds are left to fill. */
export function decidePiece(remaining: number, duration: number): PieceDecision {
  if (duration <= remaining + FILL_TOLERANCE_SECONDS) return { take: 'whole' };
  if (remaining >= MIN_PIECE_SECONDS) return { take: 'trim', duration: remaining };
  return { take: 'skip' };
}

export interface PlannedPiece<T> {
  candidate: T;
  /** Seconds taken from the segment's start. */
  duration: number;
  whole: boolean;
  /** Where the piece starts in the variant. */
  outputStart: number;
}

/** The whole fill with known durations (the job decides piece by piece, as cuts are measured). */
export function fillToTarget<T extends Candidate>(
  ordered: readonly T[],
  target: number,
): { pieces: PlannedPiece<T>[]; duration: number } {
  const pieces: PlannedPiece<T>[] = [];
  let total = 0;
  for (const candidate of ordered) {
    const remaining = target - total;
    if (remaining < FILL_TOLERANCE_SECONDS) break;
    const decision = decidePiece(remaining, candidate.duration);
    if (decision.take === 'skip') continue;
    const duration = decision.take === 'whole' ? candidate.duration : decision.duration;
    pieces.push({ candidate, duration, whole: decision.take === 'whole', outputStart: total });
    total += duration;
    if (decision.take === 'trim') break;
  }
  return { pieces, duration: total };
}

export interface TimeSpan {
  start: number;
  end: number;
}

/**
 * Speech intervals of the sources mapped onto the variant's timeline: for each piece taken from
 * source time `sourceStart`, the speech inside [sourceStart, sourceStart + duration) shifted to the
 * piece's place in the variant; spans closer than `mergeGap` (the original's 0.4 s) merged.
 */
export function mapSpeechToVariant(
  pieces: readonly { sourceStart: number; duration: number; outputStart: number; speech: readonly TimeSpan[] }[],
  mergeGap = 0.4,
): TimeSpan[] {
  const mapped: TimeSpan[] = [];
  for (const p of pieces) {
    const from = p.sourceStart;
    const to = p.sourceStart + p.duration;
    for (const s of p.speech) {
      const start = Math.max(s.start, from);
      const end = Math.min(s.end, to);
      if (end - start > 1e-3) mapped.push({ start: start - from + p.outputStart, end: end - from + p.outputStart });
    }
  }
  mapped.sort((a, b) => a.start - b.start);
  const merged: TimeSpan[] = [];
  for (const span of mapped) {
    const last = merged[merged.length - 1];
    if (last && span.start - last.end <= mergeGap) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged.map((s) => ({ start: roundMs(s.start), end: roundMs(s.end) }));
}
