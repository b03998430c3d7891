import { describe, expect, it } from 'vitest';
import { matchKeywords, matchScore, normalizeText, similarity } from '../../src/library/keyword-matcher.ts';
import { parseSrt } from '../../src/core/srt.ts';

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
});
