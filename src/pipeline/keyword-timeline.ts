/**
 * The multi-video timeline (the original's `_build_keyword_timeline`, docs/compatibility.md#keyword-timeline): walk the variant's main
 * segments in order, tracking the OUTPUT time `t` (the SRT describes the final voice-over); when a
 * pending keyword time falls inside the next main segment's span of output time, first insert one
 * segment of that keyword's secondary video (variant-dependent pick, never reused within the
 * variant, at most `insertDuration` long), then the main segment, trimmed to the target. Pure.
 */
import { roundMs } from '../../shared/seconds.ts';
import { MIN_PIECE_SECONDS } from './variant-selection.ts';

export interface Span {
  start: number;
  end: number;
  duration: number;
}

export interface KeywordHit {
  /** Output time of the subtitle that mentions the keyword. */
  time: number;
  keyword: string;
  /** Index of the secondary video the keyword belongs to. */
  secondary: number;
}

export interface TimelineItem {
  /** 'main' or the index of a secondary video. */
  source: 'main' | number;
  start: number;
  end: number;
  keyword?: string;
}

export function buildKeywordTimeline(
  main: readonly Span[],
  hits: readonly KeywordHit[],
  pools: readonly (readonly Span[])[],
  options: { variantIndex: number; target: number; insertDuration: number },
): TimelineItem[] {
  const { variantIndex, target, insertDuration } = options;
  const pending = hits.filter((h) => h.time <= target).sort((a, b) => a.time - b.time);
  const used = pools.map(() => new Set<number>());
  const items: TimelineItem[] = [];
  let t = 0;
  for (const seg of [...main].sort((a, b) => a.start - b.start)) {
    if (t >= target - 1e-6) break;
    const at = pending.findIndex((h) => h.time >= t && h.time < t + seg.duration);
    if (at !== -1) {
      const hit = pending.splice(at, 1)[0]!;
      const pool = pools[hit.secondary] ?? [];
      const available = pool.map((_, i) => i).filter((i) => !used[hit.secondary]!.has(i));
      if (available.length) {
        const pickIndex = available[variantIndex % available.length]!;
        used[hit.secondary]!.add(pickIndex);
        const pick = pool[pickIndex]!;
        const d = Math.min(pick.duration, insertDuration, target - t);
        if (d >= MIN_PIECE_SECONDS) {
          items.push({ source: hit.secondary, start: pick.start, end: roundMs(pick.start + d), keyword: hit.keyword });
          t += d;
        }
      }
    }
    const d = Math.min(seg.duration, target - t);
    if (d < MIN_PIECE_SECONDS) break;
    items.push({ source: 'main', start: seg.start, end: roundMs(seg.start + d) });
    t += d;
  }
  return items;
}
