/**
 * What a signed write must satisfy before a byte of its body is read, on the public `/media` route
 * and on the processor's storage host alike: a `Content-Length` (chunked bodies cannot be checked up
 * front) within the token's size and the path's body cap, the exact size when the token says so, and
 * the signed Content-Type; and whether the object may still be written at all.
 */
import { ApiError, badRequest, notFound } from '../core/errors.ts';
import { getSourceVideoSummary } from '../db/repos/source-videos.ts';
import type { VerifiedMediaToken } from './signed-urls.ts';

function mediaType(header: string | null): string | null {
  const base = header?.split(';')[0]?.trim().toLowerCase();
  return base ? base : null;
}

export interface DeclaredBody {
  length: number;
  /** The body's media type (the signed one when the token names one). */
  contentType: string | null;
}

/**
 * Checks the headers of a signed PUT. `bodyCap`: the largest body this path takes whatever the token
 * allows (a part of a multipart upload on the storage host).
 */
export function declaredBody(token: VerifiedMediaToken, request: Request, bodyCap?: number): DeclaredBody {
  const lengthHeader = request.headers.get('Content-Length');
  if (lengthHeader === null)
    throw new ApiError(411, 'length_required', 'Content-Length is required; chunked uploads are not accepted');
  if (!/^\d{1,16}$/.test(lengthHeader.trim())) throw badRequest('Content-Length is not a valid number');
  const length = Number(lengthHeader);
  const limit = Math.min(token.maxBytes ?? Number.POSITIVE_INFINITY, bodyCap ?? Number.POSITIVE_INFINITY);
  if (length > limit) {
    throw new ApiError(413, 'payload_too_large', `The body is ${length} bytes; this link accepts at most ${limit}`);
  }
  if (token.exactBytes && length !== token.maxBytes) {
    throw badRequest(`This link expects exactly ${token.maxBytes} bytes, not ${length}`);
  }
  const sent = mediaType(request.headers.get('Content-Type'));
  if (token.contentType && sent !== token.contentType) {
    throw new ApiError(415, 'unsupported_media_type', `Content-Type must be ${token.contentType}`);
  }
  return { length, contentType: token.contentType ?? sent };
}

/** Refuses writes whose owner is gone: a probe that raced a delete stores no thumbnail nobody owns. */
export async function ensureWritable(token: VerifiedMediaToken): Promise<void> {
  const { target } = token;
  const ofSourceVideo =
    target.kind === 'source_thumbnail' || target.kind === 'source_poster' || target.kind === 'source_storyboard';
  if (ofSourceVideo && !(await getSourceVideoSummary(token.scope, target.id))) {
    throw notFound('Source video');
  }
}
