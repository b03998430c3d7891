/**
 * File names that came from a user (an upload's name, an output name) made safe to put in a URL
 * path segment or a header. One function, two alphabets, because the two places differ in what
 * they can carry: a download's Content-Disposition has `filename*` for any script, a multipart
 * body sent to another service has no way to encode anything but plain ASCII.
 */
import { FORMAT_CHARACTERS } from './names.ts';

export type FilenameCharset = 'unicode' | 'ascii';

/** Controls, bidirectional/invisible formatting, quotes, path separators, what Windows refuses. */
const FILENAME_FORBIDDEN = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${FORMAT_CHARACTERS}"\\\\/:*?<>|]+`, 'gu');

/**
 * - `unicode` (downloads): any script; controls, quotes, path separators and the characters
 *   Windows refuses become `_`; white space is folded; at most 150 characters.
 * - `ascii` (multipart uploads to Postiz): the last path segment only, then letters, digits, `.`,
 *   `_` and `-`; no leading dots, so never a hidden or relative name; at most 100 characters.
 * What is left empty, `.` or `..` becomes `fallback`.
 */
export function safeFilename(name: string, fallback = 'download', charset: FilenameCharset = 'unicode'): string {
  const cleaned =
    charset === 'ascii'
      ? (name.split(/[\\/]/).pop() ?? '')
          .replace(/[^A-Za-z0-9._-]+/g, '_')
          .replace(/^[._]+/, '')
          .slice(0, 100)
      : name.normalize('NFKC').replace(FILENAME_FORBIDDEN, '_').replace(/\s+/g, ' ').trim().slice(0, 150);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : fallback;
}
