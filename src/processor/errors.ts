/**
 * A failed processor call. `code` is the processor's error code, or `unreachable` (no answer, a
 * broken stream) / `protocol_error` (an answer that is not the protocol). `retryable` tells job
 * handlers whether another attempt can succeed: transport trouble, busy, timeouts and 5xx can;
 * a bad input or request cannot.
 */
import type { ProcessorErrorCode } from '../../shared/processor/errors.ts';

export type ProcessorClientErrorCode = ProcessorErrorCode | 'unreachable' | 'protocol_error';

const RETRYABLE = new Set<ProcessorClientErrorCode>([
  'unreachable',
  'busy',
  'timeout',
  'input_unreachable',
  'output_upload_failed',
  'internal',
]);

export class ProcessorError extends Error {
  override name = 'ProcessorError';
  readonly code: ProcessorClientErrorCode;
  readonly retryable: boolean;
  /** HTTP status when the processor answered before streaming; undefined for stream errors. */
  readonly status?: number;

  constructor(code: ProcessorClientErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryable = RETRYABLE.has(code) || (status !== undefined && status >= 500);
  }
}

export function isRetryableProcessorError(err: unknown): boolean {
  return err instanceof ProcessorError && err.retryable;
}
