import { describe, expect, it } from 'vitest';
import { type AnalyzedSegment, selectBestSegments, validateSegments } from '../../src/providers/gemini-segments.ts';
import { buildPrompt, frameInterval } from '../../src/providers/gemini.ts';

const seg = (start_time: number, end_time: number, score: number): AnalyzedSegment => ({
  start_time,
  end_time,
  score,
  description: '',
  highlights: [],
  tags: [],
});

describe('selectBestSegments', () => {
  it('takes the best scores first, stops at the target, and returns them in time order', () => {
    const segments = [seg(0, 10, 70), seg(10, 20, 95), seg(20, 30, 80), seg(30, 40, 90), seg(40, 50, 65)];
    expect(selectBestSegments(segments, 25, 60)).toEqual([seg(10, 20, 95), seg(20, 30, 80), seg(30, 40, 90)]);
  });

  it('drops segments under the minimum score', () => {
    expect(selectBestSegments([seg(0, 10, 59), seg(10, 20, 60)], 100, 60)).toEqual([seg(10, 20, 60)]);
  });

  it('skips a segment that would push the total past 1.2 × target but keeps looking', () => {
    // Target 20: 95 (10 s) taken; 90 (15 s) would make 25 > 24, skipped; 80 (10 s) fits.
    const segments = [seg(0, 10, 95), seg(10, 25, 90), seg(30, 40, 80)];
    expect(selectBestSegments(segments, 20, 50)).toEqual([seg(0, 10, 95), seg(30, 40, 80)]);
  });

  it('uses real time overlap: segments that only touch, or share an integer second, are both kept', () => {
    // The original compared integer-second sets: {0..5} and {5..10} "overlap" at second 5.
    expect(selectBestSegments([seg(0, 5, 90), seg(5, 10, 80)], 10, 50)).toEqual([seg(0, 5, 90), seg(5, 10, 80)]);
    expect(selectBestSegments([seg(4.5, 5.4, 90), seg(5.5, 6, 80)], 10, 50)).toEqual([
      seg(4.5, 5.4, 90),
      seg(5.5, 6, 80),
    ]);
  });

  it('rejects real overlaps, however small', () => {
    expect(selectBestSegments([seg(0, 5.2, 90), seg(5.1, 10, 80), seg(10, 12, 70)], 30, 50)).toEqual([
      seg(0, 5.2, 90),
      seg(10, 12, 70),
    ]);
  });

  it('returns nothing for no candidates', () => {
    expect(selectBestSegments([], 30)).toEqual([]);
  });
});

describe('validateSegments', () => {
  const window = { start: 30, end: 60 };

  it('keeps absolute times as they are and never adds the batch start', () => {
    const { kept } = validateSegments(
      [{ start_time: 36, end_time: 42, score: 77, description: ' d ', highlights: [' h ', ''], tags: ['reveal'] }],
      window,
    );
    expect(kept).toEqual([
      { start_time: 36, end_time: 42, score: 77, description: 'd', highlights: ['h'], tags: ['reveal'] },
    ]);
  });

  it('clamps to the window, rounds scores into 0–100 and drops unknown tags', () => {
    const { kept } = validateSegments(
      [
        {
          start_time: 25,
          end_time: 64,
          score: 140.4,
          description: '',
          highlights: [],
          tags: ['REVEAL', 'viral', 'funny'],
        },
      ],
      window,
    );
    expect(kept).toEqual([
      { start_time: 30, end_time: 60, score: 100, description: '', highlights: [], tags: ['reveal', 'funny'] },
    ]);
    expect(validateSegments([{ start_time: 40, end_time: 50, score: -3 }], window).kept[0]!.score).toBe(0);
  });

  it('drops segments that end before they start, collapse on clamping, or are malformed', () => {
    const result = validateSegments(
      [
        { start_time: 50, end_time: 40, score: 80 },
        { start_time: 0, end_time: 6, score: 80 }, // batch-relative answer: wholly before the window
        { start_time: 61, end_time: 70, score: 80 },
        { start_time: '36', end_time: 42, score: 80 },
        { end_time: 42, score: 80 },
        null,
        { start_time: 44, end_time: 48, score: 60 },
      ],
      window,
    );
    expect(result.kept.map((s) => [s.start_time, s.end_time])).toEqual([[44, 48]]);
    expect(result.dropped).toBe(6);
  });
});

describe('frame interval and prompt', () => {
  it('uses the median gap between frames', () => {
    expect(frameInterval([0, 2, 4, 6, 9], 10)).toBe(2);
    expect(frameInterval([5], 6)).toBe(1);
    expect(frameInterval([5], 60)).toBe(2);
  });

  it('tells the model the times are absolute and gives the window and context', () => {
    const prompt = buildPrompt({
      frameCount: 15,
      duration: 89,
      window: { start: 30, end: 60 },
      interval: 2,
      contextText: 'A shoe review',
    });
    expect(prompt).toContain('START OF THE WHOLE VIDEO');
    expect(prompt).toContain('covering 30 s to 60 s');
    expect(prompt).toContain('plus 2 s');
    expect(prompt).toContain('Additional context about the video: A shoe review');
    expect(prompt).toContain(
      'product_demo, talking_head, action, tutorial, before_after, reveal, emotional, funny, educational',
    );
  });
});
