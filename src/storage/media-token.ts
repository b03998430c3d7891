/**
 * The media token behind every signed media URL (signed-urls.ts): what it names, its payload, its
 * signature and the URL that carries it.
 *
 * token = base64url(JSON payload) "." base64url(HMAC-SHA256(URL_SIGNING_KEY, payload)).
 *
 * Nothing here needs the Worker's bindings or the database, so a Node program (bench/jobs-storage.ts)
 * signs exactly as the Worker does. The Worker issues through signed-urls.ts, which takes a verified
 * profile scope instead of a bare profile id.
 */
import { z } from 'zod';
import { toBase64Url } from '../../shared/encoding.ts';
import { STORAGE_OBJECT_PATH, STORAGE_ORIGIN } from '../../shared/processor/storage.ts';
import { ApiError } from '../core/errors.ts';
import { safeFilename } from '../core/filenames.ts';
import { idSchema } from '../core/ids.ts';
import { DEFAULT_MEDIA_URL_TTL_SECONDS, MAX_MEDIA_URL_TTL_SECONDS } from '../core/limits.ts';
import { joinUrl } from '../core/urls.ts';

/** What signing reads of the Worker's settings (a subset of its bindings). */
export interface SigningSettings {
  URL_SIGNING_KEY?: string;
  PUBLIC_URL?: string;
}

/** File-name-like variant parts (revision, preset, output name): no slashes, no dot-dot. */
const variantName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]{1,8})?$/i)
  .max(64);

/** Every object a signed URL can point at. Add a kind here (and in signed-urls.ts's `storageKeyOf`) for new media. */
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
export type TokenPayload = z.infer<typeof payloadSchema>;

/** Where a token is valid: the public `/media` route, or the processor's storage host. */
export type TokenSurface = 'public' | 'storage';

// ─── Encoding ────────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder();

const keyCache = new Map<string, Promise<CryptoKey>>();

export function signingKey(env: SigningSettings): Promise<CryptoKey> {
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

async function signPayload(env: SigningSettings, payload: TokenPayload): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const mac = await crypto.subtle.sign('HMAC', await signingKey(env), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(mac))}`;
}

export function parsePayload(json: Uint8Array | null) {
  if (!json) return null;
  try {
    return payloadSchema.safeParse(JSON.parse(new TextDecoder().decode(json)));
  } catch {
    return null;
  }
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

function mediaUrl(env: SigningSettings, surface: TokenSurface, token: string, filename?: string): string {
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

/** A signed GET/HEAD URL for one object of a profile (the Worker calls `signedMediaUrl` with its scope). */
export async function signReadUrl(
  env: SigningSettings,
  profileId: string,
  target: MediaTarget,
  options: MediaUrlOptions = {},
): Promise<{ url: string; expiresAt: string }> {
  const e = quantizedExpiry(options.ttlSeconds ?? DEFAULT_MEDIA_URL_TTL_SECONDS, options.now);
  const filename = options.filename ? safeFilename(options.filename) : undefined;
  const token = await signPayload(env, {
    v: 1,
    p: profileId,
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

/** A signed PUT URL that streams its body into the object of `target` (the Worker calls `signedUploadUrl`). */
export async function signWriteUrl(
  env: SigningSettings,
  profileId: string,
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
    p: profileId,
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
