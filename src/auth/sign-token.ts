/**
 * HS256 user tokens signed with JWT_SECRET, as `verifyToken` accepts them: `npm run token` and the
 * dev sign-in route (src/routes/dev/sign-in.ts) mint them. Production tokens come from an identity
 * provider; nothing in production calls this.
 */
import { SignJWT } from 'jose';

export interface UserTokenOptions {
  secret: string;
  sub: string;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
  /** Restrict the token to these profile ids (`profiles` claim). */
  profiles?: string[];
}

export function signUserToken(options: UserTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(options.profiles?.length ? { profiles: options.profiles } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
