/** SRT parsing/sanitising, subtitle styles, phrase splitting, mute filters and silence spans. */
import { describe, expect, it } from 'vitest';
import { muteFilter } from '../../src/media/mute-filter.ts';
import { normaliseIntervals, widenIntervals } from '../../../shared/time-ranges.ts';
import { keptSpans } from '../../src/ops/silence-remove.ts';
import { assColour, firstFontFamily, forceStyle } from '../../src/subtitles/force-style.ts';
import { formatSrt } from '../../../shared/srt.ts';
import { parseSrt, plainCueText } from '../../src/subtitles/srt.ts';
import { MAX_WORDS, splitPhrases } from '../../src/tts/phrases.ts';

describe('SRT', () => {
  it('parses CRLF files with and without index lines, and writes them back', () => {
    const cues = parseSrt(
      '1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\nworld\r\n\r\n00:00:03.2 --> 00:00:04,000\r\nBye\r\n',
    );
    expect(cues).toEqual([
      { start: 1, end: 2.5, text: 'Hello\nworld' },
      { start: 3.2, end: 4, text: 'Bye' },
    ]);
    expect(parseSrt(formatSrt(cues))).toEqual(cues);
  });

  it('strips markup, ASS overrides, escapes and control characters', () => {
    expect(plainCueText('<font color="red">Hi</font> {\\an8\\pos(1,1)}there\\N\u0007now')).toBe('Hi there／Nnow');
  });

  it('refuses malformed timing', () => {
    expect(() => parseSrt('1\n00:00:02,000 --> 00:00:01,000\nx')).toThrow(/ends before it starts/);
    expect(() => parseSrt('1\nsoon --> later\nx')).toThrow(/not an SRT time/);
    expect(() => parseSrt('just text')).toThrow(/missing/);
  });
});

describe('subtitle style', () => {
  it('takes the first real family of a CSS stack and converts colours to ASS', () => {
    expect(firstFontFamily("var(--font-heading), 'Montserrat', sans-serif")).toBe('Montserrat');
    expect(assColour('#FF8800')).toBe('&H000088FF');
  });

  it('builds force_style with PlayRes at the output size and the original positioning rule', () => {
    const style = {
      font_family: 'DejaVu Sans',
      font_size: 48,
      text_color: '#FFFFFF',
      outline_color: '#000000',
      outline_width: 3,
      position_y: 85,
      bold: false,
    };
    const bottom = forceStyle(style, 1080, 1920);
    expect(bottom).toContain('PlayResX=1080,PlayResY=1920');
    expect(bottom).toContain('Alignment=2');
    expect(bottom).toContain(`MarginV=${Math.round(0.15 * 1920)}`);
    expect(forceStyle({ ...style, position_y: 10 }, 1080, 1920)).toContain('Alignment=8');
  });
});

describe('phrases', () => {
  it('splits at sentences, then clauses, then every few words', () => {
    expect(splitPhrases('One. Two words!  Three?')).toEqual(['One.', 'Two words!', 'Three?']);
    const long = splitPhrases('a b c d e f g h i j k l m n o p q r s t u v w x y z, and then the end.');
    expect(long.every((p) => p.split(' ').length <= MAX_WORDS)).toBe(true);
    expect(long.join(' ')).toBe('a b c d e f g h i j k l m n o p q r s t u v w x y z, and then the end.');
  });
});

describe('mute filters', () => {
  it('normalises intervals: clamped, sorted, merged', () => {
    expect(
      normaliseIntervals(
        [
          { start: 5, end: 20 },
          { start: -1, end: 1 },
          { start: 0.5, end: 2 },
        ],
        10,
      ),
    ).toEqual([
      { start: 0, end: 2 },
      { start: 5, end: 10 },
    ]);
    expect(
      normaliseIntervals(
        [
          { start: 1, end: 2 },
          { start: 2.3, end: 3 },
        ],
        10,
        0.4,
      ),
    ).toEqual([{ start: 1, end: 3 }]);
  });

  it('widens intervals by margins: padded on each side, clamped, merged across gaps up to merge_gap', () => {
    const margins = { pad_before: 0.125, pad_after: 0.25, merge_gap: 0.25 };
    expect(
      widenIntervals(
        [
          { start: 4, end: 5 },
          { start: 1, end: 2 },
          { start: 2.5, end: 3 },
          { start: 9.875, end: 10 },
        ],
        margins,
        10,
      ),
    ).toEqual([
      // 2.25 → 2.375: a 0.125 s gap after padding, muted with its neighbours.
      { start: 0.875, end: 3.25 },
      // 0.625 s from the previous one: kept apart.
      { start: 3.875, end: 5.25 },
      { start: 9.75, end: 10 },
    ]);
    expect(widenIntervals([{ start: 0.05, end: 1 }], margins, 1.1)).toEqual([{ start: 0, end: 1.1 }]);
  });

  it('builds hard, duck and fade filters (fade with the original denoise by default)', () => {
    const ranges = [{ start: 1, end: 2 }];
    expect(muteFilter({ intervals: ranges, mode: 'hard' }, 10)).toBe(
      "asetnsamples=n=256:p=0,volume=0:enable='between(t,1,2)'",
    );
    expect(muteFilter({ intervals: ranges, mode: 'duck', keep: 0.25 }, 10)).toContain('volume=0.25:');
    const fade = muteFilter({ intervals: ranges, mode: 'fade' }, 10)!;
    expect(fade).toContain('eval=frame');
    expect(fade).toContain('pow((1-t)/0.8,2)');
    expect(fade.endsWith('afftdn=nr=25:nf=-20:tn=1')).toBe(true);
    expect(muteFilter({ intervals: [], mode: 'hard' }, 10)).toBeNull();
  });
});

describe('silence removal spans (docs/compatibility.md#silence-removal)', () => {
  it('pads speech and merges across pauses no longer than min_silence', () => {
    const speech = [
      { start: 1, end: 2 },
      { start: 2.4, end: 3 },
      { start: 5, end: 6 },
    ];
    expect(keptSpans(speech, 6.05, 0.3, 0.08)).toEqual([
      { start: 0.92, end: 3.08 },
      { start: 4.92, end: 6.05 },
    ]);
  });
});
