/** Mint user tokens for worker tests (HS256 with the test secret, or RS256 with the JWKS key). */
import { env } from 'cloudflare:workers';
import { type JWTPayload, SignJWT, importJWK } from 'jose';
import { inject } from 'vitest';
import { TEST_AUDIENCE, TEST_ISSUER } from '../test-config.ts';

export interface TokenOptions {
  sub?: string;
  profiles?: string[];
  /** Seconds from now; negative for an expired token. Ignored when `omitExp`. */
  expiresIn?: number;
  notBefore?: number;
  omitExp?: boolean;
  issuer?: string;
  audience?: string;
  claims?: JWTPayload;
}

function build(opts: TokenOptions) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...(opts.profiles ? { profiles: opts.profiles } : {}), ...opts.claims })
    .setIssuedAt(now)
    .setIssuer(opts.issuer ?? TEST_ISSUER)
    .setAudience(opts.audience ?? TEST_AUDIENCE);
  if (opts.sub !== undefined) jwt.setSubject(opts.sub);
  if (!opts.omitExp) jwt.setExpirationTime(now + (opts.expiresIn ?? 3600));
  if (opts.notBefore !== undefined) jwt.setNotBefore(now + opts.notBefore);
  return jwt;
}

export function signToken(opts: TokenOptions = {}): Promise<string> {
  return build({ sub: 'user-test', ...opts })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(env.JWT_SECRET!));
}

export async function signRsaToken(opts: TokenOptions = {}): Promise<string> {
  const key = await importJWK(inject('rsaPrivateJwk'), 'RS256');
  return build({ sub: 'user-test', ...opts })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-rsa' })
    .sign(key);
}
