/**
 * Motion-based highlight scoring and selection (docs/compatibility.md#motion-scoring), on grayscale frames the `highlights`
 * op decodes with ffmpeg, e.g.
 *   -vf fps=HIGHLIGHT_SAMPLE_FPS,scale=HIGHLIGHT_FRAME_WIDTH:HIGHLIGHT_FRAME_HEIGHT:flags=area,format=gray
 *   -f rawvideo pipe:1
 * (aspect ratio ignored), frame i at time i / HIGHLIGHT_SAMPLE_FPS. Frames of another size are refused.
 *
 * 5 fps gives the same frame spacing (~0.2 s) the original's 15 samples per 3 s window had, so its
 * motion thresholds keep their meaning; 160×90 area-downscaled frames average ~12×12 source pixels
 * each at 1080p, which stands in for the original's 21×21 Gaussian blur against grain.
 */
import type { HighlightWindow, HighlightsResult } from '../../../shared/processor/operations.ts';
import { hammingDistance, perceptualHash, type PerceptualHash } from './phash.ts';

export const HIGHLIGHT_SAMPLE_FPS = 5;
export const HIGHLIGHT_FRAME_WIDTH = 160;
export const HIGHLIGHT_FRAME_HEIGHT = 90;

export interface AnalysisFrame {
  /** Seconds from the start of the media. */
  time: number;
  /** HIGHLIGHT_FRAME_WIDTH × HIGHLIGHT_FRAME_HEIGHT bytes, row-major, 0 = black. */
  gray: Uint8Array;
}

export interface HighlightAnalysisRequest {
  duration: number;
  target_duration: number;
  variant_count: number;
  window?: number;
}

/** Tunables of the original, named. */
const WINDOW_OVERLAP = 0.3;
const MIN_BRIGHTNESS = 0.08; // below: a black window
const MIN_MOTION = 0.008; // below: a dead (static) window
const VARIANT_MIN_MOTION = 0.015;
const SELECT_SIMILARITY_THRESHOLD = 10;
const VARIANT_SIMILARITY_THRESHOLD = 12;
const VARIANT_BUCKETS = 5;
/**
 * A variant's last window is trimmed to land on the target; a remainder shorter than this share of a
 * window is not worth a cut, so the variant ends up to half a window short instead.
 */
const MIN_PIECE_OF_WINDOW = 0.5;

interface ScoredWindow extends HighlightWindow {
  hash: PerceptualHash;
}

export function defaultHighlightWindow(targetDuration: number): number {
  return Math.min(3, Math.max(1.5, targetDuration / 8));
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / n / 255;
}

function meanBrightness(gray: Uint8Array): number {
  if (gray.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < gray.length; i++) sum += gray[i]!;
  return sum / gray.length / 255;
}

/** Window start times: step 0.7 × window while the window fits; one short window for short media. */
function windowStarts(duration: number, window: number): number[] {
  if (duration <= 0) return [];
  if (duration < window) return [0];
  const step = window * (1 - WINDOW_OVERLAP);
  const starts: number[] = [];
  // Index-based to avoid drift from repeated float addition; 1e-9 absorbs rounding at the end.
  for (let i = 0; i * step + window <= duration + 1e-9; i++) starts.push(i * step);
  return starts;
}

