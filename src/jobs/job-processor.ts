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
 * - that delivery runs the handler again from the top: earlier steps of this job that succeeded
 *   get their results back from the processor at once (their outputs are still stored: the job
 *   has not finished), and the step that was running is followed again, on the same container
 *   instance, instead of being started twice;
 * - an operation recorded as started that the processor no longer knows was lost with its
 *   container (crash, eviction, deploy): the job is retried (`processor_lost`), which starts it
 *   afresh, and fails with that reason once its attempts are spent;
 * - cancelling the job cancels the operation on the processor (here while following it, or
 *   `cancelJobOperations` from the cancel route and the consumer);
 * - a new operation starts on the instance the placement (src/processor/placement.ts) leases it;
 *   with every instance full the job waits (`JobDeferredError`, no attempt spent). The lease is
 *   renewed by each delivery that follows the operation and freed when it ends or the job does.
 */
import { sha256Hex } from '../../shared/encoding.ts';
import type { Bindings } from '../core/env.ts';
import { CANCEL_POLL_SECONDS, PROCESSOR_BUSY_RETRY_SECONDS, PROCESSOR_OPERATION_MAX_SECONDS } from '../core/limits.ts';
import {
  findProcessorOperation,
  forgetJobProcessorOperations,
  forgetProcessorOperation,
  listProcessorOperations,
  markProcessorOperationSucceeded,
  type ProcessorOperationRow,
  recordProcessorOperation,
} from '../db/repos/processor-operations.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { OperationStream, ProcessorConnection } from '../processor/client.ts';
import type {
  OperationRequest,
  OperationResult,
  ProcessorClient,
  ProcessorOperation,
  ProgressEvent,
} from '../processor/contract.ts';
import { processorClient, processorInstance } from '../processor/connect.ts';
import { ProcessorError } from '../processor/errors.ts';
import { keepPlacement, placeOperation, releaseJobPlacements, releasePlacement } from '../processor/placement.ts';
import { mediaUrlIdentity, storageKeyOf, uploadTargetOf } from '../storage/signed-urls.ts';
import type { JobContextOf } from './context.ts';
import { JobCancelledError, JobDeferredError, OperationPendingError, TransientJobError } from './errors.ts';

/** What the job processor needs of a handler's context. */
export type JobProcessorContext = Pick<
  JobContextOf<unknown>,
  'env' | 'scope' | 'job' | 'deadline' | 'throwIfCancelled' | 'timings'
>;

/** How long taking back a remembered result may take past the deadline (it comes at once). */
const REMEMBERED_RESULT_WAIT_MS = 30_000;

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

/** Every object `request` has the processor write (its signed upload URLs, at any depth). */
function outputKeysOf(scope: ProfileScope, request: unknown): string[] {
  const keys: string[] = [];
  JSON.stringify(request, (key, value: unknown) => {
    const target = key === 'url' && typeof value === 'string' ? uploadTargetOf(scope, value) : null;
    if (target) keys.push(storageKeyOf(scope, target));
    return value;
  });
  return keys;
}

/** Cancels an operation (best effort: an unreachable processor has lost it anyway), forgets it and frees its slot. */
async function cancelOperation(
  env: Bindings,
  connection: ProcessorConnection,
  scope: ProfileScope,
  jobId: string,
  id: string,
): Promise<void> {
  await connection.cancel(id).catch(() => null);
  await forgetProcessorOperation(scope, jobId, id);
  await releasePlacement(env.DB, id);
}

function cancelRecorded(env: Bindings, scope: ProfileScope, row: ProcessorOperationRow): Promise<void> {
  return cancelOperation(env, processorInstance(env, row.instance).connection, scope, row.jobId, row.id);
}

/** The job ended: cancels the operations it still has running, and forgets them all. */
export async function cancelJobOperations(env: Bindings, scope: ProfileScope, jobId: string): Promise<void> {
  for (const row of await listProcessorOperations(scope, jobId)) {
    if (row.state === 'running') await cancelRecorded(env, scope, row);
  }
  await forgetJobProcessorOperations(scope, jobId);
  await releaseJobPlacements(env.DB, jobId);
}

