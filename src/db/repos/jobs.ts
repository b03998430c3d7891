/**
 * Jobs: the durable, profile-tagged record of every long task. Status moves
 * pending → running → completed | failed | cancelled; terminal rows are never changed by the
 * consumer again, which makes redelivered queue messages harmless.
 */
import { type SQL, and, asc, desc, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import { apiCosts, jobs, type JobStatus } from '../schema.ts';
import { type ProfileScope, owned, scopeForVerifiedProfile, stamped } from '../scope.ts';
import { withEvents } from './webhook-events.ts';

export type JobRow = typeof jobs.$inferSelect;
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const ACTIVE_STATUSES: JobStatus[] = ['pending', 'running'];

export const isTerminal = (job: Pick<JobRow, 'status'>) => TERMINAL_STATUSES.includes(job.status);

export interface NewJob {
  id: string;
  type: string;
  input: Record<string, unknown>;
  resourceType?: string;
  resourceId?: string;
  step?: string;
  estimatedCostUsd?: number;
}

/** The profile's job limits, checked in the same statement that inserts a job. */
export interface JobAdmission {
  maxActive: number;
  /** Processing seconds allowed since `sinceIso` (the start of the UTC day). */
  maxProcessingSeconds: number;
  sinceIso: string;
  /** Slots that must stay free after this job (e.g. for the job a bulk request creates next). */
  reserve?: number;
  /**
   * The monthly budget (USD) a job with a cost estimate must fit: billed this month (since
   * `monthStartIso`) + the estimates of active jobs + this estimate.
   */
  budget?: { monthlyUsd: number; monthStartIso: string };
}

/** The messages of the triggers (migrations/0005_job_admission.sql) that abort a refused insert. */
const JOB_LIMIT_REACHED = 'job_limit_reached';
const JOB_BUDGET_EXCEEDED = 'job_budget_exceeded';

const activeIn = (scope: ProfileScope) =>
  sql`${jobs.profileId} = ${scope.profileId} AND ${jobs.status} IN ('pending', 'running')`;

/**
 * Inserts a job. With `admission`, the limits (and the budget, for a job with a cost estimate) are
 * checked by the INSERT itself: the row's status is computed from the profile's current counts,
 * and a refused row aborts the statement and its whole batch (trigger), so concurrent requests can
 * never get past a limit between a check and an insert.
 */
export function insertJobStatement(scope: ProfileScope, job: NewJob, admission?: JobAdmission) {
  const estimate = job.estimatedCostUsd ?? 0;
  const budget = admission?.budget && estimate > 0 ? admission.budget : undefined;
  const status = admission
    ? sql<JobStatus>`CASE
        WHEN (SELECT count(*) FROM ${jobs} WHERE ${activeIn(scope)}) + ${1 + (admission.reserve ?? 0)} > ${admission.maxActive}
          OR (SELECT coalesce(sum(${jobs.processingSeconds}), 0) FROM ${jobs} WHERE ${jobs.profileId} = ${scope.profileId}
                AND ${jobs.createdAt} >= ${admission.sinceIso}) >= ${admission.maxProcessingSeconds}
        THEN 'refused'
        ${
          budget
            ? sql`WHEN (SELECT coalesce(sum(${apiCosts.costUsd}), 0) FROM ${apiCosts} WHERE ${apiCosts.profileId} = ${scope.profileId}
                    AND ${apiCosts.createdAt} >= ${budget.monthStartIso})
                  + (SELECT coalesce(sum(${jobs.estimatedCostUsd}), 0) FROM ${jobs} WHERE ${activeIn(scope)})
                  + ${estimate} > ${budget.monthlyUsd}
                THEN 'over_budget'`
            : sql``
        }
        ELSE 'pending' END`
    : undefined;
  return scope.db
    .insert(jobs)
    .values(stamped(scope, { ...job, step: job.step ?? 'Queued', ...(status ? { status } : {}) }))
    .returning();
}

/** Why a failed insert (or batch) was refused by its admission check, if it was. */
export function jobRefusal(err: unknown): 'limit' | 'budget' | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message.includes(JOB_LIMIT_REACHED)) return 'limit';
    if (e.message.includes(JOB_BUDGET_EXCEEDED)) return 'budget';
  }
  return null;
}

/** What the profile's active jobs are estimated to bill (held against the monthly budget). */
export async function reservedCostUsd(scope: ProfileScope): Promise<number> {
  const [row] = await scope.db
    .select({ s: sql<number>`coalesce(sum(${jobs.estimatedCostUsd}), 0)` })
    .from(jobs)
    .where(activeIn(scope));
  return row?.s ?? 0;
}

