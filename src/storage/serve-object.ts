/**
 * Serves one R2 object over HTTP for GET and HEAD: the one code path behind `/media/<token>` and the
 * authenticated `…/stream` routes. Only the bytes asked for are read from R2 (`range`), the body is
 * streamed through, and no storage key appears in any header.
 */
import { ApiError, notFound } from '../core/errors.ts';
import { contentRange, decideRange } from './byte-ranges.ts';

export interface ServeOptions {
  /** `attachment; filename=…` when set; `inline` otherwise. */
  attachmentFilename?: string;
  /** Fallback when the object has no stored content type. */
  contentType?: string;
  /** Seconds a private cache may keep the response (bounded by the URL's own expiry). */
  maxAgeSeconds?: number;
  /** What the 404 names ("Media", "Source video", …). */
  what?: string;
}

function contentDisposition(filename: string | undefined): string {
  if (!filename) return 'inline';
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function baseHeaders(object: R2Object, options: ServeOptions): Headers {
  const headers = new Headers();
  headers.set('Accept-Ranges', 'bytes');
  headers.set('Content-Type', object.httpMetadata?.contentType || options.contentType || 'application/octet-stream');
  headers.set('ETag', object.httpEtag);
  headers.set('Last-Modified', object.uploaded.toUTCString());
  headers.set('Cache-Control', `private, max-age=${Math.max(0, Math.floor(options.maxAgeSeconds ?? 300))}`);
  headers.set('Content-Disposition', contentDisposition(options.attachmentFilename));
  headers.set('X-Content-Type-Options', 'nosniff');
  return headers;
}

function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => {
    const candidate = t.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === bare;
  });
}

export async function serveObject(
  bucket: R2Bucket,
  key: string,
  request: Request,
  options: ServeOptions = {},
): Promise<Response> {
  const isHead = request.method === 'HEAD';
  const rangeHeader = request.headers.get('Range');
  // Without a range the body is fetched in the same round trip; with one, the size is needed first
  // to resolve suffixes and to answer 416.
  const head = isHead || rangeHeader ? await bucket.head(key) : await bucket.get(key);
  if (!head) throw notFound(options.what ?? 'Media');
  const size = head.size;
  const headers = baseHeaders(head, options);

  if (etagMatches(request.headers.get('If-None-Match'), head.httpEtag)) {
    if ('body' in head) await (head as R2ObjectBody).body.cancel();
    return new Response(null, { status: 304, headers });
  }

  const decision = decideRange(rangeHeader, size);
  if (decision.kind === 'unsatisfiable') {
    throw new ApiError(416, 'range_not_satisfiable', `Range ${rangeHeader} is outside the ${size}-byte object`, {
      headers: { 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' },
    });
  }

  if (decision.kind === 'full') {
    headers.set('Content-Length', String(size));
    if (isHead) return new Response(null, { status: 200, headers });
    const object = 'body' in head ? (head as R2ObjectBody) : await bucket.get(key);
    if (!object) throw notFound(options.what ?? 'Media');
    return new Response(object.body, { status: 200, headers });
  }

  headers.set('Content-Range', contentRange(decision.offset, decision.length, size));
  headers.set('Content-Length', String(decision.length));
  if (isHead) return new Response(null, { status: 206, headers });
  const part = await bucket.get(key, {
    range: { offset: decision.offset, length: decision.length },
    onlyIf: { etagMatches: head.etag },
  });
  if (!part || !('body' in part)) {
    // Replaced or deleted between the two reads: the client retries and gets a consistent answer.
    throw new ApiError(409, 'conflict', 'The media changed while it was being read; retry');
  }
  return new Response(part.body, { status: 206, headers });
}
