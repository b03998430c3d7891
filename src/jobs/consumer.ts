/**
 * Queue consumer. At-least-once safe:
 * - a message for an unknown, foreign or finished job is acknowledged and changes nothing;
 * - a delivery claims its job by compare-and-set on the row as it read it: of two deliveries of
 *   one job arriving together (a duplicate, or the stranded-job sweep's re-send), one runs it;
 * - the job's stored input is re-parsed with its schema; handlers are idempotent;
 * - transient failures are retried with exponential backoff; the dead-letter consumer marks a job
 *   failed with its last reason once the retries are spent;
 * - a delivery follows processor operations for at most its time budget (a consumer invocation
 *   may run 15 minutes): an operation still running then goes on, and the job, still running, is
 *   handed to a fresh message whose delivery follows it again (job-processor.ts). No retry is spent.
 * The consumer runs the job types of the registry it is made with (`createJobConsumer`), wired in
 * src/index.ts; a message of any other type is dropped like a malformed one. Webhook messages go to
 * the webhook tasks it is given (src/webhooks/); webhook events the work recorded are announced
 * after each job message.
 */
import type { Bindings } from '../core/env.ts';
import { CONSUMER_WALL_CLOCK_SECONDS, HANDOFF_DELAY_SECONDS, JOB_CONSUMER_BUDGET_SECONDS } from '../core/limits.ts';
import { Timings, timedD1 } from '../core/timings.ts';
import { createDb } from '../db/client.ts';
import {
  type JobRow,
  failJob,
  completeJob,
  isTerminal,
  markCancelled,
  markRunning,
  noteHandoff,
  noteRetry,
  noteWaiting,
  verifyJobMessage,
} from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { deletePrefix } from '../storage/keys.ts';
import { announceEvents } from '../webhooks/announce.ts';
import type { WebhookTaskRunner } from '../webhooks/tasks.ts';
import { runCancelHook } from './cancel.ts';
import { createJobContext } from './context.ts';
import { announceJob } from './job-events.ts';
import {
  JobCancelledError,
  JobDeferredError,
  OperationPendingError,
  PermanentJobError,
  TransientJobError,
} from './errors.ts';
import { fairTurn, stepAsideDelaySeconds } from './fair-share.ts';
import { cancelJobOperations } from './job-processor.ts';
import { type JobMessage, type QueueMessage, queueMessage } from './messages.ts';
import { type JobRegistry, registeredRun } from './registry.ts';
import { type StrandedSweepReport, sweepStrandedJobs } from './stranded.ts';

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

/** How long one delivery follows processor operations, ms: JOB_CONSUMER_BUDGET_SECONDS, or the env override. */
export function consumerBudgetMs(env: Pick<Bindings, 'JOB_CONSUMER_BUDGET_SECONDS'>): number {
  const override = Number(env.JOB_CONSUMER_BUDGET_SECONDS);
  const seconds = Number.isFinite(override) && override > 0 ? override : JOB_CONSUMER_BUDGET_SECONDS;
  return Math.min(Math.max(1, seconds), CONSUMER_WALL_CLOCK_SECONDS - 60) * 1000;
}

export function backoffSeconds(attempt: number, hint?: number): number {
  if (hint && hint > 0) return Math.min(900, Math.ceil(hint));
  return Math.min(300, 5 * 2 ** Math.max(0, attempt - 1));
}

/** Running and changed within the lease: a delivery is working on it now. */
function isLive(job: JobRow): boolean {
  const idle = (Date.now() - Date.parse(job.updatedAt)) / 1000;
  return job.status === 'running' && !job.handedOffAt && idle >= 0 && idle < RUNNING_LEASE_SECONDS;
}

function log(fields: Record<string, unknown>) {
  console.log(JSON.stringify({ level: 'info', ...fields }));
}

export interface JobConsumer {
  /** The jobs queue's consumer. */
  handleJobsBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void>;
  /** Dead-letter consumer: the retries are spent, so the job fails with its last recorded reason. */
  handleDeadLetterBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void>;
  /**
   * Runs one job message (`attempt`: failed attempts so far + 1; `deadline`: when to stop
   * following processor operations). Returns `retryAfter` when the message should be redelivered.
   */
  processJobMessage(
    env: Bindings,
    message: JobMessage,
    attempt: number,
    deadline?: number,
  ): Promise<{ retryAfter?: number }>;
  /** The stranded-job sweep (stranded.ts): jobs that lost their messages are re-sent or failed. */
  sweepStrandedJobs(env: Bindings, now?: number): Promise<StrandedSweepReport>;
}

export interface ConsumerOptions {
  /** Runs `webhook` messages (dispatch, delivery); without it they are acknowledged unrun. */
  webhooks?: WebhookTaskRunner;
}

