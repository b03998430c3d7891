/**
 * One error model for the whole API. Every failure leaves as
 * `{ "error": { "code", "message", "request_id", "details"? } }` with the request id also in the
 * `X-Request-Id` header. Handlers throw `ApiError`; anything else becomes a 500 without internals.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { AppEnv } from './env.ts';

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'idempotency_conflict'
  | 'idempotency_mismatch'
  | 'payload_too_large'
  | 'length_required'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'invalid_media'
  | 'budget_exceeded'
  | 'rate_limited'
  | 'not_configured'
  | 'not_publishable'
  | 'postiz_connection_failed'
  | 'upstream_error'
  | 'unavailable'
  | 'internal_error';

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const badRequest = (message: string, details?: unknown) =>
  new ApiError(400, 'bad_request', message, { details });
export const conflict = (message: string, details?: unknown) =>
  new ApiError(409, 'conflict', message, { details });

export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
    code: issue.code,
  }));
}

export function validationError(error: z.ZodError, where?: string): ApiError {
  const issues = zodIssues(error);
  const first = issues[0];
  const prefix = where ? `Invalid ${where}` : 'Invalid request';
  return new ApiError(
    400,
    'validation_failed',
    first ? `${prefix}: ${first.path}: ${first.message}` : prefix,
    { details: issues },
  );
}

export function errorBody(requestId: string, code: ErrorCode, message: string, details?: unknown) {
  return {
    error: { code, message, request_id: requestId, ...(details === undefined ? {} : { details }) },
  };
}

/** Hono `onError` handler: known errors keep their status, everything else is a 500. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
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
