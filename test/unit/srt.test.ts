import { describe, expect, it } from 'vitest';
import { formatSrt } from '../../shared/srt.ts';
import { parseSrt } from '../../src/core/srt.ts';

describe('parseSrt', () => {
  it('parses CRLF files with comma or dot millis and multi-line text', () => {
    const srt =
      '1\r\n00:00:01,500 --> 00:00:03.250\r\nHello\r\nworld\r\n\r\n2\r\n00:00:04.000 --> 00:00:05,000\r\nAgain\r\n';
    expect(parseSrt(srt)).toEqual({
      cues: [
        { index: 1, start: 1.5, end: 3.25, text: 'Hello world' },
        { index: 2, start: 4, end: 5, text: 'Again' },
      ],
      problems: [],
    });
  });

  it('reports bad blocks with their line and keeps the good ones', () => {
    const srt = [
      '1',
      '00:00:01,000 --> 00:00:02,000',
      'ok',
      '',
      '2',
      'not a timing',
      'lost',
      '',
      '3',
      '00:00:05,000 --> 00:00:04,000',
      'backwards',
      '',
      '4',
      '00:00:06,000 --> 00:00:07,000',
      '',
      '5',
      '00:00:08,000 --> 00:00:09,000',
      'fine',
    ].join('\n');
    const { cues, problems } = parseSrt(srt);
    expect(cues.map((c) => c.text)).toEqual(['ok', 'fine']);
    expect(problems).toEqual([
      { block: 2, line: 5, reason: 'no "start --> end" timing line' },
      { block: 3, line: 10, reason: 'end time is not after start time' },
      { block: 4, line: 14, reason: 'cue has no text' },
    ]);
  });

  it('accepts missing cue numbers, hours omitted and a BOM', () => {
    const { cues } = parseSrt('\uFEFF00:01,000 --> 00:02,500\nshort form\n');
    expect(cues).toEqual([{ index: 1, start: 1, end: 2.5, text: 'short form' }]);
  });

  it('round-trips through formatSrt', () => {
    const cues = [
      { start: 0.04, end: 1.5, text: 'a' },
      { start: 3661.007, end: 3662, text: 'b' },
    ];
    expect(formatSrt(cues)).toBe('1\n00:00:00,040 --> 00:00:01,500\na\n\n2\n01:01:01,007 --> 01:01:02,000\nb\n');
    expect(parseSrt(formatSrt(cues)).cues.map(({ start, end, text }) => ({ start, end, text }))).toEqual(cues);
  });
});
