/**
 * Jobs that lost their queue message (src/jobs/stranded.ts): the crash window between the
 * producer's insert and send, a message delivered twice, a re-send that keeps failing, and a
 * started job whose delivery vanished. Messages go through the real local queue to the tests'
 * Worker; the sweep is run as the every-minute cron runs it, with its clock moved past the grace.
 */
import { createExecutionContext, createMessageBatch, createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../src/core/env.ts';
import { newId } from '../../src/core/ids.ts';
import { createDb } from '../../src/db/client.ts';
import { countActiveJobs, getJob, insertJobStatement } from '../../src/db/repos/jobs.ts';
import { jobs } from '../../src/db/schema.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../../src/db/scope.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { MAX_REDISPATCHES, STALLED_JOB_SECONDS, STRANDED_GRACE_SECONDS } from '../../src/jobs/stranded.ts';
import { call } from '../helpers/worker/api.ts';
import {
  type EchoInput,
  MAX_ATTEMPTS,
  echoRunsPrefix,
  enqueueJob,
  handleDeadLetterBatch,
  openGate,
  processJobMessage,
  sweepStrandedJobs,
} from '../helpers/worker/jobs.ts';
import { seedUser } from '../helpers/worker/tenants.ts';
import worker from '../helpers/worker/test-worker.ts';
import { STRANDED_SWEEP_CRON } from '../../src/worker.ts';

async function tenant() {
  const user = await seedUser('stranded');
  return { user, scope: scopeForVerifiedProfile(createDb(env.DB), { profileId: user.profileId }) };
}

/** The crash: the statements enqueueJob commits (the admitted insert), and then no send. */
async function insertWithoutSend(scope: ProfileScope, input: EchoInput) {
  const id = newId('job');
  await scope.db.batch([
    insertJobStatement(
      scope,
      { id, type: 'echo', input },
      { maxActive: 4, maxProcessingSeconds: 600 * 60, sinceIso: new Date(0).toISOString() },
    ),
  ]);
  return (await getJob(scope, id))!;
}

const message = (job: { id: string; profileId: string }): JobMessage => ({
  kind: 'job',
  job_id: job.id,
  profile_id: job.profileId,
  type: 'echo',
});

/** A sweep as the cron runs it `seconds` from now. */
const sweepIn = (seconds: number, bindings: Bindings = env) => sweepStrandedJobs(bindings, Date.now() + seconds * 1000);

const runsOf = async (jobId: string) => (await env.MEDIA.list({ prefix: echoRunsPrefix(jobId) })).objects.length;

const settled = (scope: ProfileScope, id: string) =>
  expect
    .poll(async () => (await getJob(scope, id))?.status, { timeout: 15_000 })
    .toSatisfy((s) => s === 'completed' || s === 'failed' || s === 'cancelled');

describe('a job whose message was never sent', () => {
  it('is left alone within the grace period, then re-sent by the sweep and completed exactly once', async () => {
    const { user, scope } = await tenant();
    const job = await insertWithoutSend(scope, { message: 'lost', count_runs: true });
    expect(job).toMatchObject({ status: 'pending', dispatchedAt: null });

    // Still within the grace: an enqueue may be between its insert and its send.
    expect((await sweepIn(0)).resent).not.toContain(job.id);
    const sweep = await sweepIn(STRANDED_GRACE_SECONDS + 1);
    expect(sweep.resent).toContain(job.id);

    await settled(scope, job.id);
    const res = await call(`/api/v1/jobs/${job.id}`, { token: user.token });
    expect(res.body).toMatchObject({ status: 'completed', result: { message: 'lost' }, attempts: 1 });
    expect(await runsOf(job.id)).toBe(1);
    // Marked sent: a later sweep leaves it alone.
    expect(await getJob(scope, job.id)).toMatchObject({ redispatches: 1 });
    expect((await getJob(scope, job.id))?.dispatchedAt).not.toBeNull();
    expect((await sweepIn(STRANDED_GRACE_SECONDS + 60)).resent).not.toContain(job.id);
    expect(await runsOf(job.id)).toBe(1);
  });

  it('frees its slot of the concurrency limit once recovered', async () => {
    const { user, scope } = await tenant();
    await call(`/api/v1/profiles/${user.profileId}`, {
      method: 'PATCH',
      token: user.token,
      json: { max_concurrent_jobs: 1 },
    });
    const job = await insertWithoutSend(scope, { message: 'slot' });
    await expect(enqueueJob(scope, env, 'echo', { message: 'next' })).rejects.toMatchObject({ status: 429 });
    await sweepIn(STRANDED_GRACE_SECONDS + 1);
    await settled(scope, job.id);
    const next = await enqueueJob(scope, env, 'echo', { message: 'next' });
    await settled(scope, next.id);
    expect((await getJob(scope, next.id))?.status).toBe('completed');
  });

  it('a job the producer enqueued is marked sent, so the sweep never duplicates it', async () => {
    const { scope } = await tenant();
    const job = await enqueueJob(scope, env, 'echo', { message: 'normal', count_runs: true, gated: true });
    await expect.poll(async () => (await getJob(scope, job.id))?.dispatchedAt ?? null).not.toBeNull();
    expect((await sweepIn(STRANDED_GRACE_SECONDS + 1)).resent).not.toContain(job.id);
    openGate(job.id);
    await settled(scope, job.id);
  });

  it('fails with a reason when its re-sends keep failing, and stops counting against the limit', async () => {
    const { scope } = await tenant();
    const job = await insertWithoutSend(scope, { message: 'unsendable' });
    // The queue refuses every send (the one failure the local queue cannot be made to have).
    const queueDown = {
      ...env,
      JOBS: {
        send: async () => {
          throw new Error('queue unavailable');
        },
        sendBatch: async () => {
          throw new Error('queue unavailable');
        },
      } as unknown as Queue,
    } as Bindings;
    for (let i = 0; i < MAX_REDISPATCHES; i++) {
      const sweep = await sweepIn(STRANDED_GRACE_SECONDS + 1, queueDown);
      expect(sweep.resent).not.toContain(job.id);
      expect(sweep.failed).not.toContain(job.id);
      expect(await getJob(scope, job.id)).toMatchObject({ status: 'pending', redispatches: i + 1 });
    }
    const last = await sweepIn(STRANDED_GRACE_SECONDS + 1, queueDown);
    expect(last.failed).toContain(job.id);
    const failed = await getJob(scope, job.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'dispatch_failed' });
    expect(failed?.errorMessage).toMatch(/could not be handed to the job queue/);
    expect(await countActiveJobs(scope)).toBe(0);
  });
});

