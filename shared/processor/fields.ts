/** Field helpers the contract's schemas share. */
import { z } from 'zod';

/** A field that may be absent; `null` counts as absent, as the processor has always read bodies. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

/** An integer in [min, max] (range first, so an out-of-range value is reported as such). */
export function integer(min: number, max: number) {
  return z.number().min(min).max(max).int();
}

/** A string that must match `pattern`, with a readable reason when it does not. */
export function matching(pattern: RegExp, hint: string, maxLength?: number) {
  const text = maxLength === undefined ? z.string() : z.string().max(maxLength);
  return text.regex(pattern, { error: hint });
}

/** A value from a fixed list, typed as its base type (callers pass values read from storage). */
export function oneOfNumbers(values: readonly number[], hint: string) {
  return z.number().refine((v) => values.includes(v), { error: hint });
}

export function oneOfStrings(values: readonly string[]) {
  return z.string().refine((v) => values.includes(v), { error: `must be one of ${values.join(', ')}` });
}
