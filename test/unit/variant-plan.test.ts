import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  decidePiece,
  fillToTarget,
  mapSpeechToVariant,
  MIN_PIECE_SECONDS,
  orderCandidates,
} from '../../src/library/variant-plan.ts';

const seg = (id: string, duration: number, extra: Partial<Candidate> = {}): Candidate => ({
  id,
  duration,
  isFavorite: false,
  usageCount: 0,
  ...extra,
});
const ids = (list: Candidate[]) => list.map((c) => c.id);

describe('variant planning', () => {
  const five = [seg('a', 5.2), seg('b', 4.5), seg('c', 5.9), seg('d', 5.4), seg('e', 5)];

  it('sequential: assignment order, each variant starting one segment further on', () => {
    expect(ids(orderCandidates(five, 'sequential', 1, 1))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ids(orderCandidates(five, 'sequential', 1, 2))).toEqual(['b', 'c', 'd', 'e', 'a']);
    expect(ids(orderCandidates(five, 'sequential', 99, 7))).toEqual(['b', 'c', 'd', 'e', 'a']);
  });

  it('random: reproducible per (seed, variant), different across variants, a permutation', () => {
    const v1 = ids(orderCandidates(five, 'random', 42, 1));
    expect(ids(orderCandidates(five, 'random', 42, 1))).toEqual(v1);
    expect([...v1].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const variants = new Set([1, 2, 3, 4, 5, 6].map((v) => ids(orderCandidates(five, 'random', 42, v)).join('')));
    expect(variants.size).toBeGreaterThan(3);
  });

  it('weighted: long, favourite and little-used segments come first more often', () => {
    const pool = [
      seg('short', 1),
      seg('long', 8),
      seg('fav', 1, { isFavorite: true }),
      seg('worn', 8, { usageCount: 20 }),
    ];
    const firsts = new Map<string, number>();
    for (let v = 1; v <= 2000; v++) {
      const first = orderCandidates(pool, 'weighted', 7, v)[0]!.id;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // Weights 1, 8, 2, 8/21: "long" first most often, the much-used long one least.
    expect(firsts.get('long')!).toBeGreaterThan(firsts.get('fav')!);
    expect(firsts.get('fav')!).toBeGreaterThan(firsts.get('short')!);
    expect(firsts.get('short')!).toBeGreaterThan(firsts.get('worn')!);
  });

  it('fills to the target with whole segments and one shortened last piece', () => {
    const { pieces, duration } = fillToTarget(five, 15);
    expect(pieces.map((p) => [p.candidate.id, p.duration, p.whole, p.outputStart])).toEqual([
      ['a', 5.2, true, 0],
      ['b', 4.5, true, 5.2],
      ['c', expect.closeTo(5.3, 9), false, 9.7],
    ]);
    expect(duration).toBeCloseTo(15, 9);
  });

  it('skips a segment when the time left is too short to cut from it, trying shorter ones', () => {
    expect(decidePiece(0.3, 4)).toEqual({ take: 'skip' });
    expect(decidePiece(0.3, 0.32)).toEqual({ take: 'whole' });
    expect(decidePiece(MIN_PIECE_SECONDS, 4)).toEqual({ take: 'trim', duration: MIN_PIECE_SECONDS });
    const { pieces, duration } = fillToTarget([seg('a', 9.7), seg('b', 5), seg('c', 0.3)], 10);
    expect(pieces.map((p) => p.candidate.id)).toEqual(['a', 'c']);
    expect(duration).toBeCloseTo(10, 9);
  });

  it('uses everything when the material is shorter than the target', () => {
    const { pieces, duration } = fillToTarget([seg('a', 3), seg('b', 2)], 15);
    expect(pieces.every((p) => p.whole)).toBe(true);
    expect(duration).toBe(5);
  });

  it('maps source speech onto the variant timeline, clipped to each piece and merged across small gaps', () => {
    const spans = mapSpeechToVariant([
      // Piece 1: source [10, 15) at 0; speech 12–13 and 14.8–20 (clipped at 15).
      {
        sourceStart: 10,
        duration: 5,
        outputStart: 0,
        speech: [
          { start: 12, end: 13 },
          { start: 14.8, end: 20 },
          { start: 30, end: 31 },
        ],
      },
      // Piece 2: source [0, 4) at 5; speech 0.1–1 → 5.1–6 (merged with 4.8–5: gap 0.1).
      {
        sourceStart: 0,
        duration: 4,
        outputStart: 5,
        speech: [
          { start: 0.1, end: 1 },
          { start: 3, end: 3.5 },
        ],
      },
    ]);
    expect(spans).toEqual([
      { start: 2, end: 3 },
      { start: 4.8, end: 6 },
      { start: 8, end: 8.5 },
    ]);
  });
});
