/**
 * Request rate limits per user and per profile (docs/api.md#rate-limits), counted by the Workers
 * rate limiting binding (`[[ratelimits]]` in wrangler.toml: `USER_RATE_LIMITER`,
 * `PROFILE_RATE_LIMITER`; local under miniflare). The routers put them behind authentication
 * (router.ts): a user's requests are counted once the token is verified, before the profile is
 * looked up (so a flood costs no D1 query), and a profile's once the caller is proven to own it (so
 * nobody can use up another profile's allowance by naming it).
 *
 * Headers (IETF draft httpapi-ratelimit-headers): every limited response carries
 * `RateLimit-Policy: "user";q=1200;w=60, "profile";q=600;w=60`; a 429 adds `RateLimit: "<policy>";r=0;t=<s>`
 * and `Retry-After: <s>`, the seconds until the policy's current window ends. (The binding says only
 * whether a request is within its limit, not how much is left, so successful responses carry the
 * policy without a `RateLimit` remaining count.)
 *
 * Tenant routes count both limits in `requireProfile` (auth.ts), which knows when the profile is
 * already verified and the two can be counted at once.
 *
 * The binding's limit lives in its wrangler.toml entry; the `RATE_LIMIT_USER` / `RATE_LIMIT_PROFILE`
 * vars (`<requests>/<seconds>`) quote it for the headers and must say the same (checked by
 * test/routes/rate-limits.test.ts). An empty var, or no binding, turns that limit off.
 */
import { createMiddleware } from 'hono/factory';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import type { UserEnv } from './context.ts';

export type RateLimitScope = 'user' | 'profile';

export interface RateLimitPolicy {
  name: RateLimitScope;
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds (the binding allows 10 or 60). */
  period: number;
}

const SETTINGS: Record<RateLimitScope, { setting: 'RATE_LIMIT_USER' | 'RATE_LIMIT_PROFILE'; binding: keyof Env }> = {
  user: { setting: 'RATE_LIMIT_USER', binding: 'USER_RATE_LIMITER' },
  profile: { setting: 'RATE_LIMIT_PROFILE', binding: 'PROFILE_RATE_LIMITER' },
};

/** The policy a setting like `1200/60` describes; null when the setting is empty (limit off). */
export function parsePolicy(name: RateLimitScope, setting: string | undefined): RateLimitPolicy | null {
  const m = /^\s*(\d+)\s*\/\s*(10|60)\s*$/.exec(setting ?? '');
  if (!m) {
    if (setting?.trim()) throw new Error(`${SETTINGS[name].setting} must be "<requests>/<10|60>", not "${setting}"`);
    return null;
  }
  return { name, limit: Number(m[1]), period: Number(m[2]) };
}

/** `"user";q=1200;w=60` */
export const policyItem = (p: RateLimitPolicy) => `"${p.name}";q=${p.limit};w=${p.period}`;

/** Seconds until the policy's current window ends (windows are aligned to the clock). */
export function secondsToReset(p: RateLimitPolicy, now = Date.now()): number {
  return p.period - (Math.floor(now / 1000) % p.period);
}

function limiterOf(env: Bindings, scope: RateLimitScope): { policy: RateLimitPolicy; binding: RateLimit } | null {
  const { setting, binding } = SETTINGS[scope];
  const limiter = env[binding] as RateLimit | undefined;
  const policy = parsePolicy(scope, env[setting]);
  return limiter && policy ? { policy, binding: limiter } : null;
}

/** Counts one request against `scope`'s limit under `key`; 429 with the headers when it is over. */
export async function countRequest(env: Bindings, scope: RateLimitScope, key: string): Promise<RateLimitPolicy | null> {
  const limiter = limiterOf(env, scope);
  if (!limiter) return null;
  const { success } = await limiter.binding.limit({ key: `${scope}:${key}` });
  if (success) return limiter.policy;
  const { policy } = limiter;
  const reset = secondsToReset(policy);
  throw new ApiError(
    429,
    'rate_limited',
    `Too many requests for this ${scope}: at most ${policy.limit} every ${policy.period} s. Retry in ${reset} s.`,
    {
      details: { policy: scope, limit: policy.limit, window_seconds: policy.period, retry_after_seconds: reset },
      headers: {
        'RateLimit-Policy': policyItem(policy),
        RateLimit: `"${scope}";r=0;t=${reset}`,
        'Retry-After': String(reset),
      },
    },
  );
}

/**
 * Counts one request against several limits at once (one wait instead of one per limit); when some
 * are over, the first of them in `counts` order answers the 429.
 */
export async function countRequests(
  env: Bindings,
  counts: readonly [RateLimitScope, string][],
): Promise<(RateLimitPolicy | null)[]> {
  const settled = await Promise.allSettled(counts.map(([scope, key]) => countRequest(env, scope, key)));
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<RateLimitPolicy | null>).value);
}

/** After the handler: names the policies the request was counted under (appended: a request may have two). */
export function announcePolicy(res: Response, ...policies: (RateLimitPolicy | null)[]) {
  for (const policy of policies) if (policy) res.headers.append('RateLimit-Policy', policyItem(policy));
}

/** The caller's own limit (behind `requireUser`). */
export const limitUser = createMiddleware<UserEnv>(async (c, next) => {
  const policy = await countRequest(c.env, 'user', c.get('principal').userId);
  await next();
  announcePolicy(c.res, policy);
});
