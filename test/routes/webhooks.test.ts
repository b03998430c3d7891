/**
 * /api/v1/webhooks: endpoints (create with a secret shown once, list, get, change, delete, rotate),
 * URL checks when saved (https and public hosts only, also by where the name resolves), limits, the
 * delivery log, and cross-profile isolation of every route.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_ENDPOINTS_PER_PROFILE } from '../../src/core/limits.ts';
import { type ApiResponse, call } from '../helpers/worker/api.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { enqueueJob } from '../helpers/worker/jobs.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';
import { createReceiverEndpoint, receiver, receiverUrl } from '../helpers/worker/webhooks.ts';

/** A request to the app under the deployment's own settings: no private targets, DNS checked by the test resolver. */
function asProduction(t: Tenant, path: string, json: unknown, method = 'POST'): Promise<ApiResponse> {
  return call(path, {
    method,
    token: t.token,
    profileId: t.profileId,
    json,
    env: { OUTBOUND_ALLOW_PRIVATE: 'false', OUTBOUND_DNS_RESOLVER: `${receiverUrl()}/dns-query` },
  });
}

describe('webhook endpoints', () => {
  it('creates an endpoint with a secret shown once, then lists, gets, changes and deletes it', async () => {
    const owner = await seedUser('hooks');
    const api = as(owner);
    const url = `${receiverUrl()}/hooks/crud`;
    const created = await api('/api/v1/webhooks', {
      json: { url, event_types: ['job.completed', 'clip.rendered'], description: 'CI dashboard' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url,
      event_types: ['job.completed', 'clip.rendered'],
      description: 'CI dashboard',
      enabled: true,
      previous_secret_expires_at: null,
    });
    expect(created.body.id).toMatch(/^whk_/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const got = await api(`/api/v1/webhooks/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.text).not.toContain(created.body.secret);
    const list = await api('/api/v1/webhooks');
    expect(list.body.webhooks.map((w: any) => w.id)).toEqual([created.body.id]);
    expect(list.text).not.toContain(created.body.secret);

    const changed = await api(`/api/v1/webhooks/${created.body.id}`, {
      method: 'PATCH',
      json: { event_types: ['*'], enabled: false, description: null },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ event_types: ['*'], enabled: false, description: null, url });

    const deleted = await api(`/api/v1/webhooks/${created.body.id}`, { method: 'DELETE' });
    expect(deleted.body).toEqual({ status: 'deleted', webhook_id: created.body.id });
    expect((await api(`/api/v1/webhooks/${created.body.id}`)).status).toBe(404);
  });

  it('refuses bad input with field paths', async () => {
    const api = as(await seedUser('hooks'));
    const url = `${receiverUrl()}/hooks/bad`;
    for (const json of [
      { url },
      { url, event_types: [] },
      { url, event_types: ['job.exploded'] },
      { url, event_types: ['job.failed', 'job.failed'] },
      { url: 'not a url', event_types: ['*'] },
      { url: 'ftp://files.example.com/', event_types: ['*'] },
      { url, event_types: ['*'], secret: 'mine' },
    ]) {
      const res = await api('/api/v1/webhooks', { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('accepts only https URLs of public hosts where the deployment allows no private targets', async () => {
    const owner = await seedUser('hooks');
    const refused: [string, RegExp][] = [
      ['http://hooks.public.test/plain-http', /must use https/],
      ['https://127.0.0.1/', /public host/],
      ['https://2130706433/', /public host/],
      ['https://0x7f.1/', /public host/],
      ['https://localhost/', /public host/],
      ['https://[::1]/', /public host/],
      ['https://[::ffff:10.0.0.1]/', /public host/],
      ['https://10.1.2.3/', /public host/],
      ['https://192.168.1.1/', /public host/],
      ['https://169.254.169.254/latest/meta-data', /metadata/],
      ['https://metadata.google.internal/', /metadata/],
      ['https://user:pw@hooks.public.test/', /credentials/],
      // Public-looking names, judged by where they resolve (the test resolver's table).
      ['https://hooks.private.test/', /resolves to a loopback, private or link-local address/],
      ['https://hooks.loopback6.test/', /resolves to a loopback, private or link-local address/],
      ['https://hooks.nx.test/', /does not resolve/],
    ];
    for (const [url, why] of refused) {
      const res = await asProduction(owner, '/api/v1/webhooks', { url, event_types: ['*'] });
      expect(res.status, `${url}: ${res.text}`).toBe(400);
      expect(res.body.error.details[0].path).toBe('url');
      expect(res.body.error.message, url).toMatch(why);
    }
    const ok = await asProduction(owner, '/api/v1/webhooks', {
      url: 'https://hooks.public.test/in',
      event_types: ['*'],
    });
    expect(ok.status, ok.text).toBe(201);
    // The same check on change.
    const moved = await asProduction(
      owner,
      `/api/v1/webhooks/${ok.body.id}`,
      { url: 'https://hooks.private.test/x' },
      'PATCH',
    );
    expect(moved.status).toBe(400);
    // A resolver that cannot answer: try again later, nothing saved.
    const unknown = await asProduction(owner, '/api/v1/webhooks', {
      url: 'https://hooks.servfail.example/',
      event_types: ['*'],
    });
    expect(unknown.status).toBe(503);
    expect((await as(owner)('/api/v1/webhooks')).body.webhooks).toHaveLength(1);
  });

  it(`caps a profile at ${MAX_WEBHOOK_ENDPOINTS_PER_PROFILE} endpoints, also under concurrent requests`, async () => {
    const owner = await seedUser('hooks');
    const url = `${receiverUrl()}/hooks/cap`;
    const results = await Promise.all(
      Array.from({ length: MAX_WEBHOOK_ENDPOINTS_PER_PROFILE + 5 }, () =>
        as(owner)('/api/v1/webhooks', { json: { url, event_types: ['*'] } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX_WEBHOOK_ENDPOINTS_PER_PROFILE);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    expect((await as(owner)('/api/v1/webhooks')).body.webhooks).toHaveLength(MAX_WEBHOOK_ENDPOINTS_PER_PROFILE);
  });

  it('rotates the secret: a new one shown once, the old one overlapping for the asked time', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner);
    const rotated = await as(owner)(`/api/v1/webhooks/${endpoint.id}/rotate-secret`, { json: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const overlapEnds = Date.parse(rotated.body.previous_secret_expires_at);
    expect(overlapEnds - Date.now()).toBeGreaterThan(23 * 3600_000); // default: 24 h
    const now = await as(owner)(`/api/v1/webhooks/${endpoint.id}/rotate-secret`, { json: { overlap_seconds: 0 } });
    expect(now.body.previous_secret_expires_at).toBeNull();
    const tooLong = await as(owner)(`/api/v1/webhooks/${endpoint.id}/rotate-secret`, {
      json: { overlap_seconds: 8 * 24 * 3600 },
    });
    expect(tooLong.status).toBe(400);
  });

  it("lists an endpoint's deliveries newest first, with filters and pages", async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed', 'job.failed']);
    const scope = scopeOf(owner);
    await enqueueJob(scope, env, 'echo', { message: 'one' });
    await enqueueJob(scope, env, 'echo', { message: 'two', fail_with: 'permanent' });
    await receiver.waitFor(endpoint.path, 2);
    const api = as(owner);
    await expect
      .poll(async () =>
        (await api(`/api/v1/webhooks/${endpoint.id}/deliveries`)).body.deliveries.map((d: any) => d.status),
      )
      .toEqual(['succeeded', 'succeeded']);
    const all = (await api(`/api/v1/webhooks/${endpoint.id}/deliveries`)).body.deliveries;
    expect(all.map((d: any) => d.event_type).sort()).toEqual(['job.completed', 'job.failed']);
    expect(all[0].id > all[1].id).toBe(true);
    const page = await api(`/api/v1/webhooks/${endpoint.id}/deliveries?limit=1`);
    expect(page.body.deliveries).toHaveLength(1);
    expect(page.headers.get('X-Next-Cursor')).toBe(page.body.next_cursor);
    const rest = await api(`/api/v1/webhooks/${endpoint.id}/deliveries?limit=1&cursor=${page.body.next_cursor}`);
    expect(rest.body.deliveries[0].id).toBe(all[1].id);
    const byEvent = await api(`/api/v1/webhooks/${endpoint.id}/deliveries?event_id=${all[1].event_id}`);
    expect(byEvent.body.deliveries.map((d: any) => d.id)).toEqual([all[1].id]);
    const one = await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${all[0].id}`);
    expect(one.body).toEqual(all[0]);
    expect((await api(`/api/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).body.deliveries).toEqual([]);
  });

  it('refuses to replay to a disabled endpoint', async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    await enqueueJob(scopeOf(owner), env, 'echo', { message: 'once' });
    const [request] = await receiver.waitFor(endpoint.path, 1);
    await as(owner)(`/api/v1/webhooks/${endpoint.id}`, { method: 'PATCH', json: { enabled: false } });
    const res = await as(owner)(
      `/api/v1/webhooks/${endpoint.id}/deliveries/${request!.headers['cutroom-delivery-id']}/replay`,
      { method: 'POST' },
    );
    expect(res.status).toBe(409);
  });

  it("never shows or changes another profile's endpoints or deliveries", async () => {
    const owner = await seedUser('hooks');
    const endpoint = await createReceiverEndpoint(owner, ['job.completed']);
    await enqueueJob(scopeOf(owner), env, 'echo', { message: 'mine' });
    const [request] = await receiver.waitFor(endpoint.path, 1);
    const delivery = request!.headers['cutroom-delivery-id']!;
    const base = `/api/v1/webhooks/${endpoint.id}`;
    await expectCrossProfileIsolation(
      owner,
      [
        { method: 'GET', path: base },
        { method: 'PATCH', path: base, json: { enabled: false } },
        { method: 'POST', path: `${base}/rotate-secret`, json: {} },
        { method: 'GET', path: `${base}/deliveries` },
        { method: 'GET', path: `${base}/deliveries/${delivery}` },
        { method: 'POST', path: `${base}/deliveries/${delivery}/replay` },
        { method: 'DELETE', path: base },
      ],
      [{ path: '/api/v1/webhooks', ids: [endpoint.id], extract: (body) => body.webhooks.map((w: any) => w.id) }],
    );
    const after = await as(owner)(base);
    expect(after.body).toMatchObject({ id: endpoint.id, enabled: true });
    expect(await receiver.requests(endpoint.path)).toHaveLength(1);
  });
});
