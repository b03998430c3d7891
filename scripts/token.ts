/**
 * npm run token -- --sub <user-id> [--profile <profile-id>]... [--ttl 1h]
 * Prints a signed dev JWT (HS256, secret from .dev.vars) on stdout and nothing else.
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadDevVars } from './dev-vars.ts';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    profile: { type: 'string', multiple: true },
    ttl: { type: 'string', default: '1h' },
    issuer: { type: 'string', default: 'cutroom-dev' },
    audience: { type: 'string', default: 'cutroom-api' },
  },
});

function ttlSeconds(ttl: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(ttl.trim());
  if (!m) throw new Error(`--ttl must look like 90s, 15m, 1h or 7d (got "${ttl}")`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

if (!values.sub) {
  process.stderr.write('usage: npm run token -- --sub <user-id> [--profile <profile-id>] [--ttl 1h]\n');
  process.exit(2);
}
const secret = loadDevVars().JWT_SECRET!;
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT(values.profile?.length ? { profiles: values.profile } : {})
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.sub)
  .setIssuer(values.issuer!)
  .setAudience(values.audience!)
  .setIssuedAt(now)
  .setExpirationTime(now + ttlSeconds(values.ttl!))
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
