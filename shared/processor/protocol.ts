/**
 * The wire protocol between the Worker and the media processor (container/):
 * - `POST /v1/{operation}` with a JSON body (operations.ts), signed (signature.ts). `GET /health` is
 *   open and reveals nothing secret.
 * - Inputs are short-lived signed URLs the Worker issued for its own media; outputs are signed PUT
 *   URLs back to the Worker, which stream the bytes into R2 (media.ts). The processor only fetches
 *   URLs whose origin is in its allow-list.
 * - A request the processor cannot accept answers 4xx/5xx JSON `errorResponse` at once.
 * - Accepted work answers 200 `application/x-ndjson`: zero or more `progress` lines, then exactly
 *   one `result` or `error` line (`streamLine`).
 *
 * Operations that outlive a connection (docs/processor.md#operations-that-outlive-a-request): with
 * `?operation_id={id}` the operation runs in the background under that id and the stream only
 * follows it, so hanging up does not stop it. Starting the same id while it runs attaches to the
 * run; starting the id of a run that ended starts it afresh (attaching is how a caller takes a
 * result it knows is still good). Without an id the operation belongs to its connection, as it
 * always did.
 * - `GET /v1/operations/{id}`: `operationStatus` JSON.
 * - `GET /v1/operations/{id}/events`: the NDJSON stream of that run from now on (the current
 *   progress first, or its outcome at once when it ended, as long as the processor remembers it).
 * - `DELETE /v1/operations/{id}`: cancels it; answers its status.
 * An id the processor does not know answers 404 `operation_unknown`. Every request is signed over
 * its path with the query string.
 */
import { z } from 'zod';
import { processorErrorCode } from './errors.ts';

export const progressEvent = z.object({ type: z.literal('progress'), percent: z.number(), step: z.string() });
export type ProgressEvent = z.infer<typeof progressEvent>;

/** The operation's result; checked against the operation's result schema by the reader. */
export const resultLine = z.object({ type: z.literal('result'), result: z.unknown() });
export const errorLine = z.object({ type: z.literal('error'), code: processorErrorCode, message: z.string() });
export type ErrorLine = z.infer<typeof errorLine>;

export const streamLine = z.discriminatedUnion('type', [progressEvent, resultLine, errorLine]);
export type StreamLine = z.infer<typeof streamLine>;
export const STREAM_LINE_TYPES: readonly string[] = ['progress', 'result', 'error'];

/** The body of a refusal (4xx/5xx before any work); `details` lists field problems of `invalid_request`. */
export const errorResponse = z.object({
  error: z.object({ code: processorErrorCode, message: z.string(), details: z.unknown().optional() }),
});
export type ErrorResponse = z.infer<typeof errorResponse>;

// ─── Operations that outlive a request ───────────────────────────────────────────────────────

/** The query parameter that names a background operation. */
export const OPERATION_ID_PARAM = 'operation_id';
/** Ids the caller chooses (the Worker: job id, operation name and a digest of the request). */
export const operationId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$/);

export const operationState = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type OperationState = z.infer<typeof operationState>;

export const operationStatus = z.object({
  id: operationId,
  operation: z.string(),
  state: operationState,
  percent: z.number(),
  step: z.string(),
  /** When it succeeded: the operation's result (checked against its schema by the reader). */
  result: z.unknown().optional(),
  /** When it failed or was cancelled. */
  error: z.object({ code: processorErrorCode, message: z.string() }).optional(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
});
export type OperationStatus = z.infer<typeof operationStatus>;

/** `POST` path that starts (or attaches to) `operation` under `id`; without an id, a connection-bound run. */
export function operationStartPath(operation: string, id?: string): string {
  return id === undefined ? `/v1/${operation}` : `/v1/${operation}?${OPERATION_ID_PARAM}=${encodeURIComponent(id)}`;
}

/** `GET` (status) and `DELETE` (cancel) path of a background operation. */
export function operationPath(id: string): string {
  return `/v1/operations/${encodeURIComponent(id)}`;
}

/** `GET` path of a background operation's NDJSON stream. */
export function operationEventsPath(id: string): string {
  return `${operationPath(id)}/events`;
}
