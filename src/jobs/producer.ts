/**
 * Creating jobs. The row is written, then the profile-tagged message is sent and the row marked
 * dispatched; if the send fails the row is removed again. A row left without its message (the
 * isolate died between insert and send, or the removal failed too) is found by the stranded-job
 * sweep (stranded.ts) and sent a fresh message, or failed with a reason.
 * Per-profile limits: too many active jobs or too many processing minutes today answer 429 and
 * nothing is enqueued. The limit is enforced by the INSERT itself (`insertJobStatement` with an
 * admission), so concurrent requests cannot overshoot it; `checkJobLimits` is the early check a
 * route makes before it reads an upload or plans a batch, so it can refuse before doing work.
 * A profile's own limits can only be lower than the deployment's (`MAX_CONCURRENT_JOBS`,
 * `DAILY_PROCESSING_MINUTES`), which are ceilings.
 */
import type { Bindings } from '../core/env.ts';
import { touchSourceVideosStatements } from '../db/repos/retention.ts';
import { ApiError } from '../core/errors.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import {
  type JobAdmission,
  type JobRow,
  countActiveJobs,
  deleteJobRows,
  insertJobStatement,
  jobRefusal,
  markDispatched,
  processingSecondsSince,
  reservedCostUsd,
} from '../db/repos/jobs.ts';
import { monthToDateSpend, startOfUtcMonth } from '../db/repos/costs.ts';
import { budgetExceeded } from './budget.ts';
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
  /** Not counted against the profile's limits (tiny internal jobs, e.g. thumbnails). */
  exempt?: boolean;
  /** Slots that must stay free after this job (the job the request creates next). */
  reserve?: number;
  /** A job id the caller generated earlier (e.g. to store the job's uploaded inputs under it). */
  id?: string;
  /** What the job will bill (USD): held against the profile's monthly budget while it is active. */
  estimatedCostUsd?: number;
}
type BatchItem = Parameters<ProfileScope['db']['batch']>[0][number];

/** The deployment's ceilings: a profile's own limits are honoured only below them. */
export function deploymentJobLimits(env: Pick<Bindings, 'MAX_CONCURRENT_JOBS' | 'DAILY_PROCESSING_MINUTES'>) {
  return {
    maxActive: Number(env.MAX_CONCURRENT_JOBS || 4),
    maxMinutes: Number(env.DAILY_PROCESSING_MINUTES || 600),
  };
}

/** The limits that apply to this profile: its own, capped by the deployment's; and its budget. */
export async function jobLimitsOf(scope: ProfileScope, env: Bindings) {
  const profile = await getScopeProfile(scope);
  const caps = deploymentJobLimits(env);
  return {
    maxActive: Math.min(profile.maxConcurrentJobs ?? caps.maxActive, caps.maxActive),
    maxMinutes: Math.min(profile.dailyProcessingMinutes ?? caps.maxMinutes, caps.maxMinutes),
    monthlyBudgetUsd: profile.monthlyBudgetUsd ?? null,
  };
}

const startOfUtcDay = () => {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  return today.toISOString();
};

/**
 * 429 when `adding` more jobs would not fit the profile's limits now. `adding`: how many jobs the
 * caller is about to create (a bulk request is refused as a whole).
 */
export async function checkJobLimits(scope: ProfileScope, env: Bindings, adding = 1): Promise<void> {
  const limits = await jobLimitsOf(scope, env);
  const active = await countActiveJobs(scope);
  if (active + adding > limits.maxActive) throw tooManyJobs(active, limits.maxActive, adding);
  const usedMinutes = (await processingSecondsSince(scope, startOfUtcDay())) / 60;
  if (usedMinutes >= limits.maxMinutes) throw dailyLimitReached(usedMinutes, limits.maxMinutes);
}

function tooManyJobs(active: number, limit: number, adding: number): ApiError {
  const message =
    adding > 1
      ? `This request needs ${adding} jobs but the profile has ${active} queued or running (limit ${limit}); nothing was queued`
      : `This profile already has ${active} jobs queued or running (limit ${limit})`;
  return new ApiError(429, 'rate_limited', message, {
    details: { active_jobs: active, limit, requested_jobs: adding },
    headers: { 'Retry-After': '30' },
  });
}

