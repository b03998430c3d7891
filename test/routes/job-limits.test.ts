/**
 * Per-profile job limits as a client meets them: the deployment's MAX_CONCURRENT_JOBS and
 * DAILY_PROCESSING_MINUTES are ceilings a profile can lower but never raise, concurrent requests
 * never get past the limit (the check is part of the insert), and the daily minutes count.
 *
 * The concurrency tests call the Worker with a queue that holds its messages, so the jobs stay
 * `pending` (the real consumer would finish them and free slots during the burst).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { completeJob, insertJobStatement, markRunning } from '../../src/db/repos/jobs.ts';
import { updateProfile } from '../../src/db/repos/profiles.ts';
import { createDb } from '../../src/db/client.ts';
import type { Bindings } from '../../src/core/env.ts';
import { newId } from '../../src/core/ids.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { readyVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';
import { call } from '../helpers/worker/api.ts';

const PROFILES = '/api/v1/profiles';

/** The Worker with a queue that keeps every message (jobs stay pending). */
function heldWorker() {
  const held: unknown[] = [];
  const JOBS = {
    send: async (body: unknown) => void held.push(body),
    sendBatch: async (messages: Iterable<{ body: unknown }>) => {
      for (const m of messages) held.push(m.body);
    },
  };
  return {
    held,
    call: (t: Tenant, path: string, json: unknown) =>
      call(path, { env: { JOBS }, token: t.token, profileId: t.profileId, json }),
  };
}

/** A ready video whose probe job is over (so the limits tests start with no active job). */
async function idleVideo(t: Tenant) {
  const video = await readyVideo(t);
  const { jobs } = await import('../../src/db/schema.ts');
  const { eq } = await import('drizzle-orm');
  await scopeOf(t).db.update(jobs).set({ status: 'cancelled' }).where(eq(jobs.profileId, t.profileId));
  expect(await activeJobs(t)).toBe(0);
  return video;
}

async function activeJobs(t: Tenant) {
  const rows = await as(t)('/api/v1/jobs?limit=100');
  return rows.body.jobs.filter((j: any) => j.status === 'pending' || j.status === 'running').length;
}

describe('job limits: the deployment caps what a profile may set', () => {
  it('refuses (400, naming the cap) a profile raising its limits above the deployment', async () => {
    const t = await seedUser('caps');
    const api = as(t);
    const raise = await api(`${PROFILES}/${t.profileId}`, {
      method: 'PATCH',
      json: { max_concurrent_jobs: 100, daily_processing_minutes: 100_000 },
    });
    expect(raise.status).toBe(400);
    expect(raise.body.error.code).toBe('validation_failed');
    expect(raise.body.error.details).toEqual([
      {
        path: 'max_concurrent_jobs',
        message: `must be at most ${env.MAX_CONCURRENT_JOBS} (this deployment's MAX_CONCURRENT_JOBS)`,
      },
      {
        path: 'daily_processing_minutes',
        message: `must be at most ${env.DAILY_PROCESSING_MINUTES} (this deployment's DAILY_PROCESSING_MINUTES)`,
      },
    ]);
    const created = await api(`${PROFILES}/`, { json: { name: 'Greedy', max_concurrent_jobs: 100 } });
    expect(created.status).toBe(400);
    // Nothing changed; lowering is fine.
    expect((await api(`${PROFILES}/${t.profileId}`)).body).toMatchObject({
      max_concurrent_jobs: null,
      daily_processing_minutes: null,
    });
    const lower = await api(`${PROFILES}/${t.profileId}`, {
      method: 'PATCH',
      json: { max_concurrent_jobs: 1, daily_processing_minutes: 30 },
    });
    expect(lower.status).toBe(200);
    expect(lower.body).toMatchObject({ max_concurrent_jobs: 1, daily_processing_minutes: 30 });
  });

  it('caps a profile whose stored limit is above the deployment (set before the ceiling existed)', async () => {
    const t = await seedUser('caps-old');
    await updateProfile(createDb(env.DB), t.userId, t.profileId, { maxConcurrentJobs: 100 });
    const video = await idleVideo(t);
    const queue = heldWorker();
    const cap = Number(env.MAX_CONCURRENT_JOBS);
    const answers = [];
    for (let i = 0; i <= cap; i++)
      answers.push(await queue.call(t, '/api/v1/detect-voice', { source_video_id: video, threshold: 0.3 + i / 100 }));
    expect(answers.map((a) => a.status)).toEqual([...Array(cap).fill(202), 429]);
    expect(answers[cap]!.body.error.details).toMatchObject({ limit: cap });
  });
});

