import { describe, expect, it } from 'vitest';
import {
  MatchBudget,
  MatchWorkExceeded,
  matchKeywords,
  matchScore,
  normalizeText,
  similarity,
} from '../../src/library/keyword-matcher.ts';
import { MATCH_WORK_LIMIT } from '../../src/core/limits.ts';
import { parseSrt } from '../../src/core/srt.ts';
import { ordinaryMatchInput, seeded, srtOf, worstCaseMatchInput } from '../helpers/match-inputs.ts';
import { referenceMatchKeywords, referenceSimilarity } from '../helpers/reference-keyword-matcher.ts';

describe('keyword matching', () => {
  it('folds diacritics and strips punctuation', () => {
    expect(normalizeText('Ștefan, ÎNCĂ: décant!')).toBe('stefan inca decant');
  });

  it('scores exact, prefix, contains and similar words', () => {
    expect(matchScore('decant', 'decant', 0.7)).toBe(1);
    expect(matchScore('decantare', 'decant', 0.7)).toBe(0.95);
    expect(matchScore('redecant', 'decant', 0.7)).toBe(0.9);
    expect(matchScore('decamt', 'decant', 0.7)).toBeCloseTo(similarity('decamt', 'decant'), 3);
    expect(similarity('decamt', 'decant')).toBeCloseTo(0.833, 2);
    expect(matchScore('table', 'decant', 0.7)).toBe(0);
  });

  it('matches across punctuation and diacritics, sorted by time, deduplicated within 1 s', () => {
    const { cues } = parseSrt(
      [
        '1',
        '00:00:05,000 --> 00:00:06,000',
        'Now the Decant, slowly',
        '',
        '2',
        '00:00:05,500 --> 00:00:06,500',
        'decant again',
        '',
        '3',
        '00:00:01,000 --> 00:00:02,000',
        'Parfumul de vară',
        '',
        '4',
        '00:00:09,000 --> 00:00:10,000',
        'one more decant',
        '',
      ].join('\n'),
    );
    const matches = matchKeywords(
      cues,
      [
        { segment_id: 'seg_a', keywords: ['decant'] },
        { segment_id: 'seg_b', keywords: ['parfum', 'vara'] },
      ],
      0.7,
    );
    expect(matches.map((m) => [m.segment_id, m.keyword, m.srt_timestamp, m.confidence])).toEqual([
      ['seg_b', 'vara', 1, 1],
      ['seg_b', 'parfum', 1, 0.95],
      ['seg_a', 'decant', 5, 1],
      ['seg_a', 'decant', 9, 1],
    ]);
  });

  it('matches multi-word keywords as phrases and honours min_confidence', () => {
    const { cues } = parseSrt('1\n00:00:01,000 --> 00:00:02,000\nour new running shoes\n');
    expect(matchKeywords(cues, [{ segment_id: 's', keywords: ['running shoes'] }], 0.5)).toHaveLength(1);
    expect(matchKeywords(cues, [{ segment_id: 's', keywords: ['runing'] }], 0.96)).toHaveLength(0);
    expect(matchKeywords(cues, [{ segment_id: 's', keywords: ['runing'] }], 0.9)).toHaveLength(1);
  });

  it('never keeps fuzzy matches below 0.7 similarity, even with a lower min_confidence', () => {
    const { cues } = parseSrt('1\n00:00:01,000 --> 00:00:02,000\nWe woke up before sunrise\n');
    expect(similarity('we', 'waves')).toBeCloseTo(0.571, 3);
    expect(similarity('sunrise', 'surf')).toBeCloseTo(0.545, 3);
    expect(matchKeywords(cues, [{ segment_id: 's', keywords: ['waves', 'surf', 'market'] }], 0.5)).toEqual([]);
    // sunset ~ sunrise is 0.77: the original's fuzzy matcher kept it too; min_confidence can drop it.
    expect(matchKeywords(cues, [{ segment_id: 's', keywords: ['sunset'] }], 0.5).map((m) => m.confidence)).toEqual([
      0.769,
    ]);
    expect(matchKeywords(cues, [{ segment_id: 's', keywords: ['sunset'] }], 0.8)).toEqual([]);
  });

  it('gives exactly what the plain algorithm gives (random inputs, every confidence)', () => {
    const random = seeded(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const words = ['decant', 'décanter', 'parfum', 'vară', 'running', 'shoes', 'sunrise', 'sunset', 'market', 'we'];
    const noisy = (w: string) => {
      const r = random();
      if (r < 0.2) return w.slice(1);
      if (r < 0.4) return `${w}${pick(['s', 'ing', 'ed'])}`;
      if (r < 0.5) return `re${w}`;
      if (r < 0.6) return w.replace(/[aeiou]/, pick(['a', 'e', 'x']));
      return w;
    };
    for (let round = 0; round < 60; round++) {
      const texts = Array.from({ length: 6 }, () =>
        Array.from({ length: 1 + Math.floor(random() * 9) }, () => noisy(pick(words)))
          .join(pick([' ', ', ', ' - ', '! ']))
          .concat(pick(['', '.', '?'])),
      );
      const cues = parseSrt(srtOf(texts)).cues;
      const sources = [
        { segment_id: 'a', keywords: Array.from({ length: 4 }, () => noisy(pick(words))) },
        { segment_id: 'b', keywords: [`${pick(words)} ${noisy(pick(words))}`, pick(words).toUpperCase(), '!!'] },
      ];
      for (const confidence of [0, 0.5, 0.7, 0.8, 0.9, 0.95, 1]) {
        expect(matchKeywords(cues, sources, confidence)).toEqual(referenceMatchKeywords(cues, sources, confidence));
      }
    }
  });

  it('computes the same similarity ratio as the plain recursion', () => {
    const random = seeded(11);
    const word = (n: number) => Array.from({ length: n }, () => 'abcdeé'[Math.floor(random() * 6)]).join('');
    for (let i = 0; i < 500; i++) {
      const a = word(Math.floor(random() * 30));
      const b = word(Math.floor(random() * 30));
      expect(similarity(a, b)).toBe(referenceSimilarity(a, b));
    }
  });

  it('agrees with the plain algorithm on an ordinary request, with the work far under the budget', () => {
    const { keywords, srt } = ordinaryMatchInput(100, 300);
    const cues = parseSrt(srt).cues;
    const sources = [{ segment_id: 's', keywords }];
    const budget = new MatchBudget();
    expect(matchKeywords(cues, sources, 0.5, { budget })).toEqual(referenceMatchKeywords(cues, sources, 0.5));
    expect(budget.spent).toBeLessThan(MATCH_WORK_LIMIT / 10);
  });

  it('fits an hour of subtitles against 500 keywords in the budget', () => {
    const { keywords, srt } = ordinaryMatchInput(500, 1800);
    const budget = new MatchBudget();
    const matches = matchKeywords(parseSrt(srt).cues, [{ segment_id: 's', keywords }], 0.7, { budget });
    expect(matches.length).toBeGreaterThan(0);
    expect(budget.spent).toBeLessThanOrEqual(MATCH_WORK_LIMIT);
  });

  it('stops the worst input within its work budget instead of running for minutes', () => {
    // 50 keywords of ~100 characters against ~480 KB of long cues: the plain matcher needs about
    // 30 billion similarity cells for this (bench/match-srt.ts); the bounded one stops at the limit.
    const { keywords, srt } = worstCaseMatchInput();
    const cues = parseSrt(srt).cues;
    const budget = new MatchBudget();
    let refused: unknown;
    try {
      matchKeywords(cues, [{ segment_id: 's', keywords }], 0.5, { budget });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(MatchWorkExceeded);
    expect(budget.spent).toBeLessThanOrEqual(MATCH_WORK_LIMIT);
    expect(budget.spent).toBeGreaterThan(MATCH_WORK_LIMIT * 0.9);
    // The cheap bounds keep most windows from the quadratic ratio even here.
    expect(budget.ratios).toBeLessThan(10_000);
  });

  it('refuses at once, doing no work, an input whose plain scan alone is over the budget', () => {
    const { srt } = worstCaseMatchInput();
    const keywords = Array.from({ length: 2500 }, (_, i) => `keyword number ${i}`);
    const budget = new MatchBudget();
    expect(() => matchKeywords(parseSrt(srt).cues, [{ segment_id: 's', keywords }], 0.5, { budget })).toThrow(
      MatchWorkExceeded,
    );
    expect(budget.spent).toBe(0);
  });
});
