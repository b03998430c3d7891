/**
 * One error model for the whole API. Every failure leaves as
 * `{ "error": { "code", "message", "request_id", "details"? } }` with the request id also in the
 * `X-Request-Id` header. Handlers throw `ApiError`; anything else becomes a 500 without internals
 * (the Hono error handler that renders them is src/http/errors.ts).
 */
import type { z } from 'zod';

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
  | 'too_much_work'
  | 'rate_limited'
  | 'not_configured'
  | 'not_publishable'
  | 'postiz_connection_failed'
  | 'upstream_error'
  | 'unavailable'
  | 'internal_error';

/** The statuses an error can leave with (all of them carry the JSON error body). */
export type ErrorStatus =
  | 400
  | 401
  | 402
  | 403
  | 404
  | 405
  | 409
  | 411
  | 413
  | 415
  | 416
  | 422
  | 429
  | 500
  | 502
  | 503
  | 504;

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class ApiError extends Error {
  readonly status: ErrorStatus;
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    status: ErrorStatus,
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
export const conflict = (message: string, details?: unknown) => new ApiError(409, 'conflict', message, { details });

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
  return new ApiError(400, 'validation_failed', first ? `${prefix}: ${first.path}: ${first.message}` : prefix, {
    details: issues,
  });
}

export function errorBody(requestId: string, code: ErrorCode, message: string, details?: unknown) {
  return {
    error: { code, message, request_id: requestId, ...(details === undefined ? {} : { details }) },
  };
}
