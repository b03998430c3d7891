/**
 * User token verification (jose). Algorithms are pinned per key kind, so a token can never choose
 * how it is checked:
 * - HS256 with JWT_SECRET (dev, tests, Supabase-style tokens);
 * - RS256 / ES256 against the JWKS at AUTH_JWKS_URL (production identity providers).
 * `exp` and `sub` are required, `nbf` is honoured, 30 s of clock leeway, iss/aud checked when set.
 * A token may not live longer than `maxLifetimeSeconds` (AUTH_MAX_TOKEN_LIFETIME, 24 h by default):
 * its `exp` at most that far from now, and from its `iat` when it has one, so a stolen token with
 * an absurd `exp` is not a key forever.
 */
import {
  type JWTPayload,
  type JWTVerifyGetKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
} from 'jose';

export const CLOCK_TOLERANCE_SECONDS = 30;
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;
const ASYMMETRIC_ALGS = ['RS256', 'ES256'];

export interface AuthConfig {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Longest lifetime accepted (default DEFAULT_MAX_TOKEN_LIFETIME_SECONDS). */
  maxLifetimeSeconds?: number;
}

export interface VerifiedToken {
  userId: string;
  profiles: string[] | null;
  payload: JWTPayload;
}

export class TokenError extends Error {
  override name = 'TokenError';
}

// Remote key sets are cached per isolate (jose also caches the fetched keys inside each set).
const jwksCache = new Map<string, JWTVerifyGetKey>();
function remoteKeySet(url: string): JWTVerifyGetKey {
  let set = jwksCache.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    jwksCache.set(url, set);
  }
  return set;
}

// The HS256 key, imported once per secret per isolate (jose would import raw bytes on every call).
const hmacKeys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}

/**
 * Tokens this isolate verified lately. A client sends the same token on every request, and checking
 * its signature and claims is most of the CPU an authenticated request spends before its handler
 * (npm run bench:api). A remembered token is accepted again only under the same configuration, until
 * VERIFIED_TOKEN_TTL_MS have passed (a key dropped from the JWKS stops counting after that) and never
 * past its `exp` (with the leeway). Only successes are kept, at most MAX_VERIFIED_TOKENS, the oldest
 * going first.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const MAX_VERIFIED_TOKENS = 10_000;
const verifiedTokens = new Map<string, { config: AuthConfig; token: VerifiedToken; until: number }>();

const sameConfig = (a: AuthConfig, b: AuthConfig) =>
  a.secret === b.secret &&
  a.jwksUrl === b.jwksUrl &&
  a.issuer === b.issuer &&
  a.audience === b.audience &&
  a.maxLifetimeSeconds === b.maxLifetimeSeconds;

export async function verifyToken(token: string, config: AuthConfig, now = Date.now()): Promise<VerifiedToken> {
  const remembered = verifiedTokens.get(token);
  if (remembered && remembered.until > now && sameConfig(remembered.config, config)) return remembered.token;
  const verified = await verifyTokenNow(token, config);
  verifiedTokens.delete(token);
  if (verifiedTokens.size >= MAX_VERIFIED_TOKENS) verifiedTokens.delete(verifiedTokens.keys().next().value!);
  const expires = (verified.payload.exp! + CLOCK_TOLERANCE_SECONDS) * 1000;
  verifiedTokens.set(token, {
    config: { ...config },
    token: verified,
    until: Math.min(now + VERIFIED_TOKEN_TTL_MS, expires),
  });
  return verified;
}

/** `verifyToken` without the memory: signature and claims checked now. */
export async function verifyTokenNow(token: string, config: AuthConfig): Promise<VerifiedToken> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new TokenError('Malformed token');
  }
  const options = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };
  try {
    let payload: JWTPayload;
    if (alg === 'HS256' && config.secret) {
      ({ payload } = await jwtVerify(token, await hmacKey(config.secret), { ...options, algorithms: ['HS256'] }));
    } else if (alg && ASYMMETRIC_ALGS.includes(alg) && config.jwksUrl) {
      ({ payload } = await jwtVerify(token, remoteKeySet(config.jwksUrl), {
        ...options,
        algorithms: ASYMMETRIC_ALGS,
      }));
    } else {
      throw new TokenError(`Token algorithm ${alg ?? '(none)'} is not accepted`);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
      throw new TokenError('Token subject is missing');
    }
    checkLifetime(payload, config.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS);
    return { userId: payload.sub, profiles: profilesClaim(payload), payload };
  } catch (err) {
    if (err instanceof TokenError) throw err;
    if (err instanceof errors.JWTExpired) throw new TokenError('Token has expired');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'nbf') throw new TokenError('Token is not valid yet');
      throw new TokenError(`Token claim "${err.claim}" is invalid`);
    }
    throw new TokenError('Invalid token');
  }
}

function checkLifetime(payload: JWTPayload, maxSeconds: number) {
  const exp = payload.exp!;
  const now = Math.floor(Date.now() / 1000);
  const tooLong =
    exp - now > maxSeconds + CLOCK_TOLERANCE_SECONDS ||
    (typeof payload.iat === 'number' && exp - payload.iat > maxSeconds);
  if (tooLong) throw new TokenError(`Token lifetime exceeds the ${maxSeconds} s this API accepts`);
}

function profilesClaim(payload: JWTPayload): string[] | null {
  const claim = payload.profiles;
  if (claim === undefined) return null;
  if (!Array.isArray(claim) || !claim.every((p) => typeof p === 'string')) {
    throw new TokenError('Token claim "profiles" must be a list of profile ids');
  }
  return claim;
}
