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