function scoreWindows(frames: AnalysisFrame[], duration: number, window: number): ScoredWindow[] {
  const sorted = [...frames].sort((a, b) => a.time - b.time);
  // Motion between consecutive frames, computed once and shared by the overlapping windows.
  const stepDiffs = new Float64Array(Math.max(0, sorted.length - 1));
  for (let i = 0; i + 1 < sorted.length; i++) stepDiffs[i] = meanAbsDiff(sorted[i]!.gray, sorted[i + 1]!.gray);

  const scored: ScoredWindow[] = [];
  let first = 0;
  for (const start of windowStarts(duration, window)) {
    const end = Math.min(duration, start + window);
    while (first < sorted.length && sorted[first]!.time < start - 1e-9) first++;
    let last = first;
    while (last < sorted.length && sorted[last]!.time < end - 1e-9) last++;
    const count = last - first; // frames [first, last)
    if (count === 0) continue;

    let motion = 0;
    if (count >= 2) {
      for (let i = first; i < last - 1; i++) motion += stepDiffs[i]!;
      motion /= count - 1;
    }
    const firstFrame = sorted[first]!;
    const midFrame = sorted[first + Math.floor(count / 2)]!;
    const lastFrame = sorted[last - 1]!;
    const variance =
      count >= 3
        ? (meanAbsDiff(firstFrame.gray, midFrame.gray) +
            meanAbsDiff(midFrame.gray, lastFrame.gray) +
            meanAbsDiff(firstFrame.gray, lastFrame.gray)) /
          3
        : 0;
    const brightness = meanBrightness(midFrame.gray);
    if (brightness < MIN_BRIGHTNESS || motion < MIN_MOTION) continue;

    scored.push({
      start,
      end,
      duration: end - start,
      motion_score: motion,
      variance_score: variance,
      brightness,
      combined_score: 0.6 * motion + 0.3 * variance + 0.1 * (1 - Math.abs(brightness - 0.5)),
      hash: perceptualHash(midFrame.gray, HIGHLIGHT_FRAME_WIDTH, HIGHLIGHT_FRAME_HEIGHT),
    });
  }
  // Best first; ties keep chronological order (sort is stable).
  return scored.sort((a, b) => b.combined_score - a.combined_score);
}

function overlaps(a: TimeSpan, b: TimeSpan): boolean {
  return !(a.end <= b.start + 1e-9 || a.start >= b.end - 1e-9);
}

interface TimeSpan {
  start: number;
  end: number;
}

/** The original's per-window similarity with one hash each: near-identical mid frames. */
function similar(a: ScoredWindow, b: ScoredWindow, threshold: number): boolean {
  return hammingDistance(a.hash, b.hash) < threshold;
}

function byStart(a: TimeSpan, b: TimeSpan): number {
  return a.start - b.start;
}

/** select_best_segments: greedy by score until the target is reached; no overlaps, no look-alikes. */
function selectBest(windows: ScoredWindow[], target: number, similarityThreshold: number): ScoredWindow[] {
  const picked: ScoredWindow[] = [];
  let total = 0;
  for (const candidate of windows) {
    if (total >= target) break;
    if (picked.some((p) => overlaps(candidate, p))) continue;
    if (picked.some((p) => similar(candidate, p, similarityThreshold))) continue;
    picked.push(candidate);
    total += candidate.duration;
  }
  return picked.sort(byStart);
}

/**
 * _select_variant_segments, with its two flaws fixed: the last pick is trimmed so a variant never
 * runs past its target, and windows earlier variants used are taken only when the unused ones
 * cannot fill the target.
 */
function selectVariant(
  pool: ScoredWindow[],
  variantIndex: number,
  variantCount: number,
  target: number,
  window: number,
  usedByEarlier: Set<ScoredWindow>,
): HighlightWindow[] {
  if (pool.length === 0 || target <= 0) return [];
  const minPiece = Math.min(target, window * MIN_PIECE_OF_WINDOW);
  const mediaEnd = Math.max(...pool.map((w) => w.end));
  const zoneLength = mediaEnd / Math.max(1, variantCount);
  const zoneStart = zoneLength * variantIndex;
  const zoneEnd = zoneLength * (variantIndex + 1);

  const picked: ScoredWindow[] = [];
  let total = 0;
  const take = (w: ScoredWindow) => {
    picked.push(w);
    total += w.duration;
  };

  // Step 1: the variant opens with the best window starting in its own zone (pool is best-first).
  const inZone = pool.filter((w) => w.start >= zoneStart && w.start < zoneEnd);
  const opener =
    inZone.find((w) => !usedByEarlier.has(w)) ?? inZone[0] ?? pool.find((w) => !usedByEarlier.has(w)) ?? pool[0]!;
  take(opener);

  // Step 2: round robin over 5 time buckets, each best-first.
  const buckets: ScoredWindow[][] = Array.from({ length: VARIANT_BUCKETS }, () => []);
  for (const w of pool) {
    const bucket = Math.min(VARIANT_BUCKETS - 1, Math.floor((w.start / mediaEnd) * VARIANT_BUCKETS));
    buckets[bucket]!.push(w);
  }
  const acceptable = (w: ScoredWindow, allowReuse: boolean) =>
    !picked.includes(w) &&
    (allowReuse || !usedByEarlier.has(w)) &&
    w.motion_score >= VARIANT_MIN_MOTION &&
    !picked.some((p) => overlaps(w, p)) &&
    !picked.some((p) => similar(w, p, VARIANT_SIMILARITY_THRESHOLD));

  for (const allowReuse of [false, true]) {
    const cursors = new Array<number>(VARIANT_BUCKETS).fill(0);
    let added = true;
    while (total < target && added) {
      added = false;
      for (let b = 0; b < VARIANT_BUCKETS && total < target; b++) {
        const bucket = buckets[b]!;
        while (cursors[b]! < bucket.length) {
          const candidate = bucket[cursors[b]!]!;
          cursors[b]! += 1;
          if (!acceptable(candidate, allowReuse)) continue;
          // The original stops only after passing the target, overshooting by up to a window; here the
          // last window is trimmed to the remainder, unless that is too short to be worth a cut.
          if (target - total < minPiece) return finishVariant(picked, target, usedByEarlier);
          take(candidate);
          added = true;
          break;
        }
      }
    }
    if (total >= target) break;
  }
  return finishVariant(picked, target, usedByEarlier);
}