export function getJob(scope: ProfileScope, id: string): Promise<JobRow | undefined> {
  return scope.db.query.jobs.findFirst({ where: owned(jobs, scope, eq(jobs.id, id)) });
}

export interface JobFilters {
  status?: JobStatus;
  type?: string;
  resource_id?: string;
}

export async function listJobs(scope: ProfileScope, filters: JobFilters, page: PageQuery) {
  const rows = await scope.db.query.jobs.findMany({
    where: owned(
      jobs,
      scope,
      filters.status ? eq(jobs.status, filters.status) : undefined,
      filters.type ? eq(jobs.type, filters.type) : undefined,
      filters.resource_id ? eq(jobs.resourceId, filters.resource_id) : undefined,
      page.cursor ? lt(jobs.id, page.cursor) : undefined,
    ),
    orderBy: desc(jobs.id),
    limit: page.limit + 1,
  });
  return toPage(rows, page.limit);
}

/** Latest active job of the scope that meets `conditions`. */
function latestActiveJob(scope: ProfileScope, ...conditions: SQL[]) {
  return scope.db.query.jobs.findFirst({
    where: owned(jobs, scope, ...conditions, inArray(jobs.status, ACTIVE_STATUSES)),
    orderBy: desc(jobs.id),
  });
}

/** Latest active job of a type for a resource (e.g. the running generation of a project). */
export function findActiveJob(scope: ProfileScope, type: string, resourceId: string) {
  return latestActiveJob(scope, eq(jobs.type, type), eq(jobs.resourceId, resourceId));
}

/** Latest active job of any type recorded against a resource (e.g. whatever generation a project runs). */
export function findActiveJobOnResource(scope: ProfileScope, resourceType: string, resourceId: string) {
  return latestActiveJob(scope, eq(jobs.resourceType, resourceType), eq(jobs.resourceId, resourceId));
}

/** Every job of a type recorded against one resource (e.g. the jobs of one bulk publish), oldest first. */
export function listJobsForResource(
  scope: ProfileScope,
  type: string,
  resourceType: string,
  resourceId: string,
): Promise<JobRow[]> {
  return scope.db.query.jobs.findMany({
    where: owned(
      jobs,
      scope,
      eq(jobs.type, type),
      eq(jobs.resourceType, resourceType),
      eq(jobs.resourceId, resourceId),
    ),
    orderBy: asc(jobs.id),
  });
}

export async function countActiveJobs(scope: ProfileScope): Promise<number> {
  const [row] = await scope.db
    .select({ n: sql<number>`count(*)` })
    .from(jobs)
    .where(owned(jobs, scope, inArray(jobs.status, ACTIVE_STATUSES)));
  return row?.n ?? 0;
}

/** The jobs' queue messages were sent: the stranded-job sweep leaves them alone. */
export async function markDispatched(scope: ProfileScope, ids: string[]) {
  if (ids.length)
    await scope.db
      .update(jobs)
      .set({ dispatchedAt: now() })
      .where(owned(jobs, scope, inArray(jobs.id, ids)));
}

/**
 * Active jobs that may have lost their queue message, across profiles (the stranded-job sweep
 * acts on each in its own profile's scope): pending jobs never marked dispatched whose row is
 * older than `undispatchedBefore`, and jobs a delivery started that nothing changed since
 * `stalledBefore` (every live delivery touches its job well within a consumer invocation).
 */
export async function findStrandedJobs(
  db: Database,
  { undispatchedBefore, stalledBefore, limit }: { undispatchedBefore: string; stalledBefore: string; limit: number },
): Promise<{ undispatched: JobRow[]; stalled: JobRow[] }> {
  // Literal conditions, as the partial indexes jobs_undispatched_idx / jobs_active_updated_idx say them.
  const undispatched = await db.query.jobs.findMany({
    where: and(
      sql`${jobs.status} = 'pending' AND ${jobs.dispatchedAt} IS NULL`,
      lt(jobs.updatedAt, undispatchedBefore),
    ),
    orderBy: asc(jobs.updatedAt),
    limit,
  });
  const stalled = await db.query.jobs.findMany({
    where: and(
      sql`${jobs.status} IN ('pending', 'running')`,
      isNotNull(jobs.dispatchedAt),
      isNotNull(jobs.startedAt),
      lt(jobs.updatedAt, stalledBefore),
    ),
    orderBy: asc(jobs.updatedAt),
    limit,
  });
  return { undispatched, stalled };
}

