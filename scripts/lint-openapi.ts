/**
 * `npm run lint:openapi`: the OpenAPI document exactly as the Worker serves it, linted with Redocly
 * (rules in redocly.yaml). Starts the Worker locally without the processor, fetches /openapi.json,
 * writes it to .tmp/openapi.json (kept for SDK generators and for reading) and runs
 * `redocly lint` on it; the exit code is Redocly's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startStack } from '../test/e2e/helpers/stack.ts';

const out = join(ROOT, '.tmp/openapi.json');
const stack = await startStack({ withoutProcessor: true, logLevel: 'error' });
try {
  const res = await fetch(`${stack.url}/openapi.json`);
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(await res.json(), null, 2)}\n`);
} finally {
  await stack.stop();
}
console.log(`OpenAPI document written to ${out}`);
const lint = spawnSync(
  join(ROOT, 'node_modules/.bin/redocly'),
  ['lint', '--config', 'redocly.yaml', '.tmp/openapi.json'],
  {
    stdio: 'inherit',
    cwd: ROOT,
  },
);
process.exit(lint.status ?? 1);
