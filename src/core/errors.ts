/**
 * One error model for the whole API. Every failure leaves as
 * `{ "error": { "code", "message", "request_id", "details"? } }` with the request id also in the
 * `X-Request-Id` header. Handlers throw `ApiError`; anything else becomes a 500 without internals
 * (the Hono error handler that renders them is src/http/errors.ts).
 */
import type { z } from 'zod';

/**
 * Every code the API emits, with the statuses it leaves with: the only place a code meets a status.
 * `ApiError` accepts a status only if the map lists it for the code (checked by the compiler), and
 * the OpenAPI document takes its `code` enum and each error response's codes from here.
 */
export const codeToStatus = {
  // 400 for bad input; 415 when a body's Content-Type is not one a route accepts (the framework's
  // check: its codeless errors are rendered as `bad_request`, see http/errors.ts).
  bad_request: [400, 415],
  validation_failed: [400],
  invalid_media: [400],
  unauthorized: [401],
  budget_exceeded: [402],
  forbidden: [403],
  not_found: [404],
  conflict: [409],
  idempotency_conflict: [409],
  // 409: the profile has no Postiz connection; 503: the deployment lacks a secret it needs.
  not_configured: [409, 503],
  // The processor's storage host: a method the capability's object does not support.
  method_not_allowed: [405],
  length_required: [411],
  payload_too_large: [413],
  unsupported_media_type: [415],
  range_not_satisfiable: [416],
  idempotency_mismatch: [422],
  not_publishable: [422],
  postiz_connection_failed: [422],
  // More work than one request may do (e.g. SRT keyword matching): the message says what to reduce.
  too_much_work: [422],
  // A URL given to fetch from (a URL import) points somewhere the service does not call.
  url_refused: [422],
  rate_limited: [429],
  internal_error: [500],
  // 502: a provider failed; 504: it did not answer in time.
  upstream_error: [502, 504],
  unavailable: [503],
} as const satisfies Record<string, readonly [number, ...number[]]>;

export type ErrorCode = keyof typeof codeToStatus;

/** The statuses `code` may leave with. */
export type StatusOf<C extends ErrorCode> = (typeof codeToStatus)[C][number];

/** The statuses an error can leave with (all of them carry the JSON error body). */
export type ErrorStatus = StatusOf<ErrorCode>;

export const errorCodes = Object.keys(codeToStatus) as [ErrorCode, ...ErrorCode[]];

/** The codes an error with this status can carry. */
export const codesOf = (status: number): ErrorCode[] =>
  errorCodes.filter((code) => (codeToStatus[code] as readonly number[]).includes(status));

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class ApiError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: StatusOf<C>;
  readonly code: C;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  /** `status` must be one the map lists for `code`. */
  constructor(
    status: StatusOf<NoInfer<C>>,
    code: C,
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