function dailyLimitReached(usedMinutes: number, limit: number): ApiError {
  return new ApiError(429, 'rate_limited', `Daily processing limit of ${limit} minutes reached for this profile`, {
    details: { used_minutes: Math.round(usedMinutes * 10) / 10, limit_minutes: limit },
    headers: { 'Retry-After': String(secondsUntilUtcMidnight()) },
  });
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

/** One job of a batch for `enqueueJobs`. */
export interface JobSpec<T extends JobType = JobType> {
  type: T;
  input: JobInput<T>;
  options?: Omit<EnqueueOptions, 'exempt' | 'reserve'>;
}

/**
 * Several jobs, all or none: every row (and its `alongside` statements) in one D1 batch, each
 * insert admitted against the limits counting the rows before it, so a bulk request that does not
 * fit is refused whole (429) even when another request takes the last slots at the same moment.
 */
export async function enqueueJobs(
  scope: ProfileScope,
  env: Bindings,
  specs: readonly JobSpec[],
  options: Pick<EnqueueOptions, 'reserve'> = {},
): Promise<JobRow[]> {
  return insertAndSend(
    scope,
    env,
    specs.map((s) => ({
      type: s.type,
      parsed: jobInputSchemas[s.type].parse(s.input) as Record<string, unknown>,
      options: s.options ?? {},
    })),
    { reserve: options.reserve },
  );
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
  const [row] = await insertAndSend(scope, env, [{ type, parsed, options }], options);
  return row!;
}

async function insertAndSend(
  scope: ProfileScope,
  env: Bindings,
  jobs: { type: string; parsed: Record<string, unknown>; options: EnqueueOptions }[],
  admissionOptions: Pick<EnqueueOptions, 'exempt' | 'reserve'>,
): Promise<JobRow[]> {
  let admission: JobAdmission | undefined;
  let limits: Awaited<ReturnType<typeof jobLimitsOf>> | undefined;
  if (!admissionOptions.exempt) {
    limits = await jobLimitsOf(scope, env);
    admission = {
      maxActive: limits.maxActive,
      maxProcessingSeconds: limits.maxMinutes * 60,
      sinceIso: startOfUtcDay(),
      reserve: admissionOptions.reserve,
      ...(limits.monthlyBudgetUsd !== null
        ? { budget: { monthlyUsd: limits.monthlyBudgetUsd, monthStartIso: startOfUtcMonth() } }
        : {}),
    };
  }
  const ids = jobs.map((j) => j.options.id ?? newId('job'));
  const statements: BatchItem[] = [];
  const inserts = jobs.map((job, i) => {
    const insert = insertJobStatement(
      scope,
      {
        id: ids[i]!,
        type: job.type,
        input: job.parsed,
        resourceType: job.options.resourceType,
        resourceId: job.options.resourceId,
        step: job.options.step,
        estimatedCostUsd: job.options.estimatedCostUsd,
      },
      admission,
    );
    statements.push(insert, ...(job.options.alongside?.(ids[i]!) ?? []));
    // A job reading a source video (or a segment of one) is a use of it, for retention.
    statements.push(
      ...touchSourceVideosStatements(scope, `${job.options.resourceId ?? ''} ${JSON.stringify(job.parsed)}`),
    );
    return insert;
  });
  let results: unknown[];
  try {
    results = await scope.db.batch(statements as [BatchItem, ...BatchItem[]]);
  } catch (err) {
    const refusal = limits ? jobRefusal(err) : null;
    if (!limits || !refusal) throw err;
    // Refused by the insert's own check: explain with the figures as they are now.
    if (refusal === 'budget') {
      throw budgetExceeded(limits.monthlyBudgetUsd ?? 0, {
        spent: await monthToDateSpend(scope),
        reserved: await reservedCostUsd(scope),
        estimate: jobs.reduce((sum, j) => sum + (j.options.estimatedCostUsd ?? 0), 0),
      });
    }
    const active = await countActiveJobs(scope);
    const needed = jobs.length + (admissionOptions.reserve ?? 0);
    if (active + needed > limits.maxActive) throw tooManyJobs(active, limits.maxActive, needed);
    throw dailyLimitReached((await processingSecondsSince(scope, startOfUtcDay())) / 60, limits.maxMinutes);
  }
  const rows = inserts.map((insert) => (results[statements.indexOf(insert)] as JobRow[])[0]!);
  const messages: JobMessage[] = jobs.map((job, i) => ({
    kind: 'job',
    job_id: ids[i]!,
    profile_id: scope.profileId,
    type: job.type,
  }));
  try {
    if (messages.length === 1) await env.JOBS.send(messages[0]!, { contentType: 'json' });
    // Queues take at most 100 messages per sendBatch.
    for (let i = 0; messages.length > 1 && i < messages.length; i += 100)
      await env.JOBS.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })));
  } catch (err) {
    await deleteJobRows(scope, ids);
    console.error(JSON.stringify({ level: 'error', msg: 'queue send failed', job_ids: ids, error: String(err) }));
    throw new ApiError(503, 'unavailable', 'The job queue is unavailable; nothing was queued. Try again shortly.');
  }
  // Sent: the stranded-job sweep leaves these alone. Failing to say so costs one harmless
  // duplicate message from the sweep, not the request.
  try {
    await markDispatched(scope, ids);
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'dispatch mark failed', job_ids: ids, error: String(err) }));
  }
  return rows;
}

export async function enqueueSystemTask(env: Bindings, task: Omit<SystemMessage, 'kind'>): Promise<void> {
  const message: SystemMessage = { kind: 'system', ...task };
  await env.JOBS.send(message, { contentType: 'json' });
}
