import { describe, expect, it } from 'vitest';
import { call } from '../helpers/worker/api.ts';
import { postForm } from '../helpers/worker/processing.ts';
import { seedClips } from '../helpers/worker/seed.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

describe('system routes and the error model', () => {
  it('GET /health reports each dependency', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'healthy',
      checks: { database: { ok: true }, storage: { ok: true }, queue: { ok: true }, processor: { ok: true } },
      ffmpeg_available: true,
    });
  });

  it('serves an OpenAPI 3.1 document covering the routes, and the reference page', async () => {
    const doc = await call('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.body.paths);
    for (const p of [
      '/api/v1/profiles',
      '/api/v1/profiles/{profile_id}',
      '/api/v1/profiles/{profile_id}/set-default',
      '/api/v1/jobs',
      '/api/v1/jobs/{job_id}',
      '/health',
    ]) {
      expect(paths).toContain(p);
    }
    expect(doc.body.components.schemas.Error).toBeDefined();
    expect(doc.body.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    const page = await call('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/openapi.json');
  });

  it('answers unknown routes with the error shape and a request id', async () => {
    const res = await call('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'not_found', message: 'No route for GET /nope', request_id: res.headers.get('X-Request-Id') },
    });
    const user = await seedUser();
    const api = await call('/api/v1/nope', { token: user.token });
    expect(api.status).toBe(404);
    expect((await call('/api/v1/nope')).status).toBe(401);
  });

  it('refuses JSON nested deeper than 32 levels with 400 (not a stack overflow), whatever the field', async () => {
    const user = await seedUser();
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const publish = (settings: string) =>
      call('/api/v1/postiz/publish', {
        token: user.token,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
        body: `{"clip_id":"clp_00000000000000000000000000","caption":"hi","settings":{"int-x":{"a":${settings}}}}`,
      });
    for (const depth of [40, 10_000, 400_000]) {
      const res = await publish(deep(depth));
      expect(res.status, String(depth)).toBe(400);
      expect(res.body.error.message).toBe('The JSON body nests deeper than 32 levels');
    }
    // Brackets inside strings are text, not nesting; ordinary depth passes to the route.
    expect((await publish(`"${'['.repeat(100)}"`)).status).toBe(404);
    expect((await publish(deep(20))).status).toBe(404);
  });

  it('bounds the fields of forms it holds in memory: count and total size (job forms), size (field-only forms)', async () => {
    const user = await seedUser();
    const api = as(user);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'x']));
    const tooMany = await postForm(user, '/api/v1/jobs', many);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toBe('A form may have at most 100 fields');
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 'x'.repeat(60_000)]));
    expect((await postForm(user, '/api/v1/jobs', big)).status).toBe(413);

    const project = (await api('/api/v1/library/projects', { json: { name: 'P' } })).body.id as string;
    const huge = { segment_ids: 'x'.repeat(1_100_000) };
    expect((await postForm(user, `/api/v1/segments/projects/${project}/assign`, huge)).status).toBe(413);
    const [clip] = await seedClips(user, project, 1);
    expect(
      (await postForm(user, `/api/v1/library/clips/${clip}/render`, { preset_name: huge.segment_ids })).status,
    ).toBe(413);
    // Nothing was queued or changed.
    expect((await api('/api/v1/jobs')).body.jobs).toEqual([]);
    expect((await api(`/api/v1/segments/projects/${project}/segments`)).body).toEqual([]);
  });

  it('echoes a well-formed incoming request id and replaces a malformed one', async () => {
    const good = await call('/health', { headers: { 'X-Request-Id': 'client-trace-1234' } });
    expect(good.headers.get('X-Request-Id')).toBe('client-trace-1234');
    const bad = await call('/health', { headers: { 'X-Request-Id': 'bad id with spaces <script>' } });
    expect(bad.headers.get('X-Request-Id')).toMatch(/^req_[0-9a-z]{26}$/);
  });

  it('answers CORS preflights for the API headers', async () => {
    const res = await call('/api/v1/jobs', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'X-Profile-Id, Idempotency-Key',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('X-Profile-Id');
  });
});
