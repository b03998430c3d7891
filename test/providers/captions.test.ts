import { describe, expect, it } from 'vitest';
import {
  type CharacterAlignment,
  alignmentToSrt,
  alignmentToWords,
  cuesToSrt,
  shiftCues,
  wordsToCues,
} from '../../src/providers/captions.ts';
import { formatSrtTimestamp } from '../../shared/srt.ts';

/** An alignment where every character lasts `step` seconds, starting at `t0`. */
function evenAlignment(text: string, step = 0.05, t0 = 0): CharacterAlignment {
  const characters = Array.from(text);
  return {
    characters,
    character_start_times_seconds: characters.map((_, i) => +(t0 + i * step).toFixed(3)),
    character_end_times_seconds: characters.map((_, i) => +(t0 + (i + 1) * step).toFixed(3)),
  };
}

describe('alignmentToWords', () => {
  it('groups characters into words, keeping punctuation and exact first/last character times', () => {
    const words = alignmentToWords(evenAlignment('Hi there, you.', 0.1));
    expect(words).toEqual([
      { text: 'Hi', start: 0, end: 0.2 },
      { text: 'there,', start: 0.3, end: 0.9 },
      { text: 'you.', start: 1.0, end: 1.4 },
    ]);
  });

  it('treats runs of whitespace and newlines as one separator and ignores leading/trailing space', () => {
    const words = alignmentToWords(evenAlignment('  one \n\t two  ', 0.1));
    expect(words.map((w) => w.text)).toEqual(['one', 'two']);
    expect(words[0]!.start).toBeCloseTo(0.2, 6);
    expect(words[1]!.end).toBeCloseTo(1.2, 6);
  });

  it('returns no words for an empty alignment', () => {
    expect(
      alignmentToWords({ characters: [], character_start_times_seconds: [], character_end_times_seconds: [] }),
    ).toEqual([]);
  });
});

describe('wordsToCues', () => {
  const word = (text: string, start: number, end = start + 0.3) => ({ text, start, end });

  it('caps a cue at 7 words', () => {
    const words = 'a b c d e f g h i j'.split(' ').map((w, i) => word(w, i * 0.4));
    const cues = wordsToCues(words);
    expect(cues.map((c) => c.text)).toEqual(['a b c d e f g', 'h i j']);
    expect(cues[0]).toMatchObject({ start: 0, end: 6 * 0.4 + 0.3 });
  });

  it('caps a cue at 42 characters, counting the spaces', () => {
    const words = ['internationalisation', 'considerations', 'matter', 'here'].map((w, i) => word(w, i * 0.5));
    const cues = wordsToCues(words);
    for (const cue of cues) expect(cue.text.length).toBeLessThanOrEqual(42);
    expect(cues.map((c) => c.text)).toEqual(['internationalisation considerations matter', 'here']);
  });

  it('ends a cue at a sentence end, and at a comma once it holds 3 words', () => {
    const words = ['Stop.', 'Look', 'at', 'this,', 'then', 'go,', 'now'].map((w, i) => word(w, i * 0.4));
    expect(wordsToCues(words).map((c) => c.text)).toEqual(['Stop.', 'Look at this,', 'then go, now']);
  });

  it('starts a new cue after a pause', () => {
    const words = [word('before', 0, 0.4), word('the', 0.5, 0.7), word('pause', 2.0, 2.4), word('after', 2.5, 2.8)];
    expect(wordsToCues(words).map((c) => c.text)).toEqual(['before the', 'pause after']);
  });

  it('never produces overlapping cues even from overlapping word timings', () => {
    const words = [word('one.', 0, 1.2), word('two', 1.0, 1.5)];
    const cues = wordsToCues(words);
    expect(cues[0]!.end).toBeLessThanOrEqual(cues[1]!.start);
  });
});

describe('SRT', () => {
  it('formats HH:MM:SS,mmm with rounding to the millisecond', () => {
    expect(formatSrtTimestamp(0)).toBe('00:00:00,000');
    expect(formatSrtTimestamp(3661.5)).toBe('01:01:01,500');
    expect(formatSrtTimestamp(59.9996)).toBe('00:01:00,000');
    expect(formatSrtTimestamp(-2)).toBe('00:00:00,000');
    expect(formatSrtTimestamp(100 * 3600 + 0.007)).toBe('100:00:00,007');
  });

  it('numbers cues from 1 and separates them with blank lines', () => {
    const srt = cuesToSrt([
      { start: 0.5, end: 1.25, text: 'Hello' },
      { start: 1.3, end: 2, text: 'world' },
    ]);
    expect(srt).toBe('1\n00:00:00,500 --> 00:00:01,250\nHello\n\n2\n00:00:01,300 --> 00:00:02,000\nworld\n');
  });

  it('keeps cue text from breaking the file: no blank lines, no timing arrows, no empty cues', () => {
    const srt = cuesToSrt([
      { start: 0, end: 1, text: 'line one\n\n\nline --> two' },
      { start: 1, end: 2, text: '   ' },
      { start: 3, end: 3, text: 'zero length' },
      { start: 4, end: 5, text: 'last' },
    ]);
    expect(srt).toBe(
      '1\n00:00:00,000 --> 00:00:01,000\nline one\nline -> two\n\n2\n00:00:04,000 --> 00:00:05,000\nlast\n',
    );
  });

  it('turns an alignment into an SRT whose cues start and end on the spoken characters', () => {
    const text = 'Welcome to Cutroom. We cut your long videos into short clips, automatically.';
    const alignment = evenAlignment(text, 0.06, 0.25);
    const srt = alignmentToSrt(alignment);
    const blocks = srt.trim().split('\n\n');
    const timings = blocks.map((b) => b.split('\n')[1]!);
    expect(timings[0]!.startsWith(formatSrtTimestamp(0.25))).toBe(true);
    const lastCharEnd = alignment.character_end_times_seconds.at(-1)!;
    expect(timings.at(-1)!.endsWith(formatSrtTimestamp(lastCharEnd))).toBe(true);
    // Every word appears once, in order.
    const captionWords = blocks.flatMap((b) => b.split('\n').slice(2).join(' ').split(' '));
    expect(captionWords).toEqual(text.split(' '));
    expect(blocks[0]!.split('\n')[2]).toBe('Welcome to Cutroom.');
  });

  it('shifts cues by an offset', () => {
    expect(shiftCues([{ start: 1, end: 2, text: 'x' }], 10)).toEqual([{ start: 11, end: 12, text: 'x' }]);
  });
});
