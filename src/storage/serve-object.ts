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

const SVG_DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

function contentDisposition(filename: string | undefined): string {
  if (!filename) return 'inline';
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function baseHeaders(object: R2Object, options: ServeOptions): Headers {
  const headers = new Headers();
  headers.set('Accept-Ranges', 'bytes');
  const contentType = object.httpMetadata?.contentType || options.contentType || 'application/octet-stream';
  headers.set('Content-Type', contentType);
  // An SVG opened as a page is a document: no scripts, nothing fetched (brand logos are checked on
  // upload too; this holds whatever a check might miss).
  if (contentType === 'image/svg+xml') headers.set('Content-Security-Policy', SVG_DOCUMENT_POLICY);
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

/** `bytes=a-b` with both ends (what the processor's reads and most players' later reads send). */
const BOUNDED_RANGE = /^bytes=(\d{1,15})-(\d{1,15})$/i;

/**
 * A bounded range inside the object in one R2 round trip (the object's size comes with the body),
 * instead of a `head` for the size and then the `get`: one request per read on the storage host.
 * Anything else (a range reaching past the end, suffixes, open ends, conditional requests) returns
 * null and takes the general path below, which answers 416 and clamps.
 */
async function serveBoundedRange(
  bucket: R2Bucket,
  key: string,
  rangeHeader: string | null,
  options: ServeOptions,
): Promise<Response | null> {
  const match = rangeHeader ? BOUNDED_RANGE.exec(rangeHeader.trim()) : null;
  if (!match) return null;
  const offset = Number(match[1]);
  const length = Number(match[2]) - offset + 1;
  if (length <= 0) return null;
  let part: R2ObjectBody | R2Object | null;
  try {
    part = await bucket.get(key, { range: { offset, length } });
  } catch {
    // R2 refuses a range starting at or past the end: the general path answers it (416).
    return null;
  }
  if (!part) throw notFound(options.what ?? 'Media');
  if (!('body' in part)) return null;
  if (offset + length > part.size) {
    // Reaches past the end: R2 would clamp; the general path decides the exact bytes.
    await part.body.cancel();
    return null;
  }
  const headers = baseHeaders(part, options);
  headers.set('Content-Range', contentRange(offset, length, part.size));
  headers.set('Content-Length', String(length));
  return new Response(part.body, { status: 206, headers });
}

export async function serveObject(
  bucket: R2Bucket,
  key: string,
  request: Request,
  options: ServeOptions = {},
): Promise<Response> {
  const isHead = request.method === 'HEAD';
  const rangeHeader = request.headers.get('Range');
  if (!isHead && !request.headers.get('If-None-Match')) {
    const served = await serveBoundedRange(bucket, key, rangeHeader, options);
    if (served) return served;
  }
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