export function createJobConsumer(jobs: JobRegistry, options: ConsumerOptions = {}): JobConsumer {
  /** A well-formed message of a job type this consumer runs, or null. */
  function readMessage(body: unknown): QueueMessage | null {
    const parsed = queueMessage.safeParse(body);
    if (!parsed.success) return null;
    if (parsed.data.kind === 'job' && !Object.hasOwn(jobs, parsed.data.type)) return null;
    return parsed.data;
  }

  async function handleJobsBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
    // One budget for the invocation, whatever the batch size.
    const deadline = Date.now() + consumerBudgetMs(env);
    for (const message of batch.messages) {
      const parsed = readMessage(message.body);
      if (!parsed) {
        log({ msg: 'dropping malformed queue message', id: message.id });
        message.ack();
        continue;
      }
      if (parsed.kind === 'system') {
        await deletePrefix(env.MEDIA, parsed.prefix);
        message.ack();
        continue;
      }
      const outcome =
        parsed.kind === 'webhook'
          ? ((await options.webhooks?.(env, parsed)) ?? {})
          : await processJobMessage(env, parsed, message.attempts + (parsed.prior_attempts ?? 0), deadline);
      if (outcome.retryAfter !== undefined) message.retry({ delaySeconds: outcome.retryAfter });
      else message.ack();
    }
  }

  async function processJobMessage(
    env: Bindings,
    message: JobMessage,
    attempt: number,
    deadline = Date.now() + consumerBudgetMs(env),
  ): Promise<{ retryAfter?: number }> {
    // Where this delivery's time went, one log line per delivery (bench/jobs.ts reads it).
    const timings = new Timings();
    const received = Date.now();
    try {
      const db = createDb(timedD1(env.DB, timings));
      const verified = await verifyJobMessage(db, message);
      if (!verified) {
        log({ msg: 'job gone or not in this profile; message dropped', job_id: message.job_id });
        return {};
      }
      try {
        return await runJobMessage(env, verified, message, { attempt, deadline, timings, received });
      } finally {
        await announceEvents(env, verified.scope);
      }
    } finally {
      log({
        msg: 'job timings',
        job_id: message.job_id,
        type: message.type,
        attempt,
        received_at: received,
        done_at: Date.now(),
        spans: timings.spans,
      });
    }
  }

  async function runJobMessage(
    env: Bindings,
    { scope, job }: { scope: ProfileScope; job: JobRow },
    message: JobMessage,
    { attempt, deadline, timings, received }: { attempt: number; deadline: number; timings: Timings; received: number },
  ): Promise<{ retryAfter?: number }> {
    if (isTerminal(job)) return {};
    // From the job's creation (or hand-off) to this delivery: queue delivery plus the producer's send.
    timings.add('queued', received - Date.parse(job.handedOffAt ?? job.createdAt));
    if (job.cancelRequested) {
      await cancel(env, scope, job);
      return {};
    }
    // A job handed off by the delivery before is free to claim; any other running job is leased.
    if (job.status === 'running' && !job.handedOffAt) {
      const idle = (Date.now() - Date.parse(job.updatedAt)) / 1000;
      if (idle >= 0 && idle < RUNNING_LEASE_SECONDS) {
        log({
          msg: 'job is running in another delivery; this one waits',
          job_id: job.id,
          idle_seconds: Math.round(idle),
        });
        return { retryAfter: Math.ceil(RUNNING_LEASE_SECONDS - idle) };
      }
    }
    // A profile served less waits for its first start: its job runs in this one's place (fair-share.ts).
    const instead = await fairTurn(env, job, message, Object.keys(jobs));
    if (instead) {
      const defers = message.fair_defers ?? 0;
      const own = await resend(env, { ...message, fair_defers: defers + 1 }, attempt, stepAsideDelaySeconds(defers));
      const outcome = await processJobMessage(env, instead, 1, deadline);
      if (outcome.retryAfter !== undefined) await resend(env, instead, 1, outcome.retryAfter);
      return own;
    }
    const type = job.type;
    const run = registeredRun(jobs, job);
    if (!run) {
      await fail(env, scope, job, 'invalid_job', `Job of type ${job.type} cannot be run: its input is invalid`);
      return {};
    }
    // Terminal, or a handed-off job another delivery claimed first: nothing to do here.
    // Claimed only if the row is as this delivery read it: of a re-sent message and the original
    // (or any two duplicates) delivered together, one runs the job and the other is dropped. A
    // handed-off job is claimed by its hand-off mark alone (a late progress write of the delivery
    // that handed it off must not make its successor drop it).
    const seen = job.handedOffAt ? undefined : job.updatedAt;
    const running = await markRunning(scope, job.id, attempt, job.handedOffAt, seen);
    if (!running) {
      log({ msg: 'job claimed by another delivery or finished; message dropped', job_id: job.id });
      return {};
    }
    await timings.timed('announce', () => announceJob(env, scope, running));
    const ctx = createJobContext(env, scope, running, run.input, attempt, deadline, timings);
    try {
      const outcome = await timings.timed('handler', () => run.handler.run(ctx));
      await ctx.progressSaved();
      await announceJob(
        env,
        scope,
        await timings.timed('complete', () => completeJob(scope, job.id, outcome.result, outcome)),
      );
      // Operations a step no longer asked for (its request changed between deliveries).
      await cancelJobOperations(env, scope, job.id);
      log({ msg: 'job completed', job_id: job.id, type, profile_id: scope.profileId });
      return {};
    } catch (err) {
      await ctx.progressSaved();
      if (err instanceof JobCancelledError) {
        await cancel(env, scope, running);
        return {};
      }
      if (err instanceof PermanentJobError) {
        await fail(env, scope, running, err.code, err.message);
        return {};
      }
      if (err instanceof OperationPendingError) {
        await noteHandoff(scope, job.id);
        log({ msg: 'job handed to the next delivery', job_id: job.id, type, operation: err.operation, attempt });
        return resend(env, message, attempt, HANDOFF_DELAY_SECONDS);
      }
      if (err instanceof JobDeferredError) return defer(env, scope, running, message, attempt, err);
      const code = err instanceof TransientJobError ? err.code : 'internal_error';
      const reason = err instanceof Error ? err.message : String(err);
      if (attempt >= MAX_ATTEMPTS) {
        await fail(env, scope, running, code, `${reason} (gave up after ${attempt} attempts)`);
        return {};
      }
      const delay = backoffSeconds(attempt, err instanceof TransientJobError ? err.retryAfterSeconds : undefined);
      await announceJob(env, scope, await noteRetry(scope, job.id, code, reason, delay));
      log({ msg: 'job will be retried', job_id: job.id, type, attempt, delay, reason });
      return { retryAfter: delay };
    }
  }

  /**
   * Waiting is not failing: a fresh message is sent with a delay (so no retry is spent) and this one
   * acknowledged. Past MAX_WAIT_SECONDS since the job was created it fails with the wait's reason.
   */
  async function defer(
    env: Bindings,
    scope: ProfileScope,
    job: JobRow,
    message: JobMessage,
    attempt: number,
    err: JobDeferredError,
  ) {
    const waited = (Date.now() - Date.parse(job.createdAt)) / 1000;
    if (!(waited < MAX_WAIT_SECONDS)) {
      await fail(env, scope, job, err.code, `${err.message} (waited ${Math.round(waited)} s)`);
      return {};
    }
    const delay = Math.max(1, Math.min(60, Math.ceil(err.delaySeconds)));
    await announceJob(env, scope, await noteWaiting(scope, job.id, err.message));
    return resend(env, message, attempt, delay);
  }

  /**
   * Sends a fresh message for the job (acknowledging this one), carrying the attempts spent so
   * far; if that fails, the queue redelivers this message instead.
   */
  async function resend(env: Bindings, message: JobMessage, attempt: number, delaySeconds: number) {
    try {
      await env.JOBS.send({ ...message, prior_attempts: attempt - 1 }, { contentType: 'json', delaySeconds });
      return {};
    } catch {
      return { retryAfter: delaySeconds };
    }
  }

  /** The job ends cancelled: its processor operations are cancelled, its handler releases what it held. */
  async function cancel(env: Bindings, scope: ProfileScope, job: JobRow) {
    await announceJob(env, scope, await markCancelled(scope, job.id));
    await cancelJobOperations(env, scope, job.id);
    await runCancelHook(jobs, env, scope, job);
  }

  async function fail(env: Bindings, scope: ProfileScope, job: JobRow, code: string, message: string) {
    const failed = await failJob(scope, job.id, code, message);
    if (!failed) return;
    await announceJob(env, scope, failed);
    await cancelJobOperations(env, scope, job.id);
    const run = registeredRun(jobs, job);
    if (run?.handler.onFailure) {
      const ctx = createJobContext(env, scope, failed, run.input, job.attempts);
      try {
        await run.handler.onFailure(ctx, code, message);
      } catch (err) {
        console.error(
          JSON.stringify({ level: 'error', msg: 'onFailure hook failed', job_id: job.id, error: String(err) }),
        );
      }
    }
    log({ msg: 'job failed', job_id: job.id, type: job.type, code, message });
  }

  async function handleDeadLetterBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
    const db = createDb(env.DB);
    for (const message of batch.messages) {
      const parsed = readMessage(message.body);
      if (parsed?.kind === 'job') {
        const verified = await verifyJobMessage(db, parsed);
        // A duplicate that spent its retries waiting while another delivery runs the job (that
        // delivery, or the stranded-job sweep if it dies, brings the job to an end): dropped.
        if (verified && isLive(verified.job)) {
          log({ msg: 'dead-lettered duplicate of a running job dropped', job_id: verified.job.id });
        } else if (verified && !isTerminal(verified.job)) {
          const { scope, job } = verified;
          const reason = job.errorMessage ?? 'the job could not be completed';
          await fail(env, scope, job, job.errorCode ?? 'retries_exhausted', `${reason} (retries exhausted)`);
          await announceEvents(env, scope);
        }
      }
      message.ack();
    }
  }

  async function sweepStranded(env: Bindings, now?: number): Promise<StrandedSweepReport> {
    return sweepStrandedJobs(
      env,
      async (env, scope, job, code, message) => {
        await fail(env, scope, job, code, message);
        await announceEvents(env, scope);
      },
      { maxAttempts: MAX_ATTEMPTS, now },
    );
  }

  return { handleJobsBatch, handleDeadLetterBatch, processJobMessage, sweepStrandedJobs: sweepStranded };
}
