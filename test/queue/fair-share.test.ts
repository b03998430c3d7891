/**
 * Fairness between profiles in the consumer (src/jobs/fair-share.ts): before a job's first start,
 * a waiting job of a profile served less runs in its place (claimed once, however many deliveries
 * ask at the same moment); nobody waiting, the job runs; never more often than the cap.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { getJob } from '../../src/db/repos/jobs.ts';
import { jobs } from '../../src/db/schema.ts';
import { FAIR_SHARE_MAX_DEFERS, stepAsideDelaySeconds } from '../../src/jobs/fair-share.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { processJobMessage } from '../helpers/worker/jobs.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { type Tenant, seedUser } from '../helpers/worker/tenants.ts';

/** An echo job row, written directly: no message is sent, so only the test delivers it. */
async function echoJob(t: Tenant, values: Partial<typeof jobs.$inferInsert> = {}) {
  const [job] = await scopeOf(t)
    .db.insert(jobs)
    .values({ id: newId('job'), profileId: t.profileId, type: 'echo', input: { message: 'hi' }, ...values })
    .returning();
  return job!;
}

const messageOf = (job: { id: string; profileId: string }, extra: Partial<JobMessage> = {}): JobMessage => ({
  kind: 'job',
  job_id: job.id,
  profile_id: job.profileId,
  type: 'echo',
  ...extra,
});

/** A profile served once just now (a job that started a moment ago and finished). */
async function servedProfile(label: string) {
  const t = await seedUser(label);
  const now = new Date().toISOString();
  await echoJob(t, { status: 'completed', attempts: 1, startedAt: now, finishedAt: now });
  return t;
}

describe('fair share between profiles', () => {
  it("runs another profile's waiting job in its place, then its own once nobody waits", async () => {
    const busy = await servedProfile('fair-busy');
    const mine = await echoJob(busy);
    const other = await seedUser('fair-other');
    const waiting = await echoJob(other);

    expect(await processJobMessage(env, messageOf(mine), 1)).toEqual({});
    // The profile served less went first, in this delivery; this job is not started (re-sent).
    expect(await getJob(scopeOf(other), waiting.id)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await getJob(scopeOf(busy), mine.id)).toMatchObject({ status: 'pending', attempts: 0 });
    // The waiting job's own message, when it comes, finds it done.
    expect(await processJobMessage(env, messageOf(waiting), 1)).toEqual({});

    // Nobody waits any more: the busy profile's job runs.
    await processJobMessage(env, messageOf(mine, { fair_defers: 1 }), 1);
    expect(await getJob(scopeOf(busy), mine.id)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('gives a waiting job to one delivery only when two ask at the same moment', async () => {
    const busy = await servedProfile('fair-race');
    const [first, second] = [await echoJob(busy), await echoJob(busy)];
    const other = await seedUser('fair-race-other');
    const waiting = await echoJob(other);
    await Promise.all([processJobMessage(env, messageOf(first), 1), processJobMessage(env, messageOf(second), 1)]);
    expect(await getJob(scopeOf(other), waiting.id)).toMatchObject({ status: 'completed', attempts: 1 });
    const statuses = [
      (await getJob(scopeOf(busy), first.id))!.status,
      (await getJob(scopeOf(busy), second.id))!.status,
    ];
    expect(statuses.sort()).toEqual(['completed', 'pending']);
  });

  it('goes ahead when the waiting profile was served as much', async () => {
    const a = await servedProfile('fair-even-a');
    const b = await servedProfile('fair-even-b');
    const mine = await echoJob(a);
    await echoJob(b);
    await processJobMessage(env, messageOf(mine), 1);
    expect(await getJob(scopeOf(a), mine.id)).toMatchObject({ status: 'completed' });
  });

  it('runs regardless once it stepped aside as often as the cap allows', async () => {
    const busy = await servedProfile('fair-cap');
    const mine = await echoJob(busy);
    await echoJob(await seedUser('fair-cap-other'));
    await processJobMessage(env, messageOf(mine, { fair_defers: FAIR_SHARE_MAX_DEFERS }), 1);
    expect(await getJob(scopeOf(busy), mine.id)).toMatchObject({ status: 'completed' });
  });

  it('runs regardless when the fair share is off', async () => {
    const busy = await servedProfile('fair-off');
    const mine = await echoJob(busy);
    await echoJob(await seedUser('fair-off-other'));
    await processJobMessage({ ...env, JOB_FAIR_SHARE: 'off' }, messageOf(mine), 1);
    expect(await getJob(scopeOf(busy), mine.id)).toMatchObject({ status: 'completed' });
  });

  it('waits longer each time the same job gives its turn away, up to a ceiling', () => {
    const delays = Array.from({ length: 8 }, (_, i) => stepAsideDelaySeconds(i));
    expect(delays).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });
});
