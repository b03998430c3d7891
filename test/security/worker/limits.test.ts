/**
 * Per-profile limits a tenant must not be able to escape: the number of queued or running jobs and
 * the daily processing minutes. A profile may lower its limits, never raise them past the
 * deployment's (MAX_CONCURRENT_JOBS, DAILY_PROCESSING_MINUTES); concurrent requests must not
 * overshoot a limit (the check and the insert are one step); a used-up daily quota refuses work.
 * Jobs here are TTS generations: with the route tests' stand-in processor they stay queued or
 * retrying, so every accepted one keeps counting against the limit.
 */
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { completeJob, markRunning } from '../../../src/db/repos/jobs.ts';
import { scopeOf } from '../../helpers/worker/seed.ts';
import { type Tenant, as, seedUser } from '../../helpers/worker/tenants.ts';
import { casesOf } from '../support/cases.ts';
import { expectErrorShape } from './requests.ts';

const attack = casesOf('limits');
const deploymentJobs = () => Number(env.MAX_CONCURRENT_JOBS || 4);
const deploymentMinutes = () => Number(env.DAILY_PROCESSING_MINUTES || 600);

const newJob = (t: Tenant) => as(t)('/api/v1/tts/generate', { json: { text: 'Limit test' } });

async function acceptedOf(requests: Promise<{ status: number; text: string }>[]) {
  const answers = await Promise.all(requests);
  for (const res of answers) expect([202, 429], res.text.slice(0, 200)).toContain(res.status);
  return answers.filter((r) => r.status === 202).length;
}

attack('a profile cannot raise max_concurrent_jobs past the deployment’s limit', async () => {
  const t = await seedUser('limits');
  const patch = await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { max_concurrent_jobs: 100 } });
  expect(patch.status).toBeLessThan(500);
  let accepted = 0;
  for (let i = 0; i < deploymentJobs() + 3; i++) accepted += (await newJob(t)).status === 202 ? 1 : 0;
  expect(accepted).toBeLessThanOrEqual(deploymentJobs());
});

attack('a profile cannot raise daily_processing_minutes past the deployment’s limit', async () => {
  const t = await seedUser('limits');
  const patch = await as(t)(`/api/v1/profiles/${t.profileId}`, {
    method: 'PATCH',
    json: { daily_processing_minutes: 100_000 },
  });
  expect(patch.status).toBeLessThan(500);
  await useMinutes(t, deploymentMinutes() + 1);
  const res = await newJob(t);
  expect(res.status, res.text).toBe(429);
});

attack('concurrent job requests do not overshoot max_concurrent_jobs', async () => {
  const t = await seedUser('limits');
  const accepted = await acceptedOf(Array.from({ length: 12 }, () => newJob(t)));
  expect(accepted).toBeLessThanOrEqual(deploymentJobs());
});

attack('control: a profile may lower its own limit, and the lower limit holds', async () => {
  const t = await seedUser('limits');
  const patch = await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { max_concurrent_jobs: 1 } });
  expect(patch.status).toBe(200);
  expect((await newJob(t)).status).toBe(202);
  const refused = await newJob(t);
  expect(refused.status).toBe(429);
  expectErrorShape(refused, 'over the limit');
});

/** Records a finished job of `minutes` of processing today (what the consumer does after real work). */
async function useMinutes(t: Tenant, minutes: number) {
  const scope = scopeOf(t);
  const job = (await as(t)('/api/v1/tts/generate', { json: { text: 'Used minutes' } })).body.job_id as string;
  await markRunning(scope, job, 1);
  await completeJob(scope, job, { status: 'success' }, { processingSeconds: minutes * 60 });
}

attack('a used-up daily processing quota refuses new jobs', async () => {
  const t = await seedUser('limits');
  await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { daily_processing_minutes: 5 } });
  await useMinutes(t, 6);
  const res = await newJob(t);
  expect(res.status, res.text).toBe(429);
  expectErrorShape(res, 'quota');
  expect(res.body.error.details).toMatchObject({ limit_minutes: 5 });
});