/** Calls `onCancelled` once the job is cancelled (checked every CANCEL_POLL_SECONDS); returns the stop. */
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
  const stored = async (keys: string[]) =>
    (await Promise.all(keys.map((key) => env.MEDIA.head(key)))).every((object) => object !== null);

  /**
   * Follows one operation until it ends, `until` (OperationPendingError), or the job's
   * cancellation; `open` starts it or attaches to it. Records it once the processor took it.
   */
  async function follow<O extends ProcessorOperation>(
    operation: O,
    id: string,
    connection: ProcessorConnection,
    open: (signal: AbortSignal) => Promise<OperationStream<O>>,
    record: (() => Promise<void>) | null,
    until: number,
    onProgress?: (event: ProgressEvent) => void | Promise<void>,
  ): Promise<OperationResult<O>> {
    const following = new AbortController();
    const budget = setTimeout(
      () => following.abort(new OperationPendingError(operation)),
      Math.max(0, until - Date.now()),
    );
    const stopWatching = watchCancellation(ctx, (err) => following.abort(err));
    let accepted = false;
    try {
      const stream = await ctx.timings.timed('processor_accept', () => open(following.signal));
      accepted = true;
      // Accepted: from here on it runs whether or not this delivery lives to see it end.
      await record?.();
      const result = await ctx.timings.timed('processor_follow', () => stream.result(onProgress));
      await markProcessorOperationSucceeded(scope, job.id, id);
      await releasePlacement(env.DB, id);
      return result;
    } catch (err) {
      // A start the processor never took holds no slot.
      if (!accepted && record) await releasePlacement(env.DB, id);
      throw await outcomeOf(err, operation, id, connection);
    } finally {
      clearTimeout(budget);
      stopWatching();
    }
  }

  return {
    health: () => processorClient(env).health(),

    async run(operation, request, onProgress) {
      const id = await jobOperationId(job.id, operation, request);
      const known = await findProcessorOperation(scope, job.id, id);
      if (known?.state === 'succeeded' && (await stored(outputKeysOf(scope, request)))) {
        // Done by an earlier delivery of this job, its outputs still stored: take the result back.
        const { connection } = processorInstance(env, known.instance);
        const attach = (signal: AbortSignal) => connection.attach(operation, id, signal);
        try {
          // Answered at once: even past the deadline, taking it costs nothing.
          const until = Math.max(ctx.deadline, Date.now() + REMEMBERED_RESULT_WAIT_MS);
          return await follow(operation, id, connection, attach, null, until, onProgress);
        } catch (err) {
          // Forgotten since (or another process): do it again below.
          if (!(err instanceof TransientJobError && err.code === 'processor_lost')) throw err;
        }
      } else if (known?.state === 'running') {
        if (Date.now() - Date.parse(known.startedAt) > PROCESSOR_OPERATION_MAX_SECONDS * 1000) {
          await cancelRecorded(env, scope, known);
          throw new TransientJobError(
            'timeout',
            `The ${operation} operation was still unfinished ${PROCESSOR_OPERATION_MAX_SECONDS / 3600} h after it started; it was cancelled`,
          );
        }
        // Started by an earlier delivery: follow it again where it runs (its slot there stays held).
        const { name, connection } = processorInstance(env, known.instance);
        await keepPlacement(env.DB, { operationId: id, jobId: job.id, followUntil: ctx.deadline }, name);
        const attach = (signal: AbortSignal) => connection.attach(operation, id, signal);
        return follow(operation, id, connection, attach, null, ctx.deadline, onProgress);
      }
      // No time left to follow a new operation: the next delivery starts it.
      if (Date.now() >= ctx.deadline) throw new OperationPendingError(operation);
      const placed = await placeOperation(env.DB, { operationId: id, jobId: job.id, followUntil: ctx.deadline });
      if (!placed)
        throw new JobDeferredError(
          'processor_busy',
          'Waiting for a free processor: every instance is busy',
          PROCESSOR_BUSY_RETRY_SECONDS,
        );
      const { name, connection } = processorInstance(env, placed);
      const start = (signal: AbortSignal) => connection.start(operation, request, id, signal);
      const record = () =>
        recordProcessorOperation(scope, {
          id,
          jobId: job.id,
          operation,
          instance: name,
          startedAt: new Date().toISOString(),
        });
      return follow(operation, id, connection, start, record, ctx.deadline, onProgress);
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
      await cancelOperation(env, connection, scope, job.id, id);
      return err;
    }
    // The stream broke or the processor is unreachable: the operation may still be running there
    // (its lease stays, and expires if nobody follows it again).
    if (!(err instanceof ProcessorError) || err.code === 'unreachable') return err;
    // Ended on the processor (failed, unknown there, cancelled): forgotten, its slot free.
    await forgetProcessorOperation(scope, job.id, id);
    await releasePlacement(env.DB, id);
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
