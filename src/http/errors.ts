/** The Hono side of the error model (core/errors.ts): every failure as the one JSON error body. */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, type ErrorCode, errorBody } from '../core/errors.ts';
import type { PublicContext } from './context.ts';

/** Hono `onError` handler: known errors keep their status, everything else is a 500. */
export function handleError(err: Error, c: PublicContext): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  if (err instanceof ApiError) {
    const res = c.json(errorBody(requestId, err.code, err.message, err.details), err.status);
    for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
    return res;
  }
  // Hono's own HTTPException (e.g. from body-limit) carries a status but no code.
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'payload_too_large' : 'bad_request';
    return c.json(errorBody(requestId, code, err.message || 'Bad request'), status as ContentfulStatusCode);
  }
  console.error(JSON.stringify({ level: 'error', request_id: requestId, error: err.message, stack: err.stack }));
  return c.json(errorBody(requestId, 'internal_error', 'Internal server error'), 500);
}