/**
 * The sweep takes a stranded job to send it a fresh message: counts the re-dispatch and touches the
 * row, only if nothing changed it since it was read (so two sweeps never both send, and a job a
 * delivery picked up meanwhile is left to it).
 */
export async function claimRedispatch(scope: ProfileScope, job: JobRow): Promise<JobRow | undefined> {
  const [row] = await scope.db
    .update(jobs)
    .set({
      redispatches: sql`${jobs.redispatches} + 1`,
      updatedAt: now(),
      // A running job's delivery is gone: handed off, as a delivery out of time hands it off, so
      // the next delivery claims it at once instead of waiting out the lease.
      ...(job.status === 'running' ? { handedOffAt: now() } : {}),
    })
    .where(owned(jobs, scope, eq(jobs.id, job.id), notTerminal, eq(jobs.updatedAt, job.updatedAt)))
    .returning();
  return row;
}

/** Removes job rows that were inserted but whose messages could not be sent. */
export async function deleteJobRows(scope: ProfileScope, ids: string[]) {
  if (ids.length) await scope.db.delete(jobs).where(owned(jobs, scope, inArray(jobs.id, ids)));
}

export async function processingSecondsSince(scope: ProfileScope, sinceIso: string): Promise<number> {
  const [row] = await scope.db
    .select({ s: sql<number>`coalesce(sum(${jobs.processingSeconds}), 0)` })
    .from(jobs)
    .where(owned(jobs, scope, gte(jobs.createdAt, sinceIso)));
  return row?.s ?? 0;
}

const now = () => new Date().toISOString();
const notTerminal = sql`${jobs.status} IN ('pending', 'running')`;

/**
 * pending|running → running. Returns the row, or undefined when the job is already terminal, or
 * when it was handed off at `handedOffAt` and another delivery claimed it first. With `seenUpdatedAt`
 * (the row's `updatedAt` as the delivery read it) the claim holds only if nothing changed the row
 * since: of two deliveries of the same job (a re-sent message racing the original), one claims it.
 */
export async function markRunning(
  scope: ProfileScope,
  id: string,
  attempts: number,
  handedOffAt: string | null = null,
  seenUpdatedAt?: string,
): Promise<JobRow | undefined> {
  const [row] = await scope.db
    .update(jobs)
    .set({
      status: 'running',
      attempts,
      startedAt: sql`coalesce(${jobs.startedAt}, ${now()})`,
      updatedAt: now(),
      errorCode: null,
      errorMessage: null,
      handedOffAt: null,
      // A delivery proves the job had a message (the producer's own mark may have been lost).
      dispatchedAt: sql`coalesce(${jobs.dispatchedAt}, ${now()})`,
    })
    .where(
      owned(
        jobs,
        scope,
        eq(jobs.id, id),
        notTerminal,
        handedOffAt ? eq(jobs.handedOffAt, handedOffAt) : undefined,
        seenUpdatedAt ? eq(jobs.updatedAt, seenUpdatedAt) : undefined,
      ),
    )
    .returning();
  return row;
}

/**
 * The delivery running the job stops following its processor operation (which goes on) and has
 * re-sent the message: the job stays running, and the next delivery may claim it at once.
 */
export async function noteHandoff(scope: ProfileScope, id: string) {
  await scope.db
    .update(jobs)
    .set({ handedOffAt: now(), handoffs: sql`${jobs.handoffs} + 1`, updatedAt: now() })
    .where(owned(jobs, scope, eq(jobs.id, id), eq(jobs.status, 'running')));
}

/** Persists progress (clamped to 0–100, never moving backwards) while the job is running. */
export async function setProgress(
  scope: ProfileScope,
  id: string,
  progress: number,
  step?: string,
): Promise<JobRow | undefined> {
  const pct = Math.max(0, Math.min(100, Math.round(progress)));
  const [row] = await scope.db
    .update(jobs)
    .set({ progress: sql`max(${jobs.progress}, ${pct})`, ...(step ? { step } : {}), updatedAt: now() })
    .where(owned(jobs, scope, eq(jobs.id, id), eq(jobs.status, 'running')))
    .returning();
  return row;
}

export async function completeJob(
  scope: ProfileScope,
  id: string,
  result: Record<string, unknown>,
  extra: { outputKeys?: string[]; processingSeconds?: number; step?: string } = {},
) {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(jobs)
      .set({
        status: 'completed',
        progress: 100,
        step: extra.step ?? 'Completed',
        result,
        ...(extra.outputKeys ? { outputKeys: extra.outputKeys } : {}),
        ...(extra.processingSeconds !== undefined ? { processingSeconds: extra.processingSeconds } : {}),
        finishedAt: now(),
        updatedAt: now(),
      })
      .where(owned(jobs, scope, eq(jobs.id, id), notTerminal))
      .returning(),
    [{ type: 'job.completed', id }],
  );
  return row;
}

