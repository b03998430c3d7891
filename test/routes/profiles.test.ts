import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/worker/api.ts';
import { seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const BASE = '/api/v1/profiles';

describe('profiles', () => {
  it('lists the default profile first, then oldest first', async () => {
    const user = await seedUser();
    const b = await seedProfile(user, 'Brand B');
    const c = await seedProfile(user, 'Brand C');
    const res = await call(`${BASE}/`, { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.map((p: any) => p.id)).toEqual([user.profileId, b.profileId, c.profileId]);
    expect(res.body[0].is_default).toBe(true);
    // Without the trailing slash too (original clients used `/profiles/`).
    expect((await call(BASE, { token: user.token })).body).toHaveLength(3);
  });

  it('creates a profile with settings and never as default', async () => {
    const user = await seedUser();
    const res = await call(`${BASE}/`, {
      token: user.token,
      json: {
        name: '  Acme Shoes ',
        description: 'Shoes',
        tts_provider: 'local',
        local_voice: 'en-us',
        monthly_budget_usd: 25,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Acme Shoes',
      description: 'Shoes',
      is_default: false,
      tts_provider: 'local',
      local_voice: 'en-us',
      monthly_budget_usd: 25,
      postiz_configured: false,
    });
    expect(res.body.id).toMatch(/^prf_[0-9a-z]{26}$/);
  });

  it('validates input with field paths and keeps nothing on failure', async () => {
    const user = await seedUser();
    const res = await call(`${BASE}/`, { token: user.token, json: { name: '', monthly_budget_usd: -1, extra: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.details.map((d: any) => d.path);
    expect(paths).toContain('name');
    expect(paths).toContain('monthly_budget_usd');
    expect((await call(`${BASE}/`, { token: user.token })).body).toHaveLength(1);
  });

  it('rejects malformed JSON with 400, not 500', async () => {
    const user = await seedUser();
    const res = await call(`${BASE}/`, {
      token: user.token,
      body: '{"name": ',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.request_id).toBeTruthy();
  });

  it('rejects JSON bodies over 1 MB with 413', async () => {
    const user = await seedUser();
    const res = await call(`${BASE}/`, { token: user.token, json: { name: 'x', description: 'a'.repeat(1_100_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('gets, updates (PUT and PATCH) a profile', async () => {
    const user = await seedUser();
    const second = await seedProfile(user, 'Old name');
    const got = await call(`${BASE}/${second.profileId}`, { token: user.token });
    expect(got.body.name).toBe('Old name');
    const put = await call(`${BASE}/${second.profileId}`, {
      method: 'PUT',
      token: user.token,
      json: { name: 'New name' },
    });
    expect(put.status).toBe(200);
    expect(put.body.name).toBe('New name');
    const patch = await call(`${BASE}/${second.profileId}`, {
      method: 'PATCH',
      token: user.token,
      json: { description: 'd' },
    });
    expect(patch.body).toMatchObject({ name: 'New name', description: 'd' });
  });

  it('sets the default atomically: exactly one default afterwards', async () => {
    const user = await seedUser();
    const second = await seedProfile(user);
    // A request without X-Profile-Id first, so the old default is the one an isolate remembers.
    expect((await call('/api/v1/jobs', { token: user.token })).status).toBe(200);
    const res = await call(`${BASE}/${second.profileId}/set-default`, { method: 'POST', token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.is_default).toBe(true);
    const list = (await call(`${BASE}/`, { token: user.token })).body;
    expect(list.filter((p: any) => p.is_default).map((p: any) => p.id)).toEqual([second.profileId]);
    expect(list[0].id).toBe(second.profileId);
    // Requests without X-Profile-Id now act in the new default profile, at once.
    const created = await call('/api/v1/library/projects', { token: user.token, json: { name: 'In the new default' } });
    expect(created.status).toBe(201);
    const inSecond = await call(`/api/v1/library/projects/${created.body.id}`, {
      token: user.token,
      profileId: second.profileId,
    });
    expect(inSecond.status).toBe(200);
  });

  it('refuses to delete the default profile and deletes another with its rows', async () => {
    const user = await seedUser();
    const second = await seedProfile(user);
    const refused = await call(`${BASE}/${user.profileId}`, { method: 'DELETE', token: user.token });
    expect(refused.status).toBe(400);
    // Used once before the delete, so its check is one an isolate remembers.
    expect((await call('/api/v1/jobs', { token: user.token, profileId: second.profileId })).status).toBe(200);
    // Give the second profile some data and an object; deletion cascades rows and purges objects.
    await env.DB.prepare(`INSERT INTO jobs (id, profile_id, type, input) VALUES (?, ?, 'echo', '{}')`)
      .bind('job_0000000000000000000000test', second.profileId)
      .run();
    await env.MEDIA.put(`p/${second.profileId}/videos/vid_00000000000000000000000000/source`, 'x');
    const res = await call(`${BASE}/${second.profileId}`, { method: 'DELETE', token: user.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'deleted', profile_id: second.profileId });
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM jobs WHERE profile_id = ?')
      .bind(second.profileId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    expect((await call(`${BASE}/${second.profileId}`, { token: user.token })).status).toBe(404);
    // The deleted profile is refused as the active profile at once, not after the memory expires.
    expect((await call('/api/v1/jobs', { token: user.token, profileId: second.profileId })).status).toBe(404);
    await expect
      .poll(async () => (await env.MEDIA.list({ prefix: `p/${second.profileId}/` })).objects.length, { timeout: 5000 })
      .toBe(0);
  });

  it("answers 403 for another user's profile and 404 for an unknown one, on every route", async () => {
    const alice = await seedUser('alice');
    const bob = await seedUser('bob');
    const bobSecond = await seedProfile(bob);
    for (const [method, suffix, json] of [
      ['GET', '', undefined],
      ['PUT', '', { name: 'hijack' }],
      ['PATCH', '', { name: 'hijack' }],
      ['DELETE', '', undefined],
      ['POST', '/set-default', undefined],
    ] as const) {
      const foreign = await call(`${BASE}/${bobSecond.profileId}${suffix}`, { method, token: alice.token, json });
      expect(foreign.status, `${method} ${suffix}`).toBe(403);
      const unknown = await call(`${BASE}/prf_00000000000000000000000000${suffix}`, {
        method,
        token: alice.token,
        json,
      });
      expect(unknown.status, `${method} ${suffix}`).toBe(404);
    }
    const bobs = (await call(`${BASE}/`, { token: bob.token })).body;
    expect(bobs.find((p: any) => p.id === bobSecond.profileId).name).toBe('Second brand');
    expect((await call(`${BASE}/`, { token: alice.token })).body.map((p: any) => p.id)).not.toContain(bob.profileId);
  });
});
