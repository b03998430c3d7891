/**
 * Authentication and profile resolution. After `requireUser` the request has a `principal`;
 * after `requireProfile` it also has the `scope` every tenant repository needs (and has been counted
 * against the user's and the profile's rate limits, rate-limit.ts). Routes never apply
 * these themselves: the user and tenant routers (router.ts) put them in front of every route.
 *
 * Active profile: the `X-Profile-Id` header, else the user's default profile (created on first use).
 * 401 bad/missing token · 400 malformed profile id · 404 unknown profile · 403 another user's profile
 * or one outside the token's `profiles` claim.
 */
import { createMiddleware } from 'hono/factory';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { createDb } from '../db/client.ts';
import { ensureDefaultProfile } from '../db/repos/profiles.ts';
import { scopeForVerifiedProfile } from '../db/scope.ts';
import { rememberProfile, rememberedProfile } from '../db/verified-profiles.ts';
import { isId } from '../core/ids.ts';
import { type AuthConfig, TokenError, verifyToken } from '../auth/verify-token.ts';
import { announceEvents } from '../webhooks/announce.ts';
import type { Principal, TenantEnv, UserEnv } from './context.ts';
import { ownedProfile } from './owned.ts';
import { type RateLimitPolicy, announcePolicy, countRequest, countRequests } from './rate-limit.ts';

export const PROFILE_HEADER = 'X-Profile-Id';

export function authConfig(env: Bindings): AuthConfig {
  return {
    secret: env.JWT_SECRET || undefined,
    jwksUrl: env.AUTH_JWKS_URL || undefined,
    issuer: env.AUTH_ISSUER || undefined,
    audience: env.AUTH_AUDIENCE || undefined,
    maxLifetimeSeconds: Number(env.AUTH_MAX_TOKEN_LIFETIME) || undefined,
  };
}

function unauthorized(message: string, error = 'invalid_token'): ApiError {
  return new ApiError(401, 'unauthorized', message, {
    headers: { 'WWW-Authenticate': `Bearer realm="cutroom", error="${error}"` },
  });
}

export function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized('Authentication required', 'invalid_request');
  const match = /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
  if (!match) throw unauthorized('Authorization header must be "Bearer <token>"', 'invalid_request');
  return match[1]!;
}

/** The caller behind the request's bearer token; 401 (or 503 when no key is configured) otherwise. */
export async function verifiedPrincipal(authorization: string | undefined, env: Bindings): Promise<Principal> {
  const token = bearerToken(authorization);
  const config = authConfig(env);
  if (!config.secret && !config.jwksUrl) {
    throw new ApiError(503, 'not_configured', 'Authentication is not configured (JWT_SECRET or AUTH_JWKS_URL)');
  }
  // A provider's keys sign tokens for every app it serves: only iss and aud say a token is ours.
  if (config.jwksUrl && (!config.issuer || !config.audience)) {
    throw new ApiError(503, 'not_configured', 'AUTH_JWKS_URL is set without AUTH_ISSUER and AUTH_AUDIENCE');
  }
  try {
    const verified = await verifyToken(token, config);
    return { userId: verified.userId, allowedProfileIds: verified.profiles };
  } catch (err) {
    if (err instanceof TokenError) throw unauthorized(err.message);
    throw err;
  }
}

export const requireUser = createMiddleware<UserEnv>(async (c, next) => {
  c.set('principal', await verifiedPrincipal(c.req.header('Authorization'), c.env));
  await next();
});

/**
 * The tenant router's guard behind `requireUser`: the user's rate limit, the active profile, the
 * profile's rate limit. The user's limit is counted before a profile is looked up (a flood costs no
 * D1 query) and the profile's once the caller is proven to own it. A profile this isolate verified
 * for the user lately (verified-profiles.ts) needs no lookup: then both limits are counted at once,
 * one wait instead of two.
 */
export const requireProfile = createMiddleware<TenantEnv>(async (c, next) => {
  const principal = c.get('principal');
  const requested = c.req.header(PROFILE_HEADER)?.trim() || undefined;
  if (requested && !isId('profile', requested)) {
    throw new ApiError(400, 'bad_request', `${PROFILE_HEADER} is not a valid profile id`);
  }
  const allowed = (id: string) => !principal.allowedProfileIds || principal.allowedProfileIds.includes(id);
  const db = createDb(c.env.DB);
  let profileId = rememberedProfile(principal.userId, requested);
  let policies: (RateLimitPolicy | null)[];
  if (profileId && allowed(profileId)) {
    policies = await countRequests(c.env, [
      ['user', principal.userId],
      ['profile', profileId],
    ]);
  } else {
    const userPolicy = await countRequest(c.env, 'user', principal.userId);
    if (!profileId) {
      profileId = requested
        ? (await ownedProfile(db, principal.userId, requested)).id
        : (await ensureDefaultProfile(db, principal.userId)).id;
      rememberProfile(principal.userId, requested, profileId);
    }
    if (!allowed(profileId)) throw new ApiError(403, 'forbidden', 'This token is not allowed to use this profile');
    policies = [userPolicy, await countRequest(c.env, 'profile', profileId)];
  }
  const scope = scopeForVerifiedProfile(db, { profileId });
  c.set('scope', scope);
  await next();
  announcePolicy(c.res, ...policies);
  // Webhook events the request's state changes recorded (e.g. a job cancelled) go out now.
  await announceEvents(c.env, scope);
});
