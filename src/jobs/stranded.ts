/**
 * The stranded-job sweep (every minute, `* * * * *` in wrangler.toml): an active job that nothing
 * will move again gets a fresh queue message, or fails with a reason, so it never holds a slot of
 * its profile's concurrency limit forever.
 *
 * - Undispatched: a pending job whose message was never marked sent (`dispatched_at`) for
 *   STRANDED_GRACE_SECONDS lost it between the producer's insert and send (the isolate died, or
 *   the send failed and so did the removal). It is sent one; after MAX_REDISPATCHES sends that did
 *   not take it fails with `dispatch_failed`.
 * - Stalled: a job a delivery started that nothing changed for STALLED_JOB_SECONDS has no delivery
 *   left (a live one touches its job at least once per consumer invocation: claim, hand-off,
 *   retry, end); its messages were lost (the consumer died and the dead-letter one failed too). It
 *   is sent one carrying its attempts, so the next delivery takes it over (following its processor
 *   operation again, or retrying it as `processor_lost`), and it fails with `job_stalled` once
 *   its attempts or re-dispatches are spent.
 *
 * Every re-send is a duplicate at worst: the consumer's claim lets one delivery run a job.
 */
import type { Bindings } from '../core/env.ts';
import { createDb } from '../db/client.ts';
import { type JobRow, claimRedispatch, findStrandedJobs, markDispatched } from '../db/repos/jobs.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../db/scope.ts';
import type { JobMessage } from './messages.ts';

/** A pending job unmarked this long lost its message (enqueueing takes well under a second). */
export const STRANDED_GRACE_SECONDS = 15;
/**
 * A started job unchanged this long has no live delivery: a consumer invocation lives at most
 * 15 minutes and a retry waits at most 15 (consumer.ts backoffSeconds).
 */
export const STALLED_JOB_SECONDS = 20 * 60;
/** Fresh messages the sweep sends one job before failing it. */
export const MAX_REDISPATCHES = 5;
/** Jobs of each kind one sweep handles; a larger backlog is cleared over the next minutes. */
const SWEEP_LIMIT = 200;

export type FailJob = (env: Bindings, scope: ProfileScope, job: JobRow, code: string, message: string) => Promise<void>;

export interface StrandedSweepReport {
  resent: string[];
  failed: string[];
}

function log(fields: Record<string, unknown>) {
  console.log(JSON.stringify({ level: 'info', ...fields }));
}

/**
 * One pass. `fail` is the consumer's (it runs the job type's failure hook and announces the end);
 * `maxAttempts` the consumer's attempt limit.
 */
export async function sweepStrandedJobs(
  env: Bindings,
  fail: FailJob,
  { maxAttempts, now = Date.now() }: { maxAttempts: number; now?: number },
): Promise<StrandedSweepReport> {
  const db = createDb(env.DB);
  const before = (seconds: number) => new Date(now - seconds * 1000).toISOString();
  const { undispatched, stalled } = await findStrandedJobs(db, {
    undispatchedBefore: before(STRANDED_GRACE_SECONDS),
    stalledBefore: before(STALLED_JOB_SECONDS),
    limit: SWEEP_LIMIT,
  });
  const report: StrandedSweepReport = { resent: [], failed: [] };
  for (const job of undispatched) {
    const reason =
      job.redispatches >= MAX_REDISPATCHES
        ? {
            code: 'dispatch_failed',
            message: `The job could not be handed to the job queue (${job.redispatches} attempts); nothing ran`,
          }
        : null;
    await settle(env, fail, job, reason, report);
  }
  for (const job of stalled) {
    const spent = job.attempts >= maxAttempts || job.redispatches >= MAX_REDISPATCHES;
    const reason = spent
      ? {
          code: 'job_stalled',
          message: `The job stopped making progress: its work was lost ${Math.max(job.attempts, job.redispatches)} times (the worker running it ended without a result)`,
        }
      : null;
    await settle(env, fail, job, reason, report);
  }
  if (report.resent.length || report.failed.length)
    log({ msg: 'stranded jobs', resent: report.resent, failed: report.failed });
  return report;
}

/** Fails the job with `reason`, or claims it and sends it a fresh message. */
async function settle(
  env: Bindings,
  fail: FailJob,
  job: JobRow,
  reason: { code: string; message: string } | null,
  report: StrandedSweepReport,
): Promise<void> {
  // The row names its profile; the sweep acts in that profile only.
  const scope = scopeForVerifiedProfile(createDb(env.DB), { profileId: job.profileId });
  try {
    if (reason) {
      await fail(env, scope, job, reason.code, reason.message);
      report.failed.push(job.id);
      return;
    }
    // Another sweep, or a delivery, got to it since it was read: theirs.
    if (!(await claimRedispatch(scope, job))) return;
    const message: JobMessage = {
      kind: 'job',
      job_id: job.id,
      profile_id: job.profileId,
      type: job.type,
      // The next delivery goes on counting the job's attempts (a stalled job fails when they are spent).
      ...(job.attempts > 0 ? { prior_attempts: Math.min(job.attempts, 100) } : {}),
    };
    await env.JOBS.send(message, { contentType: 'json' });
    await markDispatched(scope, [job.id]);
    report.resent.push(job.id);
  } catch (err) {
    // The claim counted this try: the next sweep tries again, and fails the job when they are spent.
    console.error(
      JSON.stringify({ level: 'error', msg: 'stranded job not re-sent', job_id: job.id, error: String(err) }),
    );
  }
}
