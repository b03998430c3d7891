/**
 * Tags on source videos, segments and clips: short labels a team filters its library by. One rule
 * for all three: Unicode NFKC, trimmed, inner whitespace collapsed to one space, lower-cased (so
 * `Summer Sale` and `summer  sale` are one tag); letters, digits, spaces and `-_.:/+#&'` only;
 * 1–MAX_TAG_LENGTH characters; at most MAX_TAGS per resource; duplicates (after normalising) kept once.
 */
import { z } from 'zod';
import { MAX_TAGS, MAX_TAG_LENGTH } from './limits.ts';

const TAG_CHARACTERS = /^[\p{L}\p{N}\p{M} \-_.:/+#&']+$/u;

/** The tag as stored and matched. */
export function normaliseTag(raw: string): string {
  return raw.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** One tag (a `?tag=` filter value): normalised, or refused with a reason. */
export const tagValue = z
  .string()
  .transform(normaliseTag)
  .pipe(
    z
      .string()
      .min(1, 'a tag must not be empty')
      .max(MAX_TAG_LENGTH, `a tag has at most ${MAX_TAG_LENGTH} characters`)
      .regex(TAG_CHARACTERS, "a tag may contain letters, digits, spaces and - _ . : / + # & ' only"),
  );

/** What the API document says of a `tags` field. */
export const TAG_LIST_DESCRIPTION = `Replaces every tag: at most ${MAX_TAGS} of 1–${MAX_TAG_LENGTH} characters (letters, digits, spaces and - _ . : / + # & '), normalised (NFKC, trimmed, inner whitespace collapsed, lower-case; duplicates kept once)`;

/** A resource's whole set of tags (replaces the previous set), normalised and de-duplicated. */
export const tagList = z
  .array(tagValue)
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .transform((tags) => [...new Set(tags)]);
