/**
 * The one failure type of the processor. Every operation failure leaves as a `ProcessorErrorCode`
 * (see the contract) so the Worker can tell a bad input (permanent) from a hiccup (retryable).
 */
import type { ProcessorErrorCode } from '../../shared/processor/errors.ts';

/** HTTP status used when the failure happens before the NDJSON stream starts. */
const STATUS: Record<ProcessorErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  input_unreachable: 502,
  invalid_media: 422,
  unsupported_codec: 422,
  limits_exceeded: 422,
  no_video_stream: 422,
  no_audio_stream: 422,
  timeout: 504,
  output_upload_failed: 502,
  busy: 503,
  cancelled: 409,
  operation_unknown: 404,
  internal: 500,
};

export class ProcessorFailure extends Error {
  override name = 'ProcessorFailure';
  readonly code: ProcessorErrorCode;
  readonly details?: unknown;

  constructor(code: ProcessorErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const invalidRequest = (message: string, details?: unknown) =>
  new ProcessorFailure('invalid_request', message, details);

/** Any thrown value as a ProcessorFailure; unknown errors become `internal` without leaking internals. */
export function asFailure(err: unknown): ProcessorFailure {
  if (err instanceof ProcessorFailure) return err;
  return new ProcessorFailure('internal', 'Internal processor error');
}
