/**
 * Queue consumer. At-least-once safe:
 * - a message for an unknown, foreign or finished job is acknowledged and changes nothing;
 * - the job's stored input is re-parsed with its schema; handlers are idempotent;
 * - transient failures are retried with exponential backoff; the dead-letter consumer marks a job
 *   failed with its last reason once the retries are spent.
 */
import type { Bindings } from '../core/env.ts';
import { createDb } from '../db/client.ts';
import { type JobRow, failJob, completeJob, isTerminal, markCancelled, markRunning, noteRetry, noteWaiting, verifyJobMessage } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { deletePrefix } from '../storage/keys.ts';
import { createJobContext } from './context.ts';
import { JobCancelledError, JobDeferredError, PermanentJobError, TransientJobError } from './errors.ts';
import { type JobType, jobInputSchemas } from './job-types.ts';
import { type HandlerRegistry, handlers as defaultHandlers } from '../job-handlers/index.ts';
import { type JobMessage, queueMessage } from './messages.ts';

/** Must match `max_retries` of the jobs consumer in wrangler.toml. */
export const MAX_ATTEMPTS = 6;

/**
 * A job marked running that changed within this many seconds is being worked on by another
 * delivery (queues are at-least-once): a duplicate waits instead of running the same work twice
 * (and paying a provider twice). A delivery that died stops touching the row, so after this long
 * without progress the next delivery takes over.
 */
export const RUNNING_LEASE_SECONDS = 120;

/** How long a deferred job may wait for what it needs (see JobDeferredError). */
export const MAX_WAIT_SECONDS = 3600;

export function backoffSeconds(attempt: number, hint?: number): number {
  if (hint && hint > 0) return Math.min(900, Math.ceil(hint));
  return Math.min(300, 5 * 2 ** Math.max(0, attempt - 1));
}

function log(fields: Record<string, unknown>) {
  console.log(JSON.stringify({ level: 'info', ...fields }));
}

export async function handleJobsBatch(
  batch: MessageBatch<unknown>,
  env: Bindings,
  registry: HandlerRegistry = defaultHandlers,
): Promise<void> {
  for (const message of batch.messages) {
    const parsed = queueMessage.safeParse(message.body);
    if (!parsed.success) {
      log({ msg: 'dropping malformed queue message', id: message.id });
      message.ack();
      continue;
    }
    if (parsed.data.kind === 'system') {
      await deletePrefix(env.MEDIA, parsed.data.prefix);
      message.ack();
      continue;
    }
    const outcome = await processJobMessage(env, parsed.data, message.attempts, registry);
    if (outcome.retryAfter !== undefined) message.retry({ delaySeconds: outcome.retryAfter });
    else message.ack();
  }
}

/** Runs one job message. Returns `retryAfter` when the message should be redelivered. */
export async function processJobMessage(
  env: Bindings,
  message: JobMessage,
  attempt: number,
  registry: HandlerRegistry = defaultHandlers,
): Promise<{ retryAfter?: number }> {
  const db = createDb(env.DB);
  const verified = await verifyJobMessage(db, message);
  if (!verified) {
    log({ msg: 'job gone or not in this profile; message dropped', job_id: message.job_id });
    return {};
  }
  const { scope, job } = verified;
  if (isTerminal(job)) return {};
  if (job.cancelRequested) {
    await markCancelled(scope, job.id);
    await runCancelHook(env, scope, job, registry);
    return {};
  }
  if (job.status === 'running') {
    const idle = (Date.now() - Date.parse(job.updatedAt)) / 1000;
    if (idle >= 0 && idle < RUNNING_LEASE_SECONDS) {
      log({ msg: 'job is running in another delivery; this one waits', job_id: job.id, idle_seconds: Math.round(idle) });
      return { retryAfter: Math.ceil(RUNNING_LEASE_SECONDS - idle) };
    }
  }
  const type = job.type as JobType;
  const handler = registry[type];
  const inputResult = jobInputSchemas[type]?.safeParse(job.input);
  if (!handler || !inputResult?.success) {
    await fail(env, scope, job, 'invalid_job', `Job of type ${job.type} cannot be run: its input is invalid`, registry);
    return {};
  }
  const running = await markRunning(scope, job.id, attempt);
  if (!running) return {};
  const ctx = createJobContext(env, scope, running, inputResult.data as never, attempt);
  try {
    const outcome = await handler.run(ctx as never);
    await completeJob(scope, job.id, outcome.result, outcome);
    log({ msg: 'job completed', job_id: job.id, type, profile_id: scope.profileId });
    return {};
  } catch (err) {
    if (err instanceof JobCancelledError) {
      await markCancelled(scope, job.id);
      await runCancelHook(env, scope, running, registry);
      return {};
    }
    if (err instanceof PermanentJobError) {
      await fail(env, scope, running, err.code, err.message, registry);
      return {};
    }
    if (err instanceof JobDeferredError) return defer(env, scope, running, message, err, registry);
    const code = err instanceof TransientJobError ? err.code : 'internal_error';
    const reason = err instanceof Error ? err.message : String(err);
    if (attempt >= MAX_ATTEMPTS) {
      await fail(env, scope, running, code, `${reason} (gave up after ${attempt} attempts)`, registry);
      return {};
    }
    const delay = backoffSeconds(attempt, err instanceof TransientJobError ? err.retryAfterSeconds : undefined);
    await noteRetry(scope, job.id, code, reason, delay);
    log({ msg: 'job will be retried', job_id: job.id, type, attempt, delay, reason });
    return { retryAfter: delay };
  }
}

