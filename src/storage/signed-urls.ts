/**
 * Signed media URLs: `${PUBLIC_URL}/media/<token>[/<download-filename>]` (PUBLIC_URL: the deployment's
 * setting, or the request's origin, src/worker.ts), usable where no header can
 * be sent (`<video src>`, `<img src>`), and the media processor's capabilities on its storage host
 * (`${STORAGE_ORIGIN}/v1/objects/<token>`, see shared/processor/storage.ts). The two are the same
 * token with a different `surface`, and each is refused on the other's route.
 *
 * token = base64url(JSON payload) "." base64url(HMAC-SHA256(URL_SIGNING_KEY, payload)).
 * The payload is signed, not encrypted, so it never holds a storage key: it names a resource
 * (`MediaTarget`, a kind + id + variant) and the profile, and the Worker derives the key from them
 * with `storageKeys` under that profile. Verification is constant-time (`crypto.subtle.verify`).
 */
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '../../shared/encoding.ts';
import { STORAGE_OBJECT_PATH, STORAGE_ORIGIN } from '../../shared/processor/storage.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { safeFilename } from '../core/filenames.ts';
import { idSchema } from '../core/ids.ts';
import { DEFAULT_MEDIA_URL_TTL_SECONDS, MAX_MEDIA_URL_TTL_SECONDS } from '../core/limits.ts';
import { joinUrl } from '../core/urls.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../db/scope.ts';
import type { Database } from '../db/client.ts';
import { storageKeys } from './keys.ts';

/** File-name-like variant parts (revision, preset, output name): no slashes, no dot-dot. */
const variantName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]{1,8})?$/i)
  .max(64);

/** Every object a signed URL can point at. Add a kind here (and in `storageKeyOf`) for new media. */
export const mediaTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('source_video'), id: idSchema('sourceVideo') }).strict(),
  z.object({ kind: z.literal('source_thumbnail'), id: idSchema('sourceVideo') }).strict(),
  z.object({ kind: z.literal('source_poster'), id: idSchema('sourceVideo'), name: variantName }).strict(),
  z.object({ kind: z.literal('source_storyboard'), id: idSchema('sourceVideo') }).strict(),
  z.object({ kind: z.literal('segment_extract'), id: idSchema('segment') }).strict(),
  z.object({ kind: z.literal('segment_thumbnail'), id: idSchema('segment') }).strict(),
  z.object({ kind: z.literal('clip_raw'), id: idSchema('clip'), revision: variantName.optional() }).strict(),
  z.object({ kind: z.literal('clip_thumbnail'), id: idSchema('clip') }).strict(),
  z.object({ kind: z.literal('clip_final'), id: idSchema('clip'), preset: variantName }).strict(),
  z.object({ kind: z.literal('clip_voiceover'), id: idSchema('clip') }).strict(),
  z.object({ kind: z.literal('job_output'), id: idSchema('job'), name: variantName }).strict(),
  // `format` absent = png (the tokens issued before SVG logos).
  z.object({ kind: z.literal('brand_logo'), format: z.literal('svg').optional() }).strict(),
]);
export type MediaTarget = z.infer<typeof mediaTargetSchema>;
export type MediaTargetKind = MediaTarget['kind'];

/** The R2 key of a target, always under the scope's profile prefix. */
export function storageKeyOf(scope: ProfileScope, target: MediaTarget): string {
  switch (target.kind) {
    case 'source_video':
      return storageKeys.sourceVideo(scope, target.id);
    case 'source_thumbnail':
      return storageKeys.sourceThumbnail(scope, target.id);
    case 'source_poster':
      return storageKeys.sourcePoster(scope, target.id, target.name);
    case 'source_storyboard':
      return storageKeys.sourceStoryboard(scope, target.id);
    case 'segment_extract':
      return storageKeys.segmentExtract(scope, target.id);
    case 'segment_thumbnail':
      return storageKeys.segmentThumbnail(scope, target.id);
    case 'clip_raw':
      return storageKeys.clipRaw(scope, target.id, target.revision);
    case 'clip_thumbnail':
      return storageKeys.clipThumbnail(scope, target.id);
    case 'clip_final':
      return storageKeys.clipFinal(scope, target.id, target.preset);
    case 'clip_voiceover':
      return storageKeys.clipVoiceover(scope, target.id);
    case 'job_output':
      return storageKeys.jobOutput(scope, target.id, target.name);
    case 'brand_logo':
      return storageKeys.brandLogo(scope, target.format ?? 'png');
  }
}

const payloadSchema = z
  .object({
    v: z.literal(1),
    /** Profile the object belongs to. */
    p: idSchema('profile'),
    t: mediaTargetSchema,
    /** GET (also allows HEAD) or PUT. */
    m: z.enum(['GET', 'PUT']),
    /** Expiry, unix seconds. */
    e: z.number().int().positive(),
    /** GET: serve as an attachment with this file name. */
    a: z.string().max(200).optional(),
    /** PUT: maximum body size in bytes, and whether the body must be exactly that size. */
    n: z.number().int().nonnegative().optional(),
    x: z.literal(1).optional(),
    /** PUT: required Content-Type of the body. */
    c: z.string().max(100).optional(),
    /** PUT of one part of a multipart upload: the R2 upload id and the part number. */
    u: z.string().max(1024).optional(),
    k: z.number().int().min(1).max(10_000).optional(),
    /** Where the token is valid: absent = `/media` (public), `s` = the processor's storage host only. */
    h: z.literal('s').optional(),
  })
  .strict();
