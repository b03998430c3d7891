/**
 * Prefixed, time-ordered ids (`vid_01jd…`): 10 chars of millisecond timestamp and 16 random chars in
 * Crockford base32. Lexical order follows creation order, so cursors can be plain ids.
 */
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

const ID_BODY = /^[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `value` looks like an id of this kind (it may still not exist). */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${idPrefixes[kind]}_`;
  return value.startsWith(prefix) && ID_BODY.test(value.slice(prefix.length));
}

/**
 * A stable id derived from another id and a salt: the same inputs always give the same id, so a
 * redelivered job writes to the same row and object (e.g. the clip of variant 3 of a job). It keeps
 * the time part of `fromId`, so it sorts with the records created by that job.
 */
export async function derivedId(kind: IdKind, fromId: string, salt: string): Promise<string> {
  const body = fromId.slice(fromId.indexOf('_') + 1);
  const time = body.slice(0, 10);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${fromId}\u0000${salt}`)));
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[digest[i]! % 32];
  return `${idPrefixes[kind]}_${time}${rand}`;
}
