/**
 * Local secrets for `npm start` and `npm run token`: `.dev.vars` (read by wrangler dev) is created on
 * first use with fresh random values and never committed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const DEV_VARS_PATH = resolve(import.meta.dirname, '..', '.dev.vars');

const GENERATED = ['JWT_SECRET', 'URL_SIGNING_KEY', 'PROCESSOR_SECRET'] as const;

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function loadDevVars(): Record<string, string> {
  const existing = existsSync(DEV_VARS_PATH) ? parse(readFileSync(DEV_VARS_PATH, 'utf8')) : {};
  const missing = GENERATED.filter((k) => !existing[k]);
  if (!existing.ENCRYPTION_KEY) missing.push('ENCRYPTION_KEY' as never);
  if (missing.length) {
    const additions = missing.map((k) =>
      k === ('ENCRYPTION_KEY' as string)
        ? `ENCRYPTION_KEY="${randomBytes(32).toString('base64')}"`
        : `${k}="${randomBytes(32).toString('hex')}"`,
    );
    const prefix = existsSync(DEV_VARS_PATH)
      ? readFileSync(DEV_VARS_PATH, 'utf8').replace(/\n?$/, '\n')
      : '# Local secrets for wrangler dev (generated; never commit)\n';
    writeFileSync(DEV_VARS_PATH, `${prefix + additions.join('\n')}\n`, { mode: 0o600 });
    return parse(readFileSync(DEV_VARS_PATH, 'utf8'));
  }
  return existing;
}
