import { describe, expect, it } from 'vitest';
import { buildKeywordTimeline } from '../../../src/pipeline/keyword-timeline.ts';
import {
  type Candidate,
  selectVariantSegments,
  topUpToTarget,
  totalDuration,
} from '../../../src/pipeline/variant-selection.ts';

const cand = (start: number, duration: number, score: number): Candidate => ({
  start,
  end: start + duration,
  duration,
  motion_score: score,
  variance_score: 0,
  combined_score: score,
});

describe('selectVariantSegments', () => {
  const pool = Array.from({ length: 20 }, (_, i) => cand(i * 3, 3, ((i * 7) % 11) / 10));

  it('reaches the target exactly, without overlaps, in time order', () => {
    const picks = selectVariantSegments(pool, { target: 10, count: 1, index: 0, duration: 60 });
    expect(totalDuration(picks)).toBe(10);
    for (let i = 1; i < picks.length; i++) expect(picks[i]!.start).toBeGreaterThanOrEqual(picks[i - 1]!.end);
  });

  it('opens each variant in its own zone of the video', () => {
    const first = selectVariantSegments(pool, { target: 9, count: 3, index: 0, duration: 60 });
    const last = selectVariantSegments(pool, { target: 9, count: 3, index: 2, duration: 60 });
    expect(first.some((p) => p.start < 20)).toBe(true);
    expect(last.some((p) => p.start >= 40)).toBe(true);
    expect(first).not.toEqual(last);
  });
});

describe('topUpToTarget', () => {
  it('fills a short variant with the best free windows, trimming the last', () => {
    const pool = [cand(0, 2.5, 0.9), cand(10, 2.5, 0.8), cand(20, 2.5, 0.7), cand(1, 2.5, 0.95)];
    const { segments, added } = topUpToTarget([cand(0, 2.5, 0.9)], pool, 6);
    expect(added).toBe(2);
    expect(segments.map((s) => [s.start, s.end])).toEqual([
      [0, 2.5],
      [10, 12.5],
      [20, 21],
    ]);
  });

  it('leaves a variant that already reaches its target alone', () => {
    const full = [cand(0, 3, 1), cand(5, 3, 1)];
    expect(topUpToTarget(full, [cand(10, 3, 1)], 6)).toEqual({ segments: full, added: 0 });
  });
});

describe('buildKeywordTimeline', () => {
  const main = [cand(0, 3, 1), cand(10, 3, 1), cand(20, 3, 1), cand(30, 3, 1)];
  const pool = [cand(100, 3, 1), cand(200, 3, 1)];

  it('inserts a secondary moment before the main segment whose output span holds the keyword', () => {
    const timeline = buildKeywordTimeline(main, [{ time: 4, keyword: 'coffee', secondary: 0 }], [pool], {
      variantIndex: 0,
      target: 10,
      insertDuration: 2,
    });
    expect(timeline).toEqual([
      { source: 'main', start: 0, end: 3 },
      { source: 0, start: 100, end: 102, keyword: 'coffee' },
      { source: 'main', start: 10, end: 13 },
      { source: 'main', start: 20, end: 22 },
    ]);
  });

  it('picks a different secondary moment per variant and never reuses one within a variant', () => {
    const hits = [
      { time: 1, keyword: 'a', secondary: 0 },
      { time: 4, keyword: 'b', secondary: 0 },
      { time: 8, keyword: 'c', secondary: 0 },
    ];
    const v0 = buildKeywordTimeline(main, hits, [pool], { variantIndex: 0, target: 12, insertDuration: 1 }).filter(
      (i) => i.source === 0,
    );
    const v1 = buildKeywordTimeline(main, hits, [pool], { variantIndex: 1, target: 12, insertDuration: 1 }).filter(
      (i) => i.source === 0,
    );
    expect(v0.map((i) => i.start)).toEqual([100, 200]);
    expect(v1[0]!.start).toBe(200);
    expect(new Set(v0.map((i) => i.start)).size).toBe(v0.length);
  });

  it('ignores keywords after the target and stops at the target', () => {
    const timeline = buildKeywordTimeline(main, [{ time: 50, keyword: 'late', secondary: 0 }], [pool], {
      variantIndex: 0,
      target: 7,
      insertDuration: 2,
    });
    expect(timeline.every((i) => i.source === 'main')).toBe(true);
    expect(timeline.reduce((n, i) => n + i.end - i.start, 0)).toBeCloseTo(7, 6);
  });
});
