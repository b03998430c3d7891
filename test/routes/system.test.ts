import { describe, expect, it } from 'vitest';
import { call } from '../helpers/worker/api.ts';
import { seedUser } from '../helpers/worker/tenants.ts';

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