type TokenPayload = z.infer<typeof payloadSchema>;

/** Where a token is valid: the public `/media` route, or the processor's storage host. */
export type TokenSurface = 'public' | 'storage';

export interface VerifiedMediaToken {
  surface: TokenSurface;
  /** Scope of the profile named in the (authenticated) token. */
  scope: ProfileScope;
  target: MediaTarget;
  key: string;
  method: 'GET' | 'PUT';
  expiresAt: number;
  attachmentFilename?: string;
  maxBytes?: number;
  exactBytes: boolean;
  contentType?: string;
  part?: { uploadId: string; partNumber: number };
}

// ─── Encoding ────────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder();

const keyCache = new Map<string, Promise<CryptoKey>>();

function signingKey(env: Pick<Bindings, 'URL_SIGNING_KEY'>): Promise<CryptoKey> {
  const secret = env.URL_SIGNING_KEY;
  if (!secret || secret.length < 32) {
    throw new ApiError(
      503,
      'not_configured',
      'Signed media URLs are not configured (URL_SIGNING_KEY, at least 32 characters)',
    );
  }
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

async function signPayload(env: Pick<Bindings, 'URL_SIGNING_KEY'>, payload: TokenPayload): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const mac = await crypto.subtle.sign('HMAC', await signingKey(env), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(mac))}`;
}

function parsePayload(json: Uint8Array | null) {
  if (!json) return null;
  try {
    return payloadSchema.safeParse(JSON.parse(new TextDecoder().decode(json)));
  } catch {
    return null;
  }
}

const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

/**
 * Checks a token's signature (constant time) and expiry and returns what it grants.
 * Every failure is the same 403, so a caller learns nothing about which part was wrong.
 */
export async function verifyMediaToken(
  env: Pick<Bindings, 'URL_SIGNING_KEY'>,
  db: Database,
  token: string,
  now = Date.now(),
): Promise<VerifiedMediaToken> {
  const invalid = forbidden('This media link is invalid or has expired');
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 4096) throw invalid;
  const body = token.slice(0, dot);
  // fromBase64Url takes only the canonical spelling, so no two token strings verify as one token.
  const mac = fromBase64Url(token.slice(dot + 1));
  if (mac?.length !== 32) throw invalid;
  const ok = await crypto.subtle.verify('HMAC', await signingKey(env), mac, encoder.encode(body));
  if (!ok) throw invalid;
  const parsed = parsePayload(fromBase64Url(body));
  if (!parsed?.success) throw invalid;
  const p = parsed.data;
  if (p.e * 1000 <= now) throw invalid;
  // The HMAC proves the Worker issued this token for this profile: that is the ownership check.
  const scope = scopeForVerifiedProfile(db, { profileId: p.p });
  return {
    surface: p.h === 's' ? 'storage' : 'public',
    scope,
    target: p.t,
    key: storageKeyOf(scope, p.t),
    method: p.m,
    expiresAt: p.e,
    attachmentFilename: p.a,
    maxBytes: p.n,
    exactBytes: p.x === 1,
    contentType: p.c,
    part: p.u !== undefined && p.k !== undefined ? { uploadId: p.u, partNumber: p.k } : undefined,
  };
}

// ─── Issuing ─────────────────────────────────────────────────────────────────────────────────

/**
 * Expiry rounded up to a step of the TTL, so repeated responses within that step carry the same
 * URL and browsers can cache thumbnails and video ranges across page loads.
 */
export function quantizedExpiry(ttlSeconds: number, now = Date.now()): number {
  const ttl = Math.max(1, Math.min(MAX_MEDIA_URL_TTL_SECONDS, Math.floor(ttlSeconds)));
  const step = Math.max(1, Math.min(300, Math.floor(ttl / 4)));
  return Math.ceil((Math.floor(now / 1000) + ttl) / step) * step;
}

function mediaUrl(env: Pick<Bindings, 'PUBLIC_URL'>, surface: TokenSurface, token: string, filename?: string): string {
  if (surface === 'storage') return `${STORAGE_ORIGIN}${STORAGE_OBJECT_PATH}${token}`;
  const suffix = filename ? `/${encodeURIComponent(filename)}` : '';
  return joinUrl(env.PUBLIC_URL || '', `/media/${token}${suffix}`);
}

/** The payload's surface field: public tokens stay as they always were. */
const surfaceField = (surface: TokenSurface | undefined) => (surface === 'storage' ? { h: 's' as const } : {});

export interface MediaUrlOptions {
  /** `storage`: a capability for the processor's storage host instead of a public `/media` URL. */
  surface?: TokenSurface;
  ttlSeconds?: number;
  /** Serve as a download (`Content-Disposition: attachment`) with this file name. */
  filename?: string;
  now?: number;
}

/** A signed GET/HEAD URL for one object of the scope's profile. */
export async function signedMediaUrl(
  env: Pick<Bindings, 'URL_SIGNING_KEY' | 'PUBLIC_URL'>,
  scope: ProfileScope,
  target: MediaTarget,
  options: MediaUrlOptions = {},
): Promise<{ url: string; expiresAt: string }> {
  const e = quantizedExpiry(options.ttlSeconds ?? DEFAULT_MEDIA_URL_TTL_SECONDS, options.now);
  const filename = options.filename ? safeFilename(options.filename) : undefined;
  const token = await signPayload(env, {
    v: 1,
    p: scope.profileId,
    t: mediaTargetSchema.parse(target),
    m: 'GET',
    e,
    ...(filename ? { a: filename } : {}),
    ...surfaceField(options.surface),
  });
  return {
    url: mediaUrl(env, options.surface ?? 'public', token, filename),
    expiresAt: new Date(e * 1000).toISOString(),
  };
}

export interface UploadUrlOptions {
  /** `storage`: a write capability for the processor's storage host (whole object or multipart). */
  surface?: TokenSurface;
  ttlSeconds?: number;
  maxBytes: number;
  /** The body must be exactly `maxBytes` long (declared uploads, multipart parts). */
  exactBytes?: boolean;
  /** Required Content-Type of the body; omit to accept any. */
  contentType?: string;
  /** For one part of an R2 multipart upload. */
  part?: { uploadId: string; partNumber: number };
  now?: number;
}

/** A signed PUT URL that streams its body into the object of `target`. */
export async function signedUploadUrl(
  env: Pick<Bindings, 'URL_SIGNING_KEY' | 'PUBLIC_URL'>,
  scope: ProfileScope,
  target: MediaTarget,
  options: UploadUrlOptions,
): Promise<{ url: string; expiresAt: string }> {
  const ttl = Math.max(
    1,
    Math.min(MAX_MEDIA_URL_TTL_SECONDS, Math.floor(options.ttlSeconds ?? DEFAULT_MEDIA_URL_TTL_SECONDS)),
  );
  const e = Math.floor((options.now ?? Date.now()) / 1000) + ttl;
  const token = await signPayload(env, {
    v: 1,
    p: scope.profileId,
    t: mediaTargetSchema.parse(target),
    m: 'PUT',
    e,
    n: options.maxBytes,
    ...(options.exactBytes ? { x: 1 as const } : {}),
    ...(options.contentType ? { c: options.contentType.toLowerCase() } : {}),
    ...(options.part ? { u: options.part.uploadId, k: options.part.partNumber } : {}),
    ...surfaceField(options.surface),
  });
  return { url: mediaUrl(env, options.surface ?? 'public', token), expiresAt: new Date(e * 1000).toISOString() };
}

/** A token (`<payload>.<mac>`), capturing the payload. */
const TOKEN = '([A-Za-z0-9_-]+)\\.[A-Za-z0-9_-]+';
/** `…/media/<token>[/<file name>]`, the public form. */
const PUBLIC_MEDIA_PATH = new RegExp(`/media/${TOKEN}(/[^/]*)?$`);
/** `http://storage.cutroom.internal/v1/objects/<token>`, the processor's capability. */
const STORAGE_OBJECT_URL = new RegExp(`^${STORAGE_ORIGIN.replaceAll('.', '\\.')}${STORAGE_OBJECT_PATH}${TOKEN}$`);

