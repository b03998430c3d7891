/**
 * How a processor failure becomes a job outcome: bad media (or a request the processor refuses)
 * fails the job, and its resource, at once with the processor's error code; an unreachable, busy
 * or overloaded processor is transient and retried with backoff.
 */
import { ProcessorError } from '../processor/errors.ts';
import { isJobControlFlow, PermanentJobError, TransientJobError } from './errors.ts';

export function processorFailure(err: unknown): Error {
  if (err instanceof PermanentJobError || err instanceof TransientJobError) return err;
  // A cancel, or an operation handed to the next delivery (jobProcessor), is not a failure.
  if (isJobControlFlow(err)) return err as Error;
  if (err instanceof ProcessorError) {
    return err.retryable ? new TransientJobError(err.code, err.message) : new PermanentJobError(err.code, err.message);
  }
  // Anything else (a bug, a storage hiccup) is retried, then fails after the last attempt.
  return new TransientJobError('processor_unavailable', err instanceof Error ? err.message : String(err));
}

/** Runs a processor call, translating its failure. */
export async function callProcessor<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw processorFailure(err);
  }
}