/**
 * Waiting is not failing: a fresh message is sent with a delay (so no retry is spent) and this one
 * acknowledged. Past MAX_WAIT_SECONDS since the job was created it fails with the wait's reason.
 */
async function defer(env: Bindings, scope: ProfileScope, job: JobRow, message: JobMessage, err: JobDeferredError, registry: HandlerRegistry) {
  const waited = (Date.now() - Date.parse(job.createdAt)) / 1000;
  if (!(waited < MAX_WAIT_SECONDS)) {
    await fail(env, scope, job, err.code, `${err.message} (waited ${Math.round(waited)} s)`, registry);
    return {};
  }
  const delay = Math.max(1, Math.min(60, Math.ceil(err.delaySeconds)));
  await noteWaiting(scope, job.id, err.message);
  try {
    await env.JOBS.send(message, { contentType: 'json', delaySeconds: delay });
    return {};
  } catch {
    // Could not send a fresh message: let the queue redeliver this one instead.
    return { retryAfter: delay };
  }
}

/** Lets the handler release what a cancelled job held (also called by the cancel route). */
export async function runCancelHook(env: Bindings, scope: ProfileScope, job: JobRow, registry: HandlerRegistry = defaultHandlers) {
  const type = job.type as JobType;
  const handler = registry[type];
  const input = jobInputSchemas[type]?.safeParse(job.input);
  if (!handler?.onCancelled || !input?.success) return;
  try {
    await handler.onCancelled(createJobContext(env, scope, job, input.data as never, job.attempts) as never);
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'onCancelled hook failed', job_id: job.id, error: String(err) }));
  }
}

async function fail(env: Bindings, scope: ProfileScope, job: JobRow, code: string, message: string, registry: HandlerRegistry) {
  const failed = await failJob(scope, job.id, code, message);
  if (!failed) return;
  const type = job.type as JobType;
  const handler = registry[type];
  const input = jobInputSchemas[type]?.safeParse(job.input);
  if (handler?.onFailure && input?.success) {
    const ctx = createJobContext(env, scope, failed, input.data as never, job.attempts);
    try {
      await handler.onFailure(ctx as never, code, message);
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'onFailure hook failed', job_id: job.id, error: String(err) }));
    }
  }
  log({ msg: 'job failed', job_id: job.id, type: job.type, code, message });
}

/** Dead-letter consumer: the retries are spent, so the job fails with its last recorded reason. */
export async function handleDeadLetterBatch(
  batch: MessageBatch<unknown>,
  env: Bindings,
  registry: HandlerRegistry = defaultHandlers,
): Promise<void> {
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    const parsed = queueMessage.safeParse(message.body);
    if (parsed.success && parsed.data.kind === 'job') {
      const verified = await verifyJobMessage(db, parsed.data);
      if (verified && !isTerminal(verified.job)) {
        const { scope, job } = verified;
        const reason = job.errorMessage ?? 'the job could not be completed';
        await fail(env, scope, job, job.errorCode ?? 'retries_exhausted', `${reason} (retries exhausted)`, registry);
      }
    }
    message.ack();
  }
}
