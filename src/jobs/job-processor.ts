/**
 * The processor as a job handler sees it: `run(operation, request, onProgress)`, like the plain
 * client, but safe for operations longer than a queue delivery may live (docs/processing.md#long-operations):
 *
 * - every operation runs in the background on the processor under an id made of the job id, the
 *   operation and a digest of the request (signed URLs count by what they name, not by when they
 *   were signed), so the same step of the same job always has the same id;
 * - the delivery follows it (progress into the job row, cancellation checked every few seconds)
 *   until its deadline; an operation still running then goes on, and `OperationPendingError`
 *   makes the consumer hand the job to a fresh delivery;
 * - that delivery runs the handler again from the top: earlier steps get their remembered
 *   results back at once (starting a finished id again answers its result), and the step that
 *   was running is followed again, on the same container instance, instead of being started twice;
 * - an operation recorded as started that the processor no longer knows was lost with its
 *   container (crash, eviction, deploy): the job is retried (`processor_lost`), which starts it
 *   afresh, and fails with that reason once its attempts are spent;
 * - cancelling the job cancels the operation on the processor (here while following it, or
 *   `cancelJobOperations` from the cancel route and the consumer).
 */
import { sha256Hex } from '../../shared/encoding.ts';
import type { Bindings } from '../core/env.ts';
import { CANCEL_POLL_SECONDS, PROCESSOR_OPERATION_MAX_SECONDS } from '../core/limits.ts';
import {
  findProcessorOperation,
  forgetProcessorOperation,
  listProcessorOperations,
  type ProcessorOperationRow,
  recordProcessorOperation,
} from '../db/repos/processor-operations.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { OperationStream, ProcessorConnection } from '../processor/client.ts';
import type { OperationRequest, ProcessorClient, ProcessorOperation } from '../processor/contract.ts';
import { processorClient, processorInstance } from '../processor/connect.ts';
import { ProcessorError } from '../processor/errors.ts';
import { mediaUrlIdentity } from '../storage/signed-urls.ts';
import type { JobContextOf } from './context.ts';
import { JobCancelledError, OperationPendingError, TransientJobError } from './errors.ts';

/** What the job processor needs of a handler's context. */
export type JobProcessorContext = Pick<
  JobContextOf<unknown>,
  'env' | 'scope' | 'job' | 'deadline' | 'throwIfCancelled'
>;

/** How a handler gets its processor (`jobProcessor` in production; tests may pass another). */
export type ProcessorFor = (ctx: JobProcessorContext) => ProcessorClient;

/** The id a job's operation runs under: the same for the same step whenever its URLs were signed. */
export async function jobOperationId<O extends ProcessorOperation>(
  jobId: string,
  operation: O,
  request: OperationRequest<O>,
): Promise<string> {
  const canonical = JSON.stringify(request, (key, value: unknown) =>
    key === 'url' && typeof value === 'string' ? mediaUrlIdentity(value) : value,
  );
  const digest = await sha256Hex(`${operation}\n${canonical}`);
  return `${jobId}.${operation}.${digest.slice(0, 24)}`;
}

/** Cancels an operation (best effort: an unreachable processor has lost it anyway) and forgets it. */
async function cancelOperation(
  connection: ProcessorConnection,
  scope: ProfileScope,
  jobId: string,
  id: string,
): Promise<void> {
  await connection.cancel(id).catch(() => null);
  await forgetProcessorOperation(scope, jobId, id);
}

function cancelRecorded(env: Bindings, scope: ProfileScope, row: ProcessorOperationRow): Promise<void> {
  return cancelOperation(processorInstance(env, row.instance).connection, scope, row.jobId, row.id);
}

/** Cancels every operation the job started and has not seen end (the job was cancelled or failed). */
export async function cancelJobOperations(env: Bindings, scope: ProfileScope, jobId: string): Promise<void> {
  for (const row of await listProcessorOperations(scope, jobId)) await cancelRecorded(env, scope, row);
}

/** Resolves with JobCancelledError once the job is cancelled (checked every CANCEL_POLL_SECONDS), until `stop`. */
function watchCancellation(ctx: JobProcessorContext, onCancelled: (err: JobCancelledError) => void): () => void {
  const timer = setInterval(() => {
    ctx.throwIfCancelled().catch((err: unknown) => {
      if (err instanceof JobCancelledError) onCancelled(err);
    });
  }, CANCEL_POLL_SECONDS * 1000);
  return () => clearInterval(timer);
}

export function jobProcessor(ctx: JobProcessorContext): ProcessorClient {
  const { env, scope, job } = ctx;
  return {
    health: () => processorClient(env).health(),

    async run(operation, request, onProgress) {
      const id = await jobOperationId(job.id, operation, request);
      const known = await findProcessorOperation(scope, job.id, id);
      if (known && Date.now() - Date.parse(known.startedAt) > PROCESSOR_OPERATION_MAX_SECONDS * 1000) {
        await cancelRecorded(env, scope, known);
        throw new TransientJobError(
          'timeout',
          `The ${operation} operation was still unfinished ${PROCESSOR_OPERATION_MAX_SECONDS / 3600} h after it started; it was cancelled`,
        );
      }
      // No time left to follow a new operation: the next delivery starts it.
      if (!known && Date.now() >= ctx.deadline) throw new OperationPendingError(operation);

      const { name, connection } = processorInstance(env, known?.instance);
      const follow = new AbortController();
      const budget = setTimeout(
        () => follow.abort(new OperationPendingError(operation)),
        Math.max(0, ctx.deadline - Date.now()),
      );
      const stopWatching = watchCancellation(ctx, (err) => follow.abort(err));
      try {
        let stream: OperationStream<typeof operation>;
        if (known) {
          stream = await connection.attach(operation, id, follow.signal);
        } else {
          stream = await connection.start(operation, request, id, follow.signal);
          // Accepted: from here on it runs whether or not this delivery lives to see it end.
          await recordProcessorOperation(scope, {
            id,
            jobId: job.id,
            operation,
            instance: name,
            startedAt: new Date().toISOString(),
          });
        }
        const result = await stream.result(onProgress);
        await forgetProcessorOperation(scope, job.id, id);
        return result;
      } catch (err) {
        throw await outcomeOf(err, operation, id, connection);
      } finally {
        clearTimeout(budget);
        stopWatching();
      }
    },
  };

  /** What a failed or interrupted follow means for the job, and what is left of the operation's record. */
  async function outcomeOf(
    err: unknown,
    operation: string,
    id: string,
    connection: ProcessorConnection,
  ): Promise<unknown> {
    // Still running: the record stays, so the next delivery follows it again.
    if (err instanceof OperationPendingError) return err;
    if (err instanceof JobCancelledError) {
      await cancelOperation(connection, scope, job.id, id);
      return err;
    }
    if (!(err instanceof ProcessorError)) return err;
    // The stream broke or the processor is unreachable: the operation may still be running there.
    if (err.code === 'unreachable') return err;
    await forgetProcessorOperation(scope, job.id, id);
    if (err.code === 'operation_unknown') {
      return new TransientJobError(
        'processor_lost',
        `The processor lost the ${operation} operation (its container restarted, was evicted or redeployed); it will run again`,
      );
    }
    if (err.code === 'cancelled') {
      // Cancelled on the processor: because the job was cancelled, or by someone else (then retried).
      try {
        await ctx.throwIfCancelled();
      } catch (cancelled) {
        return cancelled;
      }
      return new TransientJobError('processor_cancelled', `The ${operation} operation was cancelled on the processor`);
    }
    return err;
  }
}
