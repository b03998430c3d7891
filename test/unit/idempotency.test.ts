import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { scopeForVerifiedProfile } from '../../src/db/scope.ts';
import { ApiError } from '../../src/core/errors.ts';
import { runIdempotent } from '../../src/http/idempotency.ts';
import { seedProfile, seedUser } from '../helpers/worker/tenants.ts';

async function scope() {
  const user = await seedUser('idem');
  return { user, scope: scopeForVerifiedProfile(createDb(env.DB), { profileId: user.profileId }) };
}

const route = 'POST /api/v1/things';

describe('runIdempotent', () => {
  it('replays the first response for the same key and input, running the work once', async () => {
    const { scope: s } = await scope();
    let runs = 0;
    const work = async () => ({ status: 201, body: { id: `thing-${++runs}` } });
    const first = await runIdempotent(s, 'key-1', { route, input: { a: 1, b: [1, 2] } }, work);
    const second = await runIdempotent(s, 'key-1', { route, input: { b: [1, 2], a: 1 } }, work);
    expect(first).toEqual({ status: 201, body: { id: 'thing-1' }, replayed: false });
    expect(second).toEqual({ status: 201, body: { id: 'thing-1' }, replayed: true });
    expect(runs).toBe(1);
  });

  it('answers 422 for the same key with a different input', async () => {
    const { scope: s } = await scope();
    await runIdempotent(s, 'key-2', { route, input: { a: 1 } }, async () => ({ status: 201, body: {} }));
    await expect(
      runIdempotent(s, 'key-2', { route, input: { a: 2 } }, async () => ({ status: 201, body: {} })),
    ).rejects.toMatchObject({ status: 422, code: 'idempotency_mismatch' });
  });

  it('answers 409 while the first request is still running', async () => {
    const { scope: s } = await scope();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = runIdempotent(s, 'key-3', { route, input: {} }, async () => {
      await gate;
      return { status: 201, body: { ok: true } };
    });
    await new Promise((r) => setTimeout(r, 20));
    await expect(
      runIdempotent(s, 'key-3', { route, input: {} }, async () => ({ status: 201, body: {} })),
    ).rejects.toMatchObject({
      status: 409,
      code: 'idempotency_conflict',
    });
    release();
    expect((await first).status).toBe(201);
  });

  it('runs the work exactly once for 50 concurrent identical requests', async () => {
    const { scope: s } = await scope();
    let runs = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        runIdempotent(s, 'key-4', { route, input: { x: 1 } }, async () => {
          runs += 1;
          await new Promise((r) => setTimeout(r, 30));
          return { status: 202, body: { job_id: 'job-1' } };
        }),
      ),
    );
    expect(runs).toBe(1);
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.body).toEqual({ job_id: 'job-1' });
      else expect((r.reason as ApiError).status).toBe(409);
    }
  });

  it('releases the key when the first attempt fails, so a corrected retry runs', async () => {
    const { scope: s } = await scope();
    await expect(
      runIdempotent(s, 'key-5', { route, input: { a: 1 } }, async () => {
        throw new ApiError(400, 'bad_request', 'nope');
      }),
    ).rejects.toMatchObject({ status: 400 });
    const retry = await runIdempotent(s, 'key-5', { route, input: { a: 2 } }, async () => ({
      status: 201,
      body: { ok: 1 },
    }));
    expect(retry).toEqual({ status: 201, body: { ok: 1 }, replayed: false });
  });

  it('keeps keys per profile: the same key in another profile is independent', async () => {
    const { user, scope: s } = await scope();
    const other = await seedProfile(user);
    const s2 = scopeForVerifiedProfile(createDb(env.DB), { profileId: other.profileId });
    await runIdempotent(s, 'shared', { route, input: { a: 1 } }, async () => ({ status: 201, body: { p: 1 } }));
    const res = await runIdempotent(s2, 'shared', { route, input: { a: 2 } }, async () => ({
      status: 201,
      body: { p: 2 },
    }));
    expect(res).toEqual({ status: 201, body: { p: 2 }, replayed: false });
  });

  it('rejects malformed keys', async () => {
    const { scope: s } = await scope();
    await expect(
      runIdempotent(s, 'has space', { route, input: {} }, async () => ({ status: 201, body: {} })),
    ).rejects.toMatchObject({
      status: 400,
    });
  });
});