/** Records the picks as used, then trims the last pick (the one that crossed the target) to end on it. */
function finishVariant(picked: ScoredWindow[], target: number, used: Set<ScoredWindow>): HighlightWindow[] {
  for (const w of picked) used.add(w);
  const out = picked.map(toPublic);
  const excess = out.reduce((sum, w) => sum + w.duration, 0) - target;
  const lastTaken = out[out.length - 1];
  if (lastTaken && excess > 1e-9) {
    lastTaken.duration -= excess;
    lastTaken.end = lastTaken.start + lastTaken.duration;
  }
  return out.sort(byStart).map(rounded);
}

function toPublic(w: ScoredWindow): HighlightWindow {
  return {
    start: w.start,
    end: w.end,
    duration: w.duration,
    motion_score: w.motion_score,
    variance_score: w.variance_score,
    brightness: w.brightness,
    combined_score: w.combined_score,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Times to the millisecond, scores to 4 decimals (as the original's to_dict). */
function rounded(w: HighlightWindow): HighlightWindow {
  return {
    start: round(w.start, 3),
    end: round(w.end, 3),
    duration: round(w.end - w.start, 3),
    motion_score: round(w.motion_score, 4),
    variance_score: round(w.variance_score, 4),
    brightness: round(w.brightness, 4),
    combined_score: round(w.combined_score, 4),
  };
}

export function analyzeHighlights(
  frames: AnalysisFrame[],
  request: HighlightAnalysisRequest,
): Omit<HighlightsResult, 'duration'> {
  const window = request.window ?? defaultHighlightWindow(request.target_duration);
  if (!(window > 0)) throw new RangeError(`analyzeHighlights: window must be positive, got ${window}`);
  const variantCount = Math.max(1, Math.floor(request.variant_count));
  const frameBytes = HIGHLIGHT_FRAME_WIDTH * HIGHLIGHT_FRAME_HEIGHT;
  const misfit = frames.find((f) => f.gray.length !== frameBytes);
  if (misfit) {
    throw new RangeError(
      `analyzeHighlights: frame at ${misfit.time}s has ${misfit.gray.length} bytes, expected ${frameBytes}`,
    );
  }
  const windows = scoreWindows(frames, request.duration, window);

  const selected = selectBest(windows, request.target_duration, SELECT_SIMILARITY_THRESHOLD);

  // As the original's job path: variants draw from a best-first pool sized for all of them, twice over.
  const pool = selectBest(windows, request.target_duration * variantCount * 2, SELECT_SIMILARITY_THRESHOLD).sort(
    (a, b) => b.combined_score - a.combined_score,
  );
  const used = new Set<ScoredWindow>();
  const variants: HighlightWindow[][] = [];
  for (let v = 0; v < variantCount; v++) {
    variants.push(selectVariant(pool, v, variantCount, request.target_duration, window, used));
  }

  return {
    windows: windows.map((w) => rounded(toPublic(w))),
    selected: selected.map((w) => rounded(toPublic(w))),
    variants,
  };
}
