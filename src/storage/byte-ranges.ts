/**
 * HTTP `Range: bytes=…` for one range (RFC 9110 §14): `a-b`, `a-` and the suffix `-n`.
 * A header we do not serve (other units, several ranges, bad syntax) is ignored, as the RFC allows,
 * and the whole object is sent; a range that starts past the end is unsatisfiable (416).
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; offset: number; length: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

export function decideRange(header: string | null | undefined, size: number): RangeDecision {
  if (!header) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  // Digits past 2^53 are past the end of any object: a huge start cannot be satisfied, a huge
  // last position or suffix means "to the end" / "all of it".
  const position = (digits: string) => {
    const n = Number(digits);
    return Number.isSafeInteger(n) ? n : Number.POSITIVE_INFINITY;
  };
  if (first === '') {
    // Suffix range: the last n bytes.
    const n = position(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    const length = Math.min(n, size);
    return { kind: 'partial', offset: size - length, length };
  }
  const start = position(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : position(last);
  if (end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const stop = Math.min(end, size - 1);
  return { kind: 'partial', offset: start, length: stop - start + 1 };
}

export function contentRange(offset: number, length: number, size: number): string {
  return `bytes ${offset}-${offset + length - 1}/${size}`;
}