describe('job limits under concurrency', () => {
  it('admits exactly the limit of N requests sent at once, and 429s the rest', async () => {
    const t = await seedUser('burst');
    await as(t)(`${PROFILES}/${t.profileId}`, { method: 'PATCH', json: { max_concurrent_jobs: 3 } });
    const video = await idleVideo(t);
    const queue = heldWorker();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        queue.call(t, '/api/v1/detect-voice', { source_video_id: video, threshold: 0.2 + i / 100 }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429, 429, 429, 429, 429]);
    expect(await activeJobs(t)).toBe(3);
    expect(queue.held).toHaveLength(3);
    for (const refused of answers.filter((a) => a.status === 429))
      expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 3 } });
  });

  it('admits a bulk request whole or not at all when another request races it for the last slots', async () => {
    const t = await seedUser('burst-bulk');
    await as(t)(`${PROFILES}/${t.profileId}`, { method: 'PATCH', json: { max_concurrent_jobs: 3 } });
    const scope = scopeOf(t);
    // Two bulks of two jobs (probes of uploaded videos + the job, via enqueueJobs) race for 3 slots.
    const { enqueueJobs } = await import('../../src/jobs/producer.ts');
    const heldEnv = { ...(env as Bindings), JOBS: { send: async () => {}, sendBatch: async () => {} } } as never;
    const bulk = () =>
      enqueueJobs(scope, heldEnv, [
        { type: 'segment_thumbnail', input: { segment_id: 'seg_00000000000000000000000000' } },
        { type: 'segment_thumbnail', input: { segment_id: 'seg_00000000000000000000000001' } },
      ]).then(
        (rows) => rows.length,
        (err: { status?: number }) => err.status,
      );
    const results = await Promise.all([bulk(), bulk(), bulk()]);
    // One bulk got both of its jobs; the others none (3 slots, 2 per bulk): never a partial bulk.
    expect(results.sort()).toEqual([2, 429, 429]);
    expect(await activeJobs(t)).toBe(2);
  });
});

describe('the monthly AI budget under concurrency', () => {
  it("holds each queued job's estimate against the budget: of N concurrent requests, exactly what fits is queued", async () => {
    const probe = await seedUser('budget-probe');
    const text = 'Hello from ElevenLabs, a few words to bill.';
    const estimate = (await heldWorker().call(probe, '/api/v1/tts/generate', { text })).body.estimated_cost_usd;
    expect(estimate).toBeGreaterThan(0);

    const t = await seedUser('budget');
    const budget = estimate * 2.5;
    await as(t)(`${PROFILES}/${t.profileId}`, { method: 'PATCH', json: { monthly_budget_usd: budget } });
    const queue = heldWorker();
    const answers = await Promise.all(Array.from({ length: 8 }, () => queue.call(t, '/api/v1/tts/generate', { text })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 402, 402, 402, 402, 402, 402]);
    expect(queue.held).toHaveLength(2);
    const refused = answers.find((a) => a.status === 402)!;
    expect(refused.body.error).toMatchObject({
      code: 'budget_exceeded',
      details: { monthly_budget_usd: budget, spent_this_month_usd: 0 },
    });
  });
});

describe('job limits: processing minutes per day', () => {
  async function processed(t: Tenant, seconds: number, createdAt?: string) {
    const scope = scopeOf(t);
    const [job] = await insertJobStatement(scope, { id: newId('job'), type: 'echo', input: {} });
    await markRunning(scope, job!.id, 1);
    await completeJob(scope, job!.id, {}, { processingSeconds: seconds });
    if (createdAt) {
      const { jobs } = await import('../../src/db/schema.ts');
      const { eq } = await import('drizzle-orm');
      await scope.db.update(jobs).set({ createdAt }).where(eq(jobs.id, job!.id));
    }
  }

  it("refuses new jobs (429, Retry-After to midnight UTC) once today's minutes are used, and counts only today", async () => {
    const t = await seedUser('minutes');
    await as(t)(`${PROFILES}/${t.profileId}`, { method: 'PATCH', json: { daily_processing_minutes: 2 } });
    const video = await idleVideo(t);
    const queue = heldWorker();
    await processed(t, 3600, new Date(Date.now() - 26 * 3600_000).toISOString());
    await processed(t, 90);
    expect((await queue.call(t, '/api/v1/detect-voice', { source_video_id: video, threshold: 0.4 })).status).toBe(202);
    await processed(t, 31);
    const refused = await queue.call(t, '/api/v1/detect-voice', { source_video_id: video, threshold: 0.41 });
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe('Daily processing limit of 2 minutes reached for this profile');
    expect(refused.body.error.details).toEqual({ used_minutes: 2, limit_minutes: 2 });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((midnight.getTime() - Date.now()) / 1000) + 1);
  });

  it("applies the deployment's daily minutes to a profile that set none", async () => {
    const t = await seedUser('minutes-cap');
    const video = await idleVideo(t);
    const queue = heldWorker();
    await processed(t, Number(env.DAILY_PROCESSING_MINUTES) * 60);
    const refused = await queue.call(t, '/api/v1/detect-voice', { source_video_id: video });
    expect(refused.status).toBe(429);
    expect(refused.body.error.details).toMatchObject({ limit_minutes: Number(env.DAILY_PROCESSING_MINUTES) });
  });
});
