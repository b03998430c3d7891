/**
 * Fairness between profiles under load. The queue delivers roughly in order, so one profile's 500
 * queued jobs would make another profile's single job wait behind all of them. Before a job starts
 * for the first time, the consumer asks whether another profile that was served less lately (jobs
 * started in the last FAIR_SHARE_WINDOW_SECONDS, plus those running) has a job waiting for its
 * first start; if so this job steps aside: its message is sent again with a delay and the
 * delivery ends at once, so the consumer is not held. The delay doubles each time the same job
 * steps aside (1 s, 2 s, 4 s … at most FAIR_SHARE_MAX_DELAY_SECONDS), so a long backlog is not
 * re-read over and over while others are served. Work-conserving: with nobody else waiting, a
 * profile gets every slot. A job steps aside at most FAIR_SHARE_MAX_DEFERS times (about 4
 * minutes: the other profile's job could be stuck, e.g. its message lost), then runs regardless.
 * JOB_FAIR_SHARE=off turns it off (bench:scale compares both).
 */
import type { Bindings } from '../core/env.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import { lessServedProfileWaits } from '../db/repos/job-fairness.ts';
import type { JobMessage } from './messages.ts';

export const FAIR_SHARE_WINDOW_SECONDS = 60;
export const FAIR_SHARE_MAX_DELAY_SECONDS = 30;
export const FAIR_SHARE_MAX_DEFERS = 12;

/** How long a job that stepped aside `defers` times before waits this time. */
export function stepAsideDelaySeconds(defers: number): number {
  return Math.min(FAIR_SHARE_MAX_DELAY_SECONDS, 2 ** Math.max(0, defers));
}

/** True when this delivery should step aside for a profile served less (see above). */
export async function shouldStepAside(
  env: Pick<Bindings, 'DB' | 'JOB_FAIR_SHARE'>,
  job: Pick<JobRow, 'profileId' | 'status' | 'attempts'>,
  message: JobMessage,
  now = Date.now(),
): Promise<boolean> {
  if (env.JOB_FAIR_SHARE === 'off') return false;
  // Only a job that never started: one already running (a hand-off, a retry) keeps its place.
  if (job.status !== 'pending' || job.attempts > 0) return false;
  if ((message.fair_defers ?? 0) >= FAIR_SHARE_MAX_DEFERS) return false;
  const sinceIso = new Date(now - FAIR_SHARE_WINDOW_SECONDS * 1000).toISOString();
  return lessServedProfileWaits(env.DB, { profileId: job.profileId, sinceIso });
}