/**
 * The payload of one of this Worker's signed media URLs, public or storage-host (signature not
 * checked), and its file-name suffix. A query (a multipart step on the storage host) is not part
 * of what the URL names.
 */
function unverifiedPayloadOf(url: string): { payload: TokenPayload; suffix: string } | null {
  const bare = url.split(/[?#]/, 1)[0] ?? url;
  const match = STORAGE_OBJECT_URL.exec(bare) ?? PUBLIC_MEDIA_PATH.exec(bare);
  const parsed = match?.[1] ? parsePayload(fromBase64Url(match[1])) : null;
  return match && parsed?.success ? { payload: parsed.data, suffix: match[2] ?? '' } : null;
}

/**
 * What a signed media URL names, without its lifetime: the same string for every URL signed for
 * the same object, method and limits, whenever it was signed (a resumed job derives the ids of its
 * processor operations from it, src/jobs/job-processor.ts). It names and grants nothing: the
 * signature is not checked. Any other URL is returned as it is.
 */
export function mediaUrlIdentity(url: string): string {
  const found = unverifiedPayloadOf(url);
  if (!found) return url;
  const { e: _expiry, ...named } = found.payload;
  return `media:${JSON.stringify(named)}${found.suffix}`;
}

/**
 * The object a signed upload URL of this scope's profile writes (signature not checked: for
 * looking at what a request the Worker made itself would write), or null.
 */
export function uploadTargetOf(scope: ProfileScope, url: string): MediaTarget | null {
  const found = unverifiedPayloadOf(url);
  return found?.payload.m === 'PUT' && found.payload.p === scope.profileId ? found.payload.t : null;
}
