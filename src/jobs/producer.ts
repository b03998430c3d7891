/**
 * Creating jobs. The row is written, then the profile-tagged message is sent; if the send fails the
 * row is removed again, so no job is ever left pending without a message behind it.
 * Per-profile limits are checked first: too many active jobs or too many processing minutes today
 * answer 429 and nothing is enqueued.
 */
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import {
  countActiveJobs,
  deleteJobRow,
  insertJobStatement,
  processingSecondsSince,
  type JobRow,
} from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { newId } from '../core/ids.ts';
import { type JobInput, type JobType, jobInputSchemas } from './job-types.ts';
import type { JobMessage, SystemMessage } from './messages.ts';

export interface EnqueueOptions {
  resourceType?: string;
  resourceId?: string;
  step?: string;
  /** Extra statements committed atomically with the job row (e.g. flag the resource as busy). */
  alongside?: (jobId: string) => BatchItem[];
  /** The caller already ran `checkJobLimits` for a whole batch of jobs (all or nothing). */
  limitsChecked?: boolean;
  /** A job id the caller generated earlier (e.g. to store the job's uploaded inputs under it). */
  id?: string;
}
type BatchItem = Parameters<ProfileScope['db']['batch']>[0][number];

/** `adding`: how many jobs the caller is about to create (a bulk request is refused as a whole). */
export async function checkJobLimits(scope: ProfileScope, env: Bindings, adding = 1): Promise<void> {
  const profile = await getScopeProfile(scope);
  const maxActive = profile.maxConcurrentJobs ?? Number(env.MAX_CONCURRENT_JOBS || 4);
  const maxMinutes = profile.dailyProcessingMinutes ?? Number(env.DAILY_PROCESSING_MINUTES || 600);
  const active = await countActiveJobs(scope);
  if (active + adding > maxActive) {
    const message =
      adding > 1
        ? `This request needs ${adding} jobs but the profile has ${active} queued or running (limit ${maxActive}); nothing was queued`
        : `This profile already has ${active} jobs queued or running (limit ${maxActive})`;
    throw new ApiError(429, 'rate_limited', message, {
      details: { active_jobs: active, limit: maxActive, requested_jobs: adding },
      headers: { 'Retry-After': '30' },
    });
  }
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const usedMinutes = (await processingSecondsSince(scope, today.toISOString())) / 60;
  if (usedMinutes >= maxMinutes) {
    throw new ApiError(
      429,
      'rate_limited',
      `Daily processing limit of ${maxMinutes} minutes reached for this profile`,
      {
        details: { used_minutes: Math.round(usedMinutes * 10) / 10, limit_minutes: maxMinutes },
        headers: { 'Retry-After': String(secondsUntilUtcMidnight()) },
      },
    );
  }
}

function secondsUntilUtcMidnight(): number {
  const now = new Date();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.ceil((midnight - now.getTime()) / 1000);
}

export async function enqueueJob<T extends JobType>(
  scope: ProfileScope,
  env: Bindings,
  type: T,
  input: JobInput<T>,
  options: EnqueueOptions = {},
): Promise<JobRow> {
  return enqueueParsedJob(scope, env, type, jobInputSchemas[type].parse(input) as Record<string, unknown>, options);
}

/**
 * Enqueues a job whose input the caller already parsed with its type's schema. `enqueueJob` is the
 * typed way for the job types of job-types.ts; this one also serves types registered elsewhere
 * (the tests' self-test job).
 */
export async function enqueueParsedJob(
  scope: ProfileScope,
  env: Bindings,
  type: string,
  parsed: Record<string, unknown>,
  options: EnqueueOptions = {},
): Promise<JobRow> {
  if (!options.limitsChecked) await checkJobLimits(scope, env);
  const id = options.id ?? newId('job');
  const insert = insertJobStatement(scope, {
    id,
    type,
    input: parsed,
    resourceType: options.resourceType,
    resourceId: options.resourceId,
    step: options.step,
  });
  const extra = options.alongside?.(id) ?? [];
  const [[row]] = (await scope.db.batch([insert, ...extra] as [typeof insert, ...BatchItem[]])) as [JobRow[]];
  const message: JobMessage = { kind: 'job', job_id: id, profile_id: scope.profileId, type };
  try {
    await env.JOBS.send(message, { contentType: 'json' });
  } catch (err) {
    await deleteJobRow(scope, id);
    console.error(JSON.stringify({ level: 'error', msg: 'queue send failed', job_id: id, error: String(err) }));
    throw new ApiError(503, 'unavailable', 'The job queue is unavailable; nothing was queued. Try again shortly.');
  }
  return row!;
}

export async function enqueueSystemTask(env: Bindings, task: Omit<SystemMessage, 'kind'>): Promise<void> {
  const message: SystemMessage = { kind: 'system', ...task };
  await env.JOBS.send(message, { contentType: 'json' });
}
