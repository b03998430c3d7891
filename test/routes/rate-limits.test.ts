/**
 * Request rate limits per user and per profile (src/http/rate-limit.ts) with the real rate limiting
 * binding under miniflare: a burst over the limit gets 429 with `Retry-After`, `RateLimit` and
 * `RateLimit-Policy`; limits are counted per user and per profile apart; public routes are not
 * limited; and the limits wrangler.toml gives the bindings are the ones the headers quote.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import wranglerToml from '../../wrangler.toml?raw';
import { parsePolicy } from '../../src/http/rate-limit.ts';
import { type ApiResponse, call } from '../helpers/worker/api.ts';
import { type Tenant, seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const TIGHT = 5;

/** The app with one of its limiters swapped for the tests' tight one (5 a minute). */
function callLimited(
  which: 'user' | 'profile',
  t: Tenant,
  path: string,
  profileId: string | null = t.profileId,
): Promise<ApiResponse> {
  return call(path, {
    token: t.token,
    ...(profileId ? { profileId } : {}),
    env:
      which === 'user'
        ? { USER_RATE_LIMITER: env.TIGHT_RATE_LIMITER, RATE_LIMIT_USER: `${TIGHT}/60` }
        : { PROFILE_RATE_LIMITER: env.TIGHT_RATE_LIMITER, RATE_LIMIT_PROFILE: `${TIGHT}/60` },
  });
}

/**
 * Requests until the first 429. A burst may straddle the start of a new window, so it takes up to
 * twice the limit plus one to be sure to exceed it within one window.
 */
async function burst(send: () => Promise<ApiResponse>): Promise<{ passed: ApiResponse[]; refused: ApiResponse }> {
  const passed: ApiResponse[] = [];
  for (let i = 0; i < 2 * TIGHT + 1; i++) {
    const res = await send();
    if (res.status === 429) return { passed, refused: res };
    passed.push(res);
  }
  throw new Error(`no 429 after ${passed.length} requests`);
}

function expectRefusal(res: ApiResponse, policy: 'user' | 'profile') {
  expect(res.body.error).toMatchObject({ code: 'rate_limited', details: { policy, limit: TIGHT, window_seconds: 60 } });
  const retryAfter = Number(res.headers.get('Retry-After'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.get('RateLimit')).toBe(`"${policy}";r=0;t=${retryAfter}`);
  expect(res.headers.get('RateLimit-Policy')).toContain(`"${policy}";q=${TIGHT};w=60`);
}

describe('rate limits', () => {
  it('answers a burst over the per-user limit with 429, Retry-After and RateLimit headers', async () => {
    const alice = await seedUser('burst');
    const { passed, refused } = await burst(() => callLimited('user', alice, '/api/v1/jobs'));
    expect(passed.length).toBeGreaterThanOrEqual(TIGHT);
    for (const ok of passed) {
      expect(ok.status).toBe(200);
      expect(ok.headers.get('RateLimit-Policy')).toContain(`"user";q=${TIGHT};w=60`);
    }
    expect(refused.status).toBe(429);
    expectRefusal(refused, 'user');
    // Counted per user: someone else is not affected.
    const bob = await seedUser('burst');
    expect((await callLimited('user', bob, '/api/v1/jobs')).status).toBe(200);
  });

  it('limits user-level routes (profiles) per user', async () => {
    const alice = await seedUser('burst');
    const { refused } = await burst(() => callLimited('user', alice, '/api/v1/profiles/', null));
    expectRefusal(refused, 'user');
  });

  it('counts each profile apart: one exhausted profile leaves the user’s others usable', async () => {
    const alice = await seedUser('burst');
    const brand = await seedProfile(alice, 'Second brand');
    const { refused } = await burst(() => callLimited('profile', alice, '/api/v1/jobs'));
    expectRefusal(refused, 'profile');
    const other = await callLimited('profile', brand, '/api/v1/jobs');
    expect(other.status).toBe(200);
    expect(other.headers.get('RateLimit-Policy')).toContain(`"profile";q=${TIGHT};w=60`);
  });

  it('names both policies on tenant routes and none on public ones', async () => {
    const alice = await seedUser('burst');
    const res = await call('/api/v1/jobs', { token: alice.token });
    expect(res.status).toBe(200);
    const policies = (res.headers.get('RateLimit-Policy') ?? '').split(',').map((p) => p.trim().split(';')[0]);
    expect(policies.sort()).toEqual(['"profile"', '"user"']);
    expect((await call('/health')).headers.get('RateLimit-Policy')).toBeNull();
  });

  it('quotes the limits wrangler.toml gives the bindings', () => {
    const bindings = [
      ...wranglerToml.matchAll(
        /\[\[ratelimits\]\]\s*\nname = "(\w+)"[\s\S]*?simple = \{ limit = (\d+), period = (\d+) \}/g,
      ),
    ];
    const configured = Object.fromEntries(bindings.map((m) => [m[1], `${m[2]}/${m[3]}`]));
    const vars = (name: string) => new RegExp(`^${name} = "([^"]*)"`, 'm').exec(wranglerToml)?.[1];
    expect(configured).toEqual({
      USER_RATE_LIMITER: vars('RATE_LIMIT_USER'),
      PROFILE_RATE_LIMITER: vars('RATE_LIMIT_PROFILE'),
    });
    expect(parsePolicy('user', vars('RATE_LIMIT_USER'))).toMatchObject({ limit: 1200, period: 60 });
    expect(parsePolicy('profile', '')).toBeNull();
    expect(() => parsePolicy('profile', '100/30')).toThrow(/10\|60/);
  });
});
