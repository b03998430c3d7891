/** The Hono side of the error model (core/errors.ts): every failure as the one JSON error body. */
import { ApiError, type ErrorCode, type ErrorStatus, codeToStatus, errorBody } from '../core/errors.ts';
import type { PublicContext } from './context.ts';

/** Hono `onError` handler: known errors keep their status, everything else is a 500. */
export function handleError(err: Error, c: PublicContext): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  if (err instanceof ApiError) {
    const res = c.json(errorBody(requestId, err.code, err.message, err.details), err.status);
    for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
    return res;
  }
  // Hono's own HTTPException (a malformed JSON body 400, an undeclared Content-Type 415) carries a
  // status but no code; it leaves with a status the map lists for the code it gets.
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'payload_too_large' : 'bad_request';
    const allowed: readonly ErrorStatus[] = codeToStatus[code];
    const sent = allowed.find((s) => s === status) ?? allowed[0]!;
    return c.json(errorBody(requestId, code, err.message || 'Bad request'), sent);
  }
  console.error(JSON.stringify({ level: 'error', request_id: requestId, error: err.message, stack: err.stack }));
  return c.json(errorBody(requestId, 'internal_error', 'Internal server error'), 500);
}
