import { describe, expect, it } from 'vitest';
import { call } from '../helpers/worker/api.ts';

/** A processor URL where nothing listens (the discard port). */
const DOWN = { PROCESSOR_URL: 'http://127.0.0.1:9' };

describe('GET /health', () => {
  it('checks the processor through the processor client', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', checks: { processor: { ok: true } }, ffmpeg_available: true });
  });

  it('stays 200 (degraded) when only the processor is down: the API still serves', async () => {
    const res = await call('/health?deep=1', { env: DOWN });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', checks: { processor: { ok: false } } });
  });
});

describe('GET /health/ready', () => {
  it('answers 200 when every dependency is up', async () => {
    const res = await call('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', checks: { processor: { ok: true } } });
  });

  it('answers 503 while the processor is down, so a monitor sees it', async () => {
    const res = await call('/health/ready', { env: DOWN });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'degraded',
      checks: { database: { ok: true }, storage: { ok: true }, queue: { ok: true }, processor: { ok: false } },
    });
    expect(res.body.checks.processor.detail).toEqual(expect.any(String));
  });

  it('asks a container-backed processor for real instead of assuming it is up', async () => {
    // Production has no PROCESSOR_URL: the Container binding is asked (unreachable here, no Docker).
    const res = await call('/health/ready?deep=1', { env: { PROCESSOR_URL: '', PROCESSOR: undefined } });
    expect(res.status).toBe(503);
    expect(res.body.checks.processor).toMatchObject({ ok: false, detail: expect.stringMatching(/PROCESSOR/) });
  });
});
