/**
 * Signed media URLs: `${PUBLIC_URL}/media/<token>[/<download-filename>]` (PUBLIC_URL: the deployment's
 * setting, or the request's origin, src/worker.ts), usable where no header can
 * be sent (`<video src>`, `<img src>`), and the media processor's capabilities on its storage host
 * (`${STORAGE_ORIGIN}/v1/objects/<token>`, see shared/processor/storage.ts). The two are the same
 * token with a different `surface`, and each is refused on the other's route.
 *
 * token = base64url(JSON payload) "." base64url(HMAC-SHA256(URL_SIGNING_KEY, payload)) (media-token.ts;
 * here: issuing for a verified profile scope, verifying, reading back). The payload is signed, not encrypted, so it never holds a storage key: it names a resource
 * (`MediaTarget`, a kind + id + variant) and the profile, and the Worker derives the key from them
 * with `storageKeys` under that profile. Verification is constant-time (`crypto.subtle.verify`).
 */
import { fromBase64Url } from '../../shared/encoding.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../db/scope.ts';
import type { Database } from '../db/client.ts';
import { storageKeys } from './keys.ts';
import {
  type MediaTarget,
  type MediaUrlOptions,
  type TokenPayload,
  type TokenSurface,
  type UploadUrlOptions,
  parsePayload,
  signReadUrl,
  signWriteUrl,
  signingKey,
} from './media-token.ts';
import { STORAGE_OBJECT_PATH, STORAGE_ORIGIN } from '../../shared/processor/storage.ts';

export {
  type MediaTarget,
  type MediaTargetKind,
  type MediaUrlOptions,
  type TokenSurface,
  type UploadUrlOptions,
  mediaTargetSchema,
  quantizedExpiry,
} from './media-token.ts';

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

// ─── Verifying ───────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder();

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

/** A signed GET/HEAD URL for one object of the scope's profile. */
export function signedMediaUrl(
  env: Pick<Bindings, 'URL_SIGNING_KEY' | 'PUBLIC_URL'>,
  scope: ProfileScope,
  target: MediaTarget,
  options: MediaUrlOptions = {},
): Promise<{ url: string; expiresAt: string }> {
  return signReadUrl(env, scope.profileId, target, options);
}

/** A signed PUT URL that streams its body into the object of `target`. */
export function signedUploadUrl(
  env: Pick<Bindings, 'URL_SIGNING_KEY' | 'PUBLIC_URL'>,
  scope: ProfileScope,
  target: MediaTarget,
  options: UploadUrlOptions,
): Promise<{ url: string; expiresAt: string }> {
  return signWriteUrl(env, scope.profileId, target, options);
}

// ─── Reading back ────────────────────────────────────────────────────────────────────────────

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