export async function failJob(scope: ProfileScope, id: string, code: string, message: string) {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(jobs)
      .set({
        status: 'failed',
        step: `Failed: ${message}`.slice(0, 500),
        errorCode: code,
        errorMessage: message.slice(0, 2000),
        finishedAt: now(),
        updatedAt: now(),
      })
      .where(owned(jobs, scope, eq(jobs.id, id), notTerminal))
      .returning(),
    [{ type: 'job.failed', id }],
  );
  return row;
}

/** Records a transient failure that will be retried: the job goes back to pending with the reason. */
export async function noteRetry(
  scope: ProfileScope,
  id: string,
  code: string,
  message: string,
  delaySeconds: number,
): Promise<JobRow | undefined> {
  const [row] = await scope.db
    .update(jobs)
    .set({
      status: 'pending',
      step: `Retrying in ${delaySeconds}s: ${message}`.slice(0, 500),
      errorCode: code,
      errorMessage: message.slice(0, 2000),
      updatedAt: now(),
    })
    .where(owned(jobs, scope, eq(jobs.id, id), notTerminal))
    .returning();
  return row;
}

/** The job waits for something it needs (deferred, not failed): back to pending with the reason. */
export async function noteWaiting(scope: ProfileScope, id: string, step: string): Promise<JobRow | undefined> {
  const [row] = await scope.db
    .update(jobs)
    .set({ status: 'pending', step: step.slice(0, 500), updatedAt: now() })
    .where(owned(jobs, scope, eq(jobs.id, id), notTerminal))
    .returning();
  return row;
}

/** Cancels a pending job at once; a running one is flagged and stops at its next checkpoint. */
export async function requestCancel(scope: ProfileScope, id: string): Promise<JobRow | undefined> {
  await withEvents(
    scope,
    scope.db
      .update(jobs)
      .set({ status: 'cancelled', step: 'Cancelled', cancelRequested: true, finishedAt: now(), updatedAt: now() })
      .where(owned(jobs, scope, eq(jobs.id, id), eq(jobs.status, 'pending'))),
    [{ type: 'job.canceled', id }],
  );
  await scope.db
    .update(jobs)
    .set({ cancelRequested: true, step: 'Cancelling…', updatedAt: now() })
    .where(owned(jobs, scope, eq(jobs.id, id), eq(jobs.status, 'running')));
  return getJob(scope, id);
}

export async function markCancelled(scope: ProfileScope, id: string): Promise<JobRow | undefined> {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(jobs)
      .set({ status: 'cancelled', step: 'Cancelled', finishedAt: now(), updatedAt: now() })
      .where(owned(jobs, scope, eq(jobs.id, id), notTerminal))
      .returning(),
    [{ type: 'job.canceled', id }],
  );
  return row;
}

export async function isCancelRequested(scope: ProfileScope, id: string): Promise<boolean> {
  const row = await scope.db.query.jobs.findFirst({
    columns: { cancelRequested: true, status: true },
    where: owned(jobs, scope, eq(jobs.id, id)),
  });
  return !row || row.cancelRequested || row.status === 'cancelled';
}

export async function addOutputKeys(scope: ProfileScope, id: string, keys: string[]) {
  const job = await getJob(scope, id);
  if (!job) return;
  const merged = [...new Set([...job.outputKeys, ...keys])];
  await scope.db
    .update(jobs)
    .set({ outputKeys: merged })
    .where(owned(jobs, scope, eq(jobs.id, id)));
}

export async function deleteJobRow(scope: ProfileScope, id: string): Promise<JobRow | undefined> {
  const [row] = await scope.db
    .delete(jobs)
    .where(owned(jobs, scope, eq(jobs.id, id)))
    .returning();
  return row;
}

/**
 * The consumer's door into tenant data: a queue message names a job and a profile; only if a job
 * row with that id exists *in that profile* does the consumer get a scope to work in.
 */
export async function verifyJobMessage(
  db: Database,
  message: { job_id: string; profile_id: string },
): Promise<{ scope: ProfileScope; job: JobRow } | null> {
  const job = await db.query.jobs.findFirst({
    where: and(eq(jobs.id, message.job_id), eq(jobs.profileId, message.profile_id)),
  });
  if (!job) return null;
  return { scope: scopeForVerifiedProfile(db, { profileId: job.profileId }), job };
}
