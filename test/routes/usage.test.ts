/**
 * /usage and /gemini/status against the fake ElevenLabs and Gemini servers (configured, invalid
 * key, quota), and without keys (the Worker app called with an env that has none). Neither route
 * may cause a billable call.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { providerFake } from '../helpers/worker/processing.ts';
import { type Tenant, as, seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const gemini = providerFake('gemini');
const elevenlabs = providerFake('elevenlabs');

/** The app with a different set of bindings (e.g. without provider keys). */
async function callWithEnv(t: Tenant, path: string, overrides: Record<string, unknown>) {
  const res = await createApp().request(
    path,
    { headers: t.headers },
    { ...env, ...overrides },
    createExecutionContext(),
  );
  return { status: res.status, body: (await res.json()) as any };
}

describe('/api/v1/usage', () => {
  it('reports the ElevenLabs subscription, Gemini configuration and what this profile uses', async () => {
    const t = await seedUser('usage');
    const res = await as(t)('/api/v1/usage');
    expect(res.status).toBe(200);
    expect(res.body.elevenlabs).toMatchObject({
      tier: expect.any(String),
      characters_limit: expect.any(Number),
      model: env.ELEVENLABS_MODEL,
      voice_id: env.ELEVENLABS_VOICE_ID,
    });
    expect(res.body.elevenlabs.characters_remaining).toBe(
      res.body.elevenlabs.characters_limit - res.body.elevenlabs.characters_used,
    );
    expect(res.body.gemini).toMatchObject({ configured: true, model: env.GEMINI_MODEL });
    expect(res.body.gemini.estimated_cost_per_video).toBeGreaterThan(0);
    expect(res.body.in_use.tts).toMatchObject({ provider: 'elevenlabs', model: env.ELEVENLABS_MODEL });
    expect(res.body.errors).toEqual([]);
  });

  it('lists provider problems in errors[] and still answers 200 (invalid key, quota)', async () => {
    const t = await seedUser('usage');
    await elevenlabs.failNext({
      method: 'GET',
      path: '/v1/user/subscription',
      status: 401,
      body: { detail: { status: 'invalid_api_key', message: 'Invalid API key' } },
    });
    const invalid = await as(t)('/api/v1/usage');
    expect(invalid.status).toBe(200);
    expect(invalid.body.elevenlabs).toBeNull();
    expect(invalid.body.errors).toEqual(['ElevenLabs: Invalid API key']);

    await elevenlabs.failNext({
      method: 'GET',
      path: '/v1/user/subscription',
      status: 401,
      body: { detail: { status: 'quota_exceeded', message: 'This request exceeds your quota.' } },
    });
    expect((await as(t)('/api/v1/usage')).body.errors).toEqual(['ElevenLabs: Quota exceeded - check billing']);
  });

  it('without keys: says what is missing and which local defaults replace it', async () => {
    const t = await seedUser('usage');
    const res = await callWithEnv(t, '/api/v1/usage', { ELEVENLABS_API_KEY: undefined, GEMINI_API_KEY: undefined });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      elevenlabs: null,
      gemini: null,
      in_use: {
        tts: { provider: 'local', voice: 'en-us', model: null },
        analysis: { engine: 'highlights', model: null },
      },
      local_defaults: { tts: 'eSpeak NG (en-us)' },
    });
    expect(res.body.errors).toHaveLength(2);
    expect(res.body.errors[0]).toMatch(/ElevenLabs API key not configured/);
    expect(res.body.errors[1]).toMatch(/Gemini API key not configured/);
  });
});

describe('/api/v1/gemini/status', () => {
  const generateCalls = async () =>
    (await gemini.requests({ method: 'POST' })).filter((r) => r.path.includes(':generateContent')).length;

  it('checks the key and model with the free metadata call, once per cache period, never a generation', async () => {
    const t = await seedUser('gemini');
    const generations = await generateCalls();
    const first = await as(t)('/api/v1/gemini/status');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      configured: true,
      connected: true,
      model: env.GEMINI_MODEL,
      error: null,
      fallback: null,
    });
    expect(first.body.model_info).toMatchObject({ model: env.GEMINI_MODEL, supports_generate_content: true });
    const metadataCalls = (await gemini.requests({ method: 'GET', path: `/v1beta/models/${env.GEMINI_MODEL}` })).length;
    const second = await as(t)('/api/v1/gemini/status');
    expect(second.body).toMatchObject({ connected: true, cached: true, checked_at: first.body.checked_at });
    expect((await gemini.requests({ method: 'GET', path: `/v1beta/models/${env.GEMINI_MODEL}` })).length).toBe(
      metadataCalls,
    );
    expect(await generateCalls()).toBe(generations);
  });

  it('reports an invalid key and an exhausted quota (refresh=true checks again)', async () => {
    const t = await seedUser('gemini');
    await gemini.failNext({
      method: 'GET',
      path: `/v1beta/models/${env.GEMINI_MODEL}`,
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      },
    });
    const invalid = await as(t)('/api/v1/gemini/status?refresh=true');
    expect(invalid.body).toMatchObject({
      configured: true,
      connected: false,
      error: 'Invalid API key',
      cached: false,
      fallback: 'processor highlights scoring',
    });

    await gemini.failNext({
      method: 'GET',
      path: `/v1beta/models/${env.GEMINI_MODEL}`,
      status: 429,
      body: {
        error: {
          code: 429,
          message: 'You exceeded your current quota.',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
            },
          ],
        },
      },
    });
    const quota = await as(t)('/api/v1/gemini/status?refresh=true');
    expect(quota.body).toMatchObject({ connected: false, error: 'Quota exceeded - check billing' });
    // A failure is remembered briefly too: no call per request.
    expect((await as(t)('/api/v1/gemini/status')).body).toMatchObject({ connected: false, cached: true });
    expect((await as(t)('/api/v1/gemini/status?refresh=true')).body).toMatchObject({ connected: true, cached: false });
  });

  it('without a key: not configured, and highlights replace it', async () => {
    const t = await seedUser('gemini');
    const res = await callWithEnv(t, '/api/v1/gemini/status', { GEMINI_API_KEY: undefined });
    expect(res.body).toMatchObject({
      configured: false,
      connected: false,
      error: 'GEMINI_API_KEY is not configured',
      fallback: 'processor highlights scoring',
    });
  });

  it('uses the profile’s own model', async () => {
    const t = await seedUser('gemini');
    await as(t)(`/api/v1/profiles/${t.profileId}`, {
      method: 'PATCH',
      json: { gemini_model: 'gemini-2.5-flash-lite' },
    });
    const res = await as(t)('/api/v1/gemini/status');
    expect(res.body).toMatchObject({ model: 'gemini-2.5-flash-lite', connected: true });
  });
});

describe('per profile', () => {
  it('reports what the active profile uses, not another profile of the same user', async () => {
    const t = await seedUser('usage');
    const second = await seedProfile(t, 'Local brand');
    await as(second)(`/api/v1/profiles/${second.profileId}`, {
      method: 'PATCH',
      json: { tts_provider: 'local', local_voice: 'de' },
    });
    expect((await as(t)('/api/v1/usage')).body.in_use.tts.provider).toBe('elevenlabs');
    const local = (await as(second)('/api/v1/usage')).body;
    expect(local.in_use.tts).toEqual({ provider: 'local', voice: 'de', model: null });
    expect(local.errors).toContain('This profile is set to the local voice (tts_provider = local)');
  });
});
