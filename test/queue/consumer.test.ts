import { createMessageBatch, createExecutionContext, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { getJob, markRunning } from '../../src/db/repos/jobs.ts';
import { jobs } from '../../src/db/schema.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../../src/db/scope.ts';
import {
  MAX_ATTEMPTS,
  enqueueJob,
  handleDeadLetterBatch,
  handleJobsBatch,
  processJobMessage,
} from '../helpers/worker/jobs.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { call } from '../helpers/worker/api.ts';
import { seedProfile, seedUser } from '../helpers/worker/tenants.ts';

async function tenantScope() {
  const user = await seedUser('queue');
  return { user, scope: scopeForVerifiedProfile(createDb(env.DB), { profileId: user.profileId }) };
}

/** An echo job row as a delivery would find it, written directly (no message sent). */
async function insertEchoJob(
  scope: ProfileScope,
  values: Omit<typeof jobs.$inferInsert, 'profileId' | 'type'> & Pick<typeof jobs.$inferInsert, 'id' | 'input'>,
) {
  const [job] = await scope.db
    .insert(jobs)
    .values({ ...values, profileId: scope.profileId, type: 'echo' })
    .returning();
  return job!;
}

const message = (job: { id: string; profileId: string }): JobMessage => ({
  kind: 'job',
  job_id: job.id,
  profile_id: job.profileId,
  type: 'echo',
});

describe('job queue', () => {
  it('runs an enqueued job through the real queue to completion', async () => {
    const { user, scope } = await tenantScope();
    const job = await enqueueJob(scope, env, 'echo', { message: 'hello' });
    expect(job.status).toBe('pending');
    await expect.poll(async () => (await getJob(scope, job.id))?.status, { timeout: 10_000 }).toBe('completed');
    const res = await call(`/api/v1/jobs/${job.id}`, { token: user.token });
    expect(res.body).toMatchObject({ status: 'completed', progress: 100, result: { message: 'hello' }, attempts: 1 });
  });

  it('fails a job for good on a permanent error, with its reason', async () => {
    const { scope } = await tenantScope();
    const job = await enqueueJob(scope, env, 'echo', { message: 'x', fail_with: 'permanent' });
    await expect.poll(async () => (await getJob(scope, job.id))?.status, { timeout: 10_000 }).toBe('failed');
    expect(await getJob(scope, job.id)).toMatchObject({ errorCode: 'echo_failed', errorMessage: 'Asked to fail' });
  });

  it('retries transient errors with backoff, then fails after the last attempt', async () => {
    const { scope } = await tenantScope();
    const [row] = await scope.db.batch([
      scope.db
        .insert((await import('../../src/db/schema.ts')).jobs)
        .values({
          id: 'job_0000000000000000000000retr',
          profileId: scope.profileId,
          type: 'echo',
          input: { message: 'x', fail_with: 'transient' },
        })
        .returning(),
    ]);
    const job = row[0]!;
    const first = await processJobMessage(env, message(job), 1);
    expect(first.retryAfter).toBe(1);
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'pending', errorCode: 'echo_unavailable' });
    expect((await getJob(scope, job.id))?.step).toMatch(/^Retrying in 1s/);
    const last = await processJobMessage(env, message(job), MAX_ATTEMPTS);
    expect(last.retryAfter).toBeUndefined();
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
  });

  it('acks and retries through the batch handler', async () => {
    const { scope } = await tenantScope();
    const ok = await insertEchoJob(scope, {
      id: 'job_000000000000000000000batch',
      input: { message: 'a' },
    });
    const flaky = await insertEchoJob(scope, {
      id: 'job_000000000000000000000flaky',
      input: { message: 'b', fail_with: 'transient' },
    });
    const batch = createMessageBatch<unknown>('cutroom-jobs', [
      { id: 'm1', timestamp: Date.now(), attempts: 1, body: message(ok) },
      { id: 'm2', timestamp: Date.now(), attempts: 1, body: message(flaky) },
      { id: 'm3', timestamp: Date.now(), attempts: 1, body: { nonsense: true } },
    ]);
    const ctx = createExecutionContext();
    await handleJobsBatch(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm3']);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m2']);
  });

  it('ignores a redelivered message for a finished job', async () => {
    const { scope } = await tenantScope();
    const job = await enqueueJob(scope, env, 'echo', { message: 'once' });
    await expect.poll(async () => (await getJob(scope, job.id))?.status, { timeout: 10_000 }).toBe('completed');
    const before = await getJob(scope, job.id);
    await processJobMessage(env, message(job), 2);
    expect(await getJob(scope, job.id)).toEqual(before);
  });

  it('drops a message whose profile does not own the job, changing nothing', async () => {
    const { user, scope } = await tenantScope();
    const other = await seedProfile(user);
    const job = await insertEchoJob(scope, {
      id: 'job_0000000000000000000foreign',
      input: { message: 'a' },
    });
    await processJobMessage(env, { ...message(job), profile_id: other.profileId }, 1);
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('marks a job failed from the dead-letter queue with its last reason', async () => {
    const { scope } = await tenantScope();
    const job = await insertEchoJob(scope, {
      id: 'job_00000000000000000000000dlq',
      input: { message: 'a' },
      errorCode: 'processor_unreachable',
      errorMessage: 'connect ECONNREFUSED',
    });
    const batch = createMessageBatch('cutroom-jobs-dlq', [
      { id: 'd1', timestamp: Date.now(), attempts: 1, body: message(job) },
    ]);
    await handleDeadLetterBatch(batch, env);
    expect(await getJob(scope, job.id)).toMatchObject({
      status: 'failed',
      errorCode: 'processor_unreachable',
      errorMessage: 'connect ECONNREFUSED (retries exhausted)',
    });
  });

  it('cancels a pending job so the consumer never runs it', async () => {
    const { user, scope } = await tenantScope();
    const job = await insertEchoJob(scope, {
      id: 'job_0000000000000000000000cncl',
      input: { message: 'a' },
    });
    const res = await call(`/api/v1/jobs/${job.id}/cancel`, { method: 'POST', token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    await processJobMessage(env, message(job), 1);
    expect((await getJob(scope, job.id))?.status).toBe('cancelled');
    expect((await call(`/api/v1/jobs/${job.id}/cancel`, { method: 'POST', token: user.token })).status).toBe(409);
  });

  it('refuses new jobs with 429 over the concurrent-job limit, enqueuing nothing', async () => {
    const { user, scope } = await tenantScope();
    await call(`/api/v1/profiles/${user.profileId}`, {
      method: 'PATCH',
      token: user.token,
      json: { max_concurrent_jobs: 1 },
    });
    await insertEchoJob(scope, {
      id: 'job_000000000000000000000limit',
      input: { message: 'a' },
      status: 'running',
    });
    await expect(enqueueJob(scope, env, 'echo', { message: 'b' })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
    });
    const list = await call('/api/v1/jobs', { token: user.token });
    expect(list.body.jobs).toHaveLength(1);
  });

  it('hands a job that outlives its delivery to a fresh message: no retry spent, completed once', async () => {
    const { scope } = await tenantScope();
    const job = await enqueueJob(scope, env, 'echo', { message: 'long', hand_offs: 3 });
    await expect.poll(async () => (await getJob(scope, job.id))?.status, { timeout: 20_000 }).toBe('completed');
    expect(await getJob(scope, job.id)).toMatchObject({
      status: 'completed',
      result: { message: 'long' },
      handoffs: 3,
      handedOffAt: null,
      attempts: 1,
      errorCode: null,
    });
  });

  it('keeps counting failed attempts across a hand-off', async () => {
    const { scope } = await tenantScope();
    const job = await insertEchoJob(scope, {
      id: 'job_00000000000000000000handof',
      input: { message: 'a', hand_offs: 1 },
    });
    // The third attempt hands off; the fresh message's delivery is still the third attempt.
    expect(await processJobMessage(env, message(job), 3)).toEqual({});
    await expect.poll(async () => (await getJob(scope, job.id))?.status, { timeout: 20_000 }).toBe('completed');
    expect(await getJob(scope, job.id)).toMatchObject({ attempts: 3, handoffs: 1 });
  });

  it('lets the next delivery claim a handed-off job at once, and only one of two duplicates', async () => {
    const { scope } = await tenantScope();
    const handedOffAt = new Date().toISOString();
    const job = await insertEchoJob(scope, {
      id: 'job_00000000000000000000claim1',
      input: { message: 'a' },
      status: 'running',
      handedOffAt,
      handoffs: 1,
    });
    // Running and just updated, but handed off: not leased, so not "running in another delivery".
    expect(await processJobMessage(env, message(job), 1)).toEqual({});
    expect(await getJob(scope, job.id)).toMatchObject({ status: 'completed', handedOffAt: null });

    const twin = await insertEchoJob(scope, {
      id: 'job_00000000000000000000claim2',
      input: { message: 'a' },
      status: 'running',
      handedOffAt,
    });
    const claims = await Promise.all([
      markRunning(scope, twin.id, 1, handedOffAt),
      markRunning(scope, twin.id, 1, handedOffAt),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
