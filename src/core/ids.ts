/**
 * Prefixed, time-ordered ids (`vid_01jd…`): 10 chars of millisecond timestamp and 16 random chars in
 * Crockford base32. Lexical order follows creation order, so cursors can be plain ids.
 */
import { z } from 'zod';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const idPrefixes = {
  profile: 'prf',
  sourceVideo: 'vid',
  segment: 'seg',
  project: 'prj',
  projectSegment: 'psg',
  clip: 'clp',
  clipContent: 'ccn',
  export: 'exp',
  job: 'job',
  cost: 'cst',
  publication: 'pub',
  publishBatch: 'pbt',
  request: 'req',
  webhook: 'whk',
  webhookEvent: 'evt',
  webhookDelivery: 'whd',
  transcript: 'trn',
} as const;
export type IdKind = keyof typeof idPrefixes;

export function newId(kind: IdKind, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${idPrefixes[kind]}_${time}${rand}`;
}

/**
 * The one grammar every id check uses: a three-letter prefix, `_`, 26 lowercase letters or digits.
 * New ids only use the Crockford subset, but every validator accepts the whole `[0-9a-z]` range, so
 * ids minted elsewhere (fixtures, imports) pass the same checks everywhere.
 */
export const ID_BODY_SOURCE = '[0-9a-z]{26}';
/** Any id of any kind (`vid_…`, `seg_…`), as a regex source without anchors. */
export const ANY_ID_SOURCE = `[a-z]{3}_${ID_BODY_SOURCE}`;

/** The regex source (no anchors) of an id of this kind. */
export function idSource(kind: IdKind): string {
  return `${idPrefixes[kind]}_${ID_BODY_SOURCE}`;
}

/** An anchored regex for an id of this kind. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${idSource(kind)}$`);
}

/** True when `value` looks like an id of this kind (it may still not exist). */
export function isId(kind: IdKind, value: string): boolean {
  return idPattern(kind).test(value);
}

/**
 * A zod string that must be an id of this kind, or of any kind (`'any'`, e.g. page cursors).
 * Without `message`, zod's own message names the pattern.
 */
export function idSchema(kind: IdKind | 'any', message?: string) {
  return z.string().regex(new RegExp(`^${kind === 'any' ? ANY_ID_SOURCE : idSource(kind)}$`), message);
}

/**
 * A stable id derived from another id and a salt: the same inputs always give the same id, so a
 * redelivered job writes to the same row and object (e.g. the clip of variant 3 of a job). It keeps
 * the time part of `fromId`, so it sorts with the records created by that job.
 */
export async function derivedId(kind: IdKind, fromId: string, salt: string): Promise<string> {
  const body = fromId.slice(fromId.indexOf('_') + 1);
  const time = body.slice(0, 10);
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${fromId}\u0000${salt}`)),
  );
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[digest[i]! % 32];
  return `${idPrefixes[kind]}_${time}${rand}`;
}
