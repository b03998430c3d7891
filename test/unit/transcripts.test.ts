import { describe, expect, it } from 'vitest';
import { parseSrt } from '../../src/core/srt.ts';
import { alignScript, checkWords, srtToWords, wordsToSrt } from '../../src/library/transcripts.ts';
import { validateTranscriptWords } from '../../src/providers/gemini-transcript.ts';

describe('alignScript', () => {
  it('keeps the script order and puts each word inside one span, by length', () => {
    const spans = [
      { start: 1, end: 3 },
      { start: 6, end: 8 },
    ];
    const words = alignScript('one two three four', spans, 10);
    expect(words.map((w) => w.text)).toEqual(['one', 'two', 'three', 'four']);
    for (const w of words) {
      const inside = spans.some((s) => w.start >= s.start && w.end <= s.end);
      expect(inside, JSON.stringify(w)).toBe(true);
      expect(w.end).toBeGreaterThan(w.start);
    }
    // 4 s of speech; weights 4,4,6,5 of 19: "one" and "two" (8/19 → 1.7 s) in the first span.
    expect(words[1]!.end).toBeLessThanOrEqual(3);
    expect(words[3]!.start).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < words.length; i++) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
  });

  it('uses the whole media when no speech was detected, and ignores spans outside it', () => {
    expect(alignScript('a b', [], 4)).toEqual([
      { text: 'a', start: 0, end: 1 },
      { text: 'b', start: 2, end: 3 },
    ]);
    expect(alignScript('a', [{ start: 5, end: 9 }], 4)).toEqual([{ text: 'a', start: 0, end: 2 }]);
    expect(alignScript('   ', [{ start: 0, end: 1 }], 4)).toEqual([]);
  });
});

describe('wordsToSrt', () => {
  it('makes cues of at most 42 characters and 5 s that parse back', () => {
    const words = Array.from({ length: 40 }, (_, i) => ({ text: `word${i}`, start: i * 0.4, end: i * 0.4 + 0.3 }));
    const { cues, problems } = parseSrt(wordsToSrt(words));
    expect(problems).toEqual([]);
    expect(cues.map((c) => c.text).join(' ')).toBe(words.map((w) => w.text).join(' '));
    for (const c of cues) {
      expect(c.text.length).toBeLessThanOrEqual(42);
      expect(c.end - c.start).toBeLessThanOrEqual(5);
    }
  });
});

describe('edits', () => {
  it('reads words back from an edited SRT within each cue', () => {
    const words = srtToWords('1\n00:00:01,000 --> 00:00:03,000\nab cd\n\n2\n00:00:05,000 --> 00:00:06,000\nef\n');
    expect(words.map((w) => w.text)).toEqual(['ab', 'cd', 'ef']);
    expect(words[0]!.start).toBe(1);
    expect(words[1]!.end).toBeLessThanOrEqual(3);
    expect(words[2]).toMatchObject({ start: 5 });
  });

  it('refuses a broken SRT and bad words with the place of the problem', () => {
    expect(() => srtToWords('1\n00:00:03,000 --> 00:00:02,000\nx\n')).toThrow(/block 1/);
    expect(() =>
      checkWords(
        [
          { text: 'a', start: 0, end: 1 },
          { text: 'b', start: 0.5, end: 2 },
        ],
        10,
      ),
    ).toThrow(/words\[1\]: starts before/);
    expect(() => checkWords([{ text: ' ', start: 0, end: 1 }], 10)).toThrow(/words\[0\]: text is empty/);
    expect(() => checkWords([{ text: 'a', start: 0, end: 11 }], 10)).toThrow(/ends after the media/);
  });
});

describe("Gemini's words", () => {
  it('clamps to the audio, orders, and drops what cannot be a word', () => {
    const { kept, dropped } = validateTranscriptWords(
      [
        { text: 'late', start: 2, end: 2.5 },
        { text: 'early', start: -0.2, end: 0.4 },
        { text: '  ', start: 1, end: 1.2 },
        { text: 'past', start: 9, end: 9.5 },
        { text: 'tail', start: 2.8, end: 3.6 },
      ],
      3,
    );
    expect(kept).toEqual([
      { text: 'early', start: 0, end: 0.4 },
      { text: 'late', start: 2, end: 2.5 },
      { text: 'tail', start: 2.8, end: 3 },
    ]);
    expect(dropped).toBe(2);
  });
});
