/**
 * npm run token -- --sub <user-id> [--profile <profile-id>]... [--ttl 1h]
 * Prints a signed dev JWT (HS256, secret from .dev.vars) on stdout and nothing else.
 */
import { parseArgs } from 'node:util';
import { signUserToken } from '../src/auth/sign-token.ts';
import { loadDevVars } from './dev-vars.ts';
import { DEV_AUTH } from './local-config.ts';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    profile: { type: 'string', multiple: true },
    ttl: { type: 'string', default: '1h' },
    issuer: { type: 'string', default: DEV_AUTH.AUTH_ISSUER },
    audience: { type: 'string', default: DEV_AUTH.AUTH_AUDIENCE },
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
const token = await signUserToken({
  secret: loadDevVars().JWT_SECRET!,
  sub: values.sub,
  profiles: values.profile,
  issuer: values.issuer,
  audience: values.audience,
  ttlSeconds: ttlSeconds(values.ttl!),
});
process.stdout.write(`${token}\n`);
