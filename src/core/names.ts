/**
 * Names and free text people type (profile, project, video and clip names, file names,
 * descriptions): one rule for all of them, so no name can carry a NUL byte into a file name or
 * header, or a bidirectional override that makes `exe.mp4` display as `mp4.exe`.
 *
 * - names (`nameField`): one line, trimmed; no control characters (C0, DEL, C1), no bidirectional
 *   embeddings/overrides/isolates/marks, no zero-width or other invisible format characters;
 * - text (`textField`): the same, except that line breaks and tabs are kept.
 * Refused with 400 and the field's path (never silently altered, so what is stored is what was sent).
 */
import { z } from 'zod';

/** Bidirectional controls and invisible format characters (ALM, ZWSP…RLM, LRE…RLO, WJ…PDI, BOM). */
export const FORMAT_CHARACTERS = '\\u061C\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2069\\uFEFF';
const NAME_FORBIDDEN = new RegExp(`[\\p{Cc}${FORMAT_CHARACTERS}]`, 'u');
const TEXT_FORBIDDEN = new RegExp(
  `[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F${FORMAT_CHARACTERS}]`,
  'u',
);

export const NAME_CHARACTERS_MESSAGE =
  'must not contain control characters or invisible/bidirectional formatting characters';

/** Why a name cannot be stored, or null when it can. */
export function nameProblem(value: string): string | null {
  return NAME_FORBIDDEN.test(value) ? NAME_CHARACTERS_MESSAGE : null;
}

/** Why a text cannot be stored, or null when it can. */
export function textProblem(value: string): string | null {
  return TEXT_FORBIDDEN.test(value) ? NAME_CHARACTERS_MESSAGE : null;
}

/** A name we did not ask for (a file name from a multipart header) with those characters removed. */
export function withoutFormatting(value: string): string {
  return value.replace(new RegExp(NAME_FORBIDDEN.source, 'gu'), '').trim();
}

/** A required one-line name: trimmed, 1–`max` characters, no control or formatting characters. */
export function nameField(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !NAME_FORBIDDEN.test(v), NAME_CHARACTERS_MESSAGE);
}

/** Free text of up to `max` characters: line breaks and tabs allowed, other control characters not. */
export function textField(max: number) {
  return z
    .string()
    .max(max)
    .refine((v) => !TEXT_FORBIDDEN.test(v), NAME_CHARACTERS_MESSAGE);
}
