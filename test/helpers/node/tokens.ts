/**
 * User tokens for Node-side tests (e2e, benchmarks): HS256 with the test secret, the issuer and
 * audience the Worker checks. The worker-side twin is test/helpers/worker/tokens.ts.
 */
import { type JWTPayload, SignJWT } from 'jose';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_SECRETS } from '../test-config.ts';

export interface NodeTokenOptions {
  sub: string;
  /** Restrict the token to these profile ids (`profiles` claim). */
  profiles?: string[];
  /** Seconds from now (default one hour); negative for an expired token. */
  expiresIn?: number;
  claims?: JWTPayload;
  secret?: string;
}

export function signTestToken(options: NodeTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...(options.profiles ? { profiles: options.profiles } : {}), ...options.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRETS.JWT_SECRET));
}