describe('the every-minute cron', () => {
  it('runs the sweep: a job that lost its message is recovered from the trigger alone', async () => {
    const { scope } = await tenant();
    const job = await insertWithoutSend(scope, { message: 'cron', count_runs: true });
    const old = new Date(Date.now() - (STRANDED_GRACE_SECONDS + 5) * 1000).toISOString();
    await createDb(env.DB).update(jobs).set({ updatedAt: old }).where(eq(jobs.id, job.id));
    const ctx = createExecutionContext();
    // The sweep's first pass runs at the trigger (its second, 30 s later, is not waited for here).
    await worker.scheduled!(createScheduledController({ cron: STRANDED_SWEEP_CRON }), env, ctx);
    await settled(scope, job.id);
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'completed', redispatches: 1 });
    expect(await runsOf(job.id)).toBe(1);
  });
});

describe('a message delivered twice', () => {
  it('runs the job once when both deliveries arrive together', async () => {
    const { scope } = await tenant();
    const job = await insertWithoutSend(scope, { message: 'twice', count_runs: true, gated: true });
    const first = processJobMessage(env, message(job), 1);
    const second = processJobMessage(env, message(job), 1);
    // Whichever claimed it waits at the gate; the other was dropped without running.
    await expect.poll(() => runsOf(job.id)).toBe(1);
    openGate(job.id);
    // The other one was dropped, or (if it read the job after the claim) waits out the lease.
    const outcomes = await Promise.all([first, second]);
    expect(outcomes).toContainEqual({});
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'completed', result: { message: 'twice' } });
    expect(await runsOf(job.id)).toBe(1);
  });

  it('produces one result when the queue carries the same message twice', async () => {
    const { scope } = await tenant();
    const job = await insertWithoutSend(scope, { message: 'dup', count_runs: true });
    await env.JOBS.send(message(job), { contentType: 'json' });
    await env.JOBS.send(message(job), { contentType: 'json' });
    await settled(scope, job.id);
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'completed', result: { message: 'dup' } });
    // The later delivery finds it claimed or finished: one run, one result.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await runsOf(job.id)).toBe(1);
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'completed', attempts: 1 });
  });
});

describe('a duplicate that spent its retries', () => {
  it('is dropped by the dead-letter consumer while another delivery runs the job', async () => {
    const { scope } = await tenant();
    const job = await insertWithoutSend(scope, { message: 'live', count_runs: true, gated: true });
    const running = processJobMessage(env, message(job), 1);
    await expect.poll(() => runsOf(job.id)).toBe(1);
    await handleDeadLetterBatch(
      createMessageBatch('cutroom-jobs-dlq', [{ id: 'dup', timestamp: new Date(), attempts: 6, body: message(job) }]),
      env,
    );
    expect((await getJob(scope, job.id))?.status).toBe('running');
    openGate(job.id);
    await running;
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'completed', result: { message: 'live' } });
  });
});

describe('a started job whose delivery vanished', () => {
  /** A running job whose delivery died long ago, its messages gone (as the consumer left it). */
  async function stalledJob(scope: ProfileScope, attempts: number) {
    const job = await insertWithoutSend(scope, { message: 'stalled', count_runs: true });
    const long = new Date(Date.now() - (STALLED_JOB_SECONDS + 60) * 1000).toISOString();
    await createDb(env.DB)
      .update(jobs)
      .set({ status: 'running', attempts, startedAt: long, updatedAt: long, dispatchedAt: long, progress: 50 })
      .where(eq(jobs.id, job.id));
    return job;
  }

  it('is handed to a fresh delivery at once, which finishes it, counting the attempt', async () => {
    const { scope } = await tenant();
    const job = await stalledJob(scope, 1);
    expect((await sweepIn(0)).resent).toContain(job.id);
    await settled(scope, job.id);
    expect(await getJob(scope, job.id)).toMatchObject({
      status: 'completed',
      attempts: 2,
      redispatches: 1,
      handedOffAt: null,
    });
    expect(await runsOf(job.id)).toBe(1);
  });

  it('is not touched while its delivery still works on it', async () => {
    const { scope } = await tenant();
    const job = await stalledJob(scope, 1);
    await createDb(env.DB).update(jobs).set({ updatedAt: new Date().toISOString() }).where(eq(jobs.id, job.id));
    const sweep = await sweepIn(0);
    expect(sweep.resent).not.toContain(job.id);
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'running', redispatches: 0 });
  });

  it('fails with a reason when its attempts are spent, never stuck', async () => {
    const { scope } = await tenant();
    const job = await stalledJob(scope, MAX_ATTEMPTS);
    expect((await sweepIn(0)).failed).toContain(job.id);
    const failed = await getJob(scope, job.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'job_stalled' });
    expect(failed?.errorMessage).toMatch(/stopped making progress/);
    expect(await countActiveJobs(scope)).toBe(0);
    expect(await runsOf(job.id)).toBe(0);
  });
});
