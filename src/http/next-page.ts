/**
 * The next page of a list: the cursor in `X-Next-Cursor`, and the same request with that cursor as a
 * `Link: <…>; rel="next"` URL (RFC 8288), so a client can follow pages without building URLs.
 */
import type { Context } from 'hono';

export function setNextPage(c: Context, nextCursor: string | null | undefined, limit: number): void {
  if (!nextCursor) return;
  const next = new URL(c.req.url);
  next.searchParams.set('cursor', nextCursor);
  next.searchParams.set('limit', String(limit));
  c.header('X-Next-Cursor', nextCursor);
  c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
}
