/**
 * How deeply a JSON text nests, found with one linear scan (no parsing, no recursion), so a body
 * like `[[[[…]]]]` (a megabyte of it nests 500 000 deep) is refused before anything recursive
 * (parsing, validation, canonical JSON for Idempotency-Key, stringifying) can overflow the stack.
 */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}
