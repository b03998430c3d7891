/**
 * How a handler says why it stopped. `PermanentJobError` fails the job at once (bad media, missing
 * object); `TransientJobError` is retried with backoff (processor unreachable, storage hiccup,
 * provider 429). Unknown exceptions are treated as transient, then fail after the last retry.
 */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class TransientJobError extends Error {
  override name = 'TransientJobError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
  constructor() {
    super('Job was cancelled');
  }
}

/**
 * The job cannot start yet because something it needs is still being prepared (e.g. the upload it
 * works on is being probed). The consumer re-sends the message after `delaySeconds` without
 * spending a retry, until `MAX_WAIT_SECONDS` after the job was created; then the job fails with
 * `code`.
 */
export class JobDeferredError extends Error {
  override name = 'JobDeferredError';
  constructor(
    readonly code: string,
    message: string,
    readonly delaySeconds = 3,
  ) {
    super(message);
  }
}

/**
 * A processor operation outlives this delivery's time budget (a queue consumer invocation may run
 * 15 minutes of wall clock): it goes on in the background, and the consumer hands the job, still
 * running, to a fresh delivery that follows the same operation again (job-processor.ts). Not a
 * failure: no retry is spent.
 */
export class OperationPendingError extends Error {
  override name = 'OperationPendingError';
  constructor(readonly operation: string) {
    super(`The ${operation} operation is still running`);
  }
}

/** How a job stops other than by failing: thrown through every layer untouched. */
export function isJobControlFlow(err: unknown): boolean {
  return err instanceof JobCancelledError || err instanceof OperationPendingError || err instanceof JobDeferredError;
}
