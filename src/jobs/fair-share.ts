/**
 * Fairness between profiles under load. The queue delivers roughly in order, so one profile's 500
 * queued jobs would make another profile's single job wait behind all of them. Before a job starts
 * for the first time, the consumer looks for the oldest job, waiting for its first start, of a
 * profile served less lately than this job's (jobs started in the last FAIR_SHARE_WINDOW_SECONDS,
 * plus those running). If there is one, this delivery runs that job in its place, and this job's
 * message is sent again with a delay: the profile served less goes first without waiting for its
 * own message to come round, and the consumer is not held by the backlog.
 * - Work-conserving: with nobody served less waiting, a profile gets every slot.
 * - The delay doubles each time the same job gives its turn away (1 s, 2 s, 4 s … at most
 *   FAIR_SHARE_MAX_DELAY_SECONDS), so a long backlog is not re-read over and over; after
 *   FAIR_SHARE_MAX_DEFERS times (about 4 minutes) it runs regardless.
 * - The job taken is claimed with the hand-off mark (src/db/repos/job-fairness.ts): one delivery
 *   runs it; its own message later finds it taken.
 * JOB_FAIR_SHARE=off turns it off (bench:scale compares both in one run).
 */
import type { Bindings } from '../core/env.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import { claimLessServedJob } from '../db/repos/job-fairness.ts';
import type { JobMessage } from './messages.ts';

export const FAIR_SHARE_WINDOW_SECONDS = 60;
export const FAIR_SHARE_MAX_DELAY_SECONDS = 30;
export const FAIR_SHARE_MAX_DEFERS = 12;

/** How long a job that gave its turn away `defers` times before waits this time. */
export function stepAsideDelaySeconds(defers: number): number {
  return Math.min(FAIR_SHARE_MAX_DELAY_SECONDS, 2 ** Math.max(0, defers));
}

/**
 * The message of a job, of a profile served less, to run now instead of `job` (claimed for this
 * delivery), or null when `job` goes ahead.
 */
export async function fairTurn(
  env: Pick<Bindings, 'DB' | 'JOB_FAIR_SHARE'>,
  job: Pick<JobRow, 'profileId' | 'status' | 'attempts'>,
  message: JobMessage,
  types: readonly string[],
  now = Date.now(),
): Promise<JobMessage | null> {
  if (env.JOB_FAIR_SHARE === 'off') return null;
  // Only a job that never started: one already running (a hand-off, a retry) keeps its place.
  if (job.status !== 'pending' || job.attempts > 0) return null;
  if ((message.fair_defers ?? 0) >= FAIR_SHARE_MAX_DEFERS) return null;
  const claimed = await claimLessServedJob(env.DB, {
    profileId: job.profileId,
    sinceIso: new Date(now - FAIR_SHARE_WINDOW_SECONDS * 1000).toISOString(),
    nowIso: new Date(now).toISOString(),
    types,
  });
  return claimed ? { kind: 'job', job_id: claimed.id, profile_id: claimed.profileId, type: claimed.type } : null;
}
