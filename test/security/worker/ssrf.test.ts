/**
 * Server-side requests to user-supplied URLs (the Postiz `api_url` of `PUT /postiz/config`, the
 * only one the API takes). Under the deployment's own configuration (no operator allowance for
 * private networks) a loopback, private, link-local or metadata target is refused as input (400)
 * without being contacted; no answer ever reflects what an upstream said; and an open port and a
 * closed one answer alike. A canary server (support/global-setup.ts) stands for the internal
 * service: it counts the requests it gets and puts a secret in every answer.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, inject } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { type ApiResponse, call } from '../../helpers/worker/api.ts';
import { type Tenant, seedUser } from '../../helpers/worker/tenants.ts';
import { casesOf } from '../support/cases.ts';

const attack = casesOf('ssrf');
/** Long enough for the Worker's own 15 s connection-test timeout when it (wrongly) tries a target. */
const CASE_TIMEOUT = 20_000;

/**
 * The bindings without any operator setting that allows private or loopback targets (the test
 * project allows loopback so the fake Postiz can run; production has no such setting).
 */
function deploymentEnv(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => name === 'ALLOWED_ORIGINS' || !/ALLOW|PRIVATE|LOOPBACK|INTERNAL/.test(name)),
  );
}

async function putConfig(t: Tenant, apiUrl: string, bindings: Record<string, unknown> = deploymentEnv()) {
  const req = new Request('http://cutroom.test/api/v1/postiz/config', {
    method: 'PUT',
    headers: { Authorization: `Bearer ${t.token}`, 'X-Profile-Id': t.profileId, 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_url: apiUrl, api_key: 'pz_test_ssrf' }),
  });
  const res = await createApp().fetch(req, bindings, createExecutionContext());
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null } as ApiResponse;
}

const canary = (tag: string) => `${inject('canaryUrl').replace('127.0.0.1', '{host}')}/t/${tag}`;
const hitsOf = async (tag: string) =>
  ((await (await fetch(`${inject('canaryUrl')}/__hits/${tag}`)).json()) as { hits: number }).hits;

function expectNoReflection(res: ApiResponse) {
  expect(res.text).not.toContain(inject('canarySecret'));
  expect(res.body?.error?.details?.provider_status, 'the upstream status is reported').toBeUndefined();
}

// Loopback in all its spellings, pointed at the canary: refused, and the canary never called.
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '127.1', '2130706433', '0x7f000001', '[::ffff:127.0.0.1]'];
for (const host of LOOPBACK_HOSTS) {
  attack(
    `PUT /postiz/config refuses a loopback api_url (http://${host}) without calling it`,
    async () => {
      const tag = `loop-${crypto.randomUUID()}`;
      const res = await putConfig(await seedUser('ssrf'), canary(tag).replace('{host}', host));
      expect(res.status, res.text).toBe(400);
      expectNoReflection(res);
      expect(await hitsOf(tag)).toBe(0);
    },
    CASE_TIMEOUT,
  );
}

// Private, link-local, carrier-grade NAT and cloud metadata addresses.
for (const target of [
  'https://169.254.169.254/latest/meta-data',
  'https://10.0.0.1/',
  'https://172.16.0.1/',
  'https://192.168.0.1/',
  'https://100.100.100.200/',
  'https://[fd00::1]/',
  'https://[fe80::1]/',
  'https://0.0.0.0/',
]) {
  attack(
    `PUT /postiz/config refuses a private or metadata api_url (${target})`,
    async () => {
      const res = await putConfig(await seedUser('ssrf'), target);
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.code, res.text).not.toBe('postiz_connection_failed');
      expectNoReflection(res);
    },
    CASE_TIMEOUT,
  );
}

attack(
  'PUT /postiz/config never reflects the upstream answer, even where the target is allowed',
  async () => {
    const t = await seedUser('ssrf');
    const res = await call('/api/v1/postiz/config', {
      method: 'PUT',
      token: t.token,
      profileId: t.profileId,
      json: { api_url: canary(`reflect-${crypto.randomUUID()}`).replace('{host}', '127.0.0.1'), api_key: 'pz_test_x' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectNoReflection(res);
  },
  CASE_TIMEOUT,
);

attack(
  'PUT /postiz/config answers an open and a closed port alike',
  async () => {
    const t = await seedUser('ssrf');
    const open = await putConfig(t, canary('open').replace('{host}', '127.0.0.1'));
    const closed = await putConfig(t, 'http://127.0.0.1:1/t/open');
    const shape = (r: ApiResponse) => ({
      status: r.status,
      code: r.body?.error?.code,
      message: String(r.body?.error?.message).replace(/127\.0\.0\.1:\d+/g, 'HOST'),
    });
    expect(shape(open)).toEqual(shape(closed));
  },
  CASE_TIMEOUT,
);
