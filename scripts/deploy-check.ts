/** npm run deploy:check: builds the production bundle with `wrangler deploy --dry-run` and prints its size. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const outdir = mkdtempSync(join(tmpdir(), 'cutroom-bundle-'));
try {
  const run = spawnSync('wrangler', ['deploy', '--dry-run', '--containers-rollout=none', '--outdir', outdir], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(outdir)) {
    const file = join(outdir, name);
    if (!statSync(file).isFile() || name.endsWith('.map')) continue;
    raw += statSync(file).size;
    gzip += gzipSync(readFileSync(file), { level: 9 }).length;
  }
  console.log(
    `\nBundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip (Workers limit: 10 MiB compressed)`,
  );
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
