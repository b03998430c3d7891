import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { getJob } from '../../src/db/repos/jobs.ts';
import { scopeForVerifiedProfile } from '../../src/db/scope.ts';
import { enqueueJob } from '../helpers/worker/jobs.ts';
import { call } from '../helpers/worker/api.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

async function setup() {
  const user = await seedUser('jobs');
  const scope = scopeForVerifiedProfile(createDb(env.DB), { profileId: user.profileId });
  return { user, scope, api: as(user) };
}

async function finished(scope: ReturnType<typeof scopeForVerifiedProfile>, id: string) {
  await expect.poll(async () => (await getJob(scope, id))?.status, { timeout: 10_000 }).toBe('completed');
}

describe('/api/v1/jobs', () => {
  it('lists newest first with cursor pagination and filters', async () => {
    const { scope, api } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await enqueueJob(scope, env, 'echo', { message: `m${i}` })).id);
    for (const id of ids) await finished(scope, id);
    const page1 = await api('/api/v1/jobs?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.jobs.map((j: any) => j.job_id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.next_cursor).toBe(ids[1]);
    expect(page1.headers.get('X-Next-Cursor')).toBe(ids[1]);
    // Every list names its next page as a Link URL too; following it gives the same page.
    const link = /^<([^>]+)>; rel="next"$/.exec(page1.headers.get('Link') ?? '')?.[1];
    expect(link).toBe(`/api/v1/jobs?limit=2&cursor=${ids[1]}`);
    const page2 = await api(link!);
    expect(page2.body.jobs.map((j: any) => j.job_id)).toEqual([ids[0]]);
    expect(page2.body.next_cursor).toBeNull();
    expect((await api('/api/v1/jobs?status=failed')).body.jobs).toEqual([]);
    expect((await api('/api/v1/jobs?type=echo')).body.jobs).toHaveLength(3);
  });

  it('caps pages at 100 and validates query parameters with field paths', async () => {
    const { api } = await setup();
    const res = await api('/api/v1/jobs?limit=101&status=bogus');
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.path).sort()).toEqual(['limit', 'status']);
    expect((await api('/api/v1/jobs?cursor=../../etc')).status).toBe(400);
  });

  it('gets a job and answers 404 for an unknown id', async () => {
    const { scope, api } = await setup();
    const job = await enqueueJob(scope, env, 'echo', { message: 'x' });
    const res = await api(`/api/v1/jobs/${job.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job_id: job.id, type: 'echo', input: { message: 'x' } });
    expect((await api('/api/v1/jobs/job_00000000000000000000000000')).status).toBe(404);
  });

  it('deletes a finished job with its outputs, refuses an active one', async () => {
    const { scope, api } = await setup();
    const job = await enqueueJob(scope, env, 'echo', { message: 'x' });
    await finished(scope, job.id);
    const key = `p/${scope.profileId}/jobs/${job.id}/out.bin`;
    await env.MEDIA.put(key, 'data');
    await scope.db.run(`UPDATE jobs SET output_keys = '${JSON.stringify([key])}' WHERE id = '${job.id}'`);
    const res = await api(`/api/v1/jobs/${job.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await env.MEDIA.head(key)).toBeNull();
    expect((await api(`/api/v1/jobs/${job.id}`)).status).toBe(404);

    const { jobs } = await import('../../src/db/schema.ts');
    await scope.db.insert(jobs).values({
      id: 'job_0000000000000000000active',
      profileId: scope.profileId,
      type: 'echo',
      input: { message: 'a' },
      status: 'running',
    });
    expect((await api('/api/v1/jobs/job_0000000000000000000active', { method: 'DELETE' })).status).toBe(409);
  });

  it('streams progress as Server-Sent Events until the job ends', async () => {
    const { scope, api } = await setup();
    const job = await enqueueJob(scope, env, 'echo', { message: 'sse' });
    const res = await api(`/api/v1/jobs/${job.id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = [...res.text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2]!),
    }));
    expect(events[0]!.event).toBe('progress');
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed', result: { message: 'sse' } } });
  });

  it('keeps every job route within its profile', async () => {
    const { user, scope } = await setup();
    const job = await enqueueJob(scope, env, 'echo', { message: 'private' });
    await finished(scope, job.id);
    await expectCrossProfileIsolation(
      user,
      [
        { method: 'GET', path: `/api/v1/jobs/${job.id}` },
        { method: 'POST', path: `/api/v1/jobs/${job.id}/cancel` },
        { method: 'GET', path: `/api/v1/jobs/${job.id}/events` },
        { method: 'DELETE', path: `/api/v1/jobs/${job.id}` },
      ],
      [{ path: '/api/v1/jobs', ids: [job.id] }],
    );
    // Still there for its owner.
    expect((await call(`/api/v1/jobs/${job.id}`, { token: user.token })).status).toBe(200);
  });
});
