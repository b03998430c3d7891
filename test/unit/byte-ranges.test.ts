import { describe, expect, it } from 'vitest';
import { contentRange, decideRange } from '../../src/storage/byte-ranges.ts';

describe('decideRange', () => {
  const size = 1000;
  it('serves the whole object without a usable Range header', () => {
    expect(decideRange(null, size)).toEqual({ kind: 'full' });
    expect(decideRange('', size)).toEqual({ kind: 'full' });
    // Other units, several ranges, garbage and reversed ranges are ignored (RFC 9110 allows it).
    expect(decideRange('items=0-5', size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=0-1,5-9', size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=abc', size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=9-3', size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=-', size)).toEqual({ kind: 'full' });
  });

  it('resolves a-b, a- and suffix ranges', () => {
    expect(decideRange('bytes=0-0', size)).toEqual({ kind: 'partial', offset: 0, length: 1 });
    expect(decideRange('bytes=10-19', size)).toEqual({ kind: 'partial', offset: 10, length: 10 });
    expect(decideRange('bytes=990-', size)).toEqual({ kind: 'partial', offset: 990, length: 10 });
    expect(decideRange('bytes=-10', size)).toEqual({ kind: 'partial', offset: 990, length: 10 });
    expect(decideRange('BYTES=5-6', size)).toEqual({ kind: 'partial', offset: 5, length: 2 });
  });

  it('clips ends past the object and suffixes longer than it', () => {
    expect(decideRange('bytes=900-5000', size)).toEqual({ kind: 'partial', offset: 900, length: 100 });
    expect(decideRange('bytes=-5000', size)).toEqual({ kind: 'partial', offset: 0, length: 1000 });
  });

  it('is unsatisfiable past the end, for empty suffixes and for empty objects', () => {
    expect(decideRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=1000-2000', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('reads positions beyond 2^53 as past the end, not as no range at all', () => {
    expect(decideRange('bytes=9007199254740993-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=99999999999999999999-99999999999999999999', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=10-99999999999999999999', size)).toEqual({ kind: 'partial', offset: 10, length: 990 });
    expect(decideRange('bytes=-99999999999999999999', size)).toEqual({ kind: 'partial', offset: 0, length: 1000 });
  });

  it('formats Content-Range', () => {
    expect(contentRange(10, 10, 1000)).toBe('bytes 10-19/1000');
  });
});
