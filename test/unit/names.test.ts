import { describe, expect, it } from 'vitest';
import { safeFilename } from '../../src/core/filenames.ts';
import { nameField, textField, withoutFormatting } from '../../src/core/names.ts';

const hostile = [
  'clip\u0000.mp4',
  'invoice\u202Egpj.exe',
  'a\u2066b\u2069',
  'zero\u200Bwidth',
  'bell\u0007',
  'c1\u0085control',
  'b\uFEFFom',
  'arabic mark\u061C',
];

describe('names and text', () => {
  it('refuses control, bidirectional and invisible formatting characters in names', () => {
    for (const value of hostile) {
      const parsed = nameField(100).safeParse(value);
      expect(parsed.success, JSON.stringify(value)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/control characters/);
    }
    expect(nameField(100).safeParse('line\nbreak').success).toBe(false);
    expect(nameField(100).parse('  Ștefan — «été» 東京 🎬  ')).toBe('Ștefan — «été» 東京 🎬');
  });

  it('keeps line breaks and tabs in text, nothing else of the kind', () => {
    expect(textField(100).parse('first line\r\n\tsecond')).toBe('first line\r\n\tsecond');
    for (const value of hostile) expect(textField(100).safeParse(value).success, JSON.stringify(value)).toBe(false);
  });

  it('strips them from names we did not ask for, and from download file names', () => {
    expect(withoutFormatting('invoice\u202Egpj.exe\u0000')).toBe('invoicegpj.exe');
    expect(safeFilename('invoice\u202Egpj.mp4')).toBe('invoice_gpj.mp4');
  });
});
