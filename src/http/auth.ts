/**
 * Authentication and profile resolution. After `requireUser` the request has a `principal`;
 * after `requireProfile` it also has the `scope` every tenant repository needs.
 *
 * Active profile: the `X-Profile-Id` header, else the user's default profile (created on first use).
 * 401 bad/missing token · 400 malformed profile id · 404 unknown profile · 403 another user's profile
 * or one outside the token's `profiles` claim.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { createDb } from '../db/client.ts';
import { ensureDefaultProfile, findProfileForUser } from '../db/repos/profiles.ts';
import { scopeForVerifiedProfile } from '../db/scope.ts';
import { isId } from '../core/ids.ts';
import { type AuthConfig, TokenError, verifyToken } from '../auth/verify-token.ts';

export const PROFILE_HEADER = 'X-Profile-Id';

export function authConfig(env: Bindings): AuthConfig {
  return {
    secret: env.JWT_SECRET || undefined,
    jwksUrl: env.AUTH_JWKS_URL || undefined,
    issuer: env.AUTH_ISSUER || undefined,
    audience: env.AUTH_AUDIENCE || undefined,
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

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  // Several routers can share a path prefix; authenticate once per request.
  if (c.get('principal')) return next();
  const token = bearerToken(c.req.header('Authorization'));
  const config = authConfig(c.env);
  if (!config.secret && !config.jwksUrl) {
    throw new ApiError(503, 'not_configured', 'Authentication is not configured (JWT_SECRET or AUTH_JWKS_URL)');
  }
  try {
    const verified = await verifyToken(token, config);
    c.set('principal', { userId: verified.userId, allowedProfileIds: verified.profiles });
  } catch (err) {
    if (err instanceof TokenError) throw unauthorized(err.message);
    throw err;
  }
  await next();
});

export const requireProfile = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('scope')) return next();
  const principal = c.get('principal');
  const db = createDb(c.env.DB);
  const requested = c.req.header(PROFILE_HEADER)?.trim();
  let profileId: string;
  if (requested) {
    if (!isId('profile', requested)) {
      throw new ApiError(400, 'bad_request', `${PROFILE_HEADER} is not a valid profile id`);
    }
    const lookup = await findProfileForUser(db, principal.userId, requested);
    if (!lookup.found) {
      throw lookup.reason === 'missing'
        ? new ApiError(404, 'not_found', 'Profile not found')
        : new ApiError(403, 'forbidden', 'Access denied to this profile');
    }
    profileId = lookup.profile.id;
  } else {
    profileId = (await ensureDefaultProfile(db, principal.userId)).id;
  }
  if (principal.allowedProfileIds && !principal.allowedProfileIds.includes(profileId)) {
    throw new ApiError(403, 'forbidden', 'This token is not allowed to use this profile');
  }
  c.set('scope', scopeForVerifiedProfile(db, { profileId }));
  await next();
});
