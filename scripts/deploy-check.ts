/**
 * npm run deploy:check: builds the studio and the production bundle with `wrangler deploy --dry-run`
 * and checks both against the platform's limits: the Worker ≤ 10 MiB compressed, every static asset
 * ≤ 25 MiB, at most 20 000 asset files. Prints the sizes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { STUDIO_DIST, buildStudio } from './studio.ts';

const MiB = 1024 * 1024;
const WORKER_LIMIT = 10 * MiB;
const ASSET_FILE_LIMIT = 25 * MiB;
const ASSET_COUNT_LIMIT = 20_000;

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

const problems: string[] = [];

await buildStudio();
const assets = files(STUDIO_DIST);
let assetBytes = 0;
let appGzip = 0;
for (const file of assets) {
  const size = statSync(file).size;
  assetBytes += size;
  if (size > ASSET_FILE_LIMIT) problems.push(`asset ${relative(STUDIO_DIST, file)} is ${kib(size)} (limit 25 MiB)`);
  if (/\.(js|css|html)$/.test(file) && !file.includes('/vendor/'))
    appGzip += gzipSync(readFileSync(file), { level: 9 }).length;
}
if (assets.length > ASSET_COUNT_LIMIT) problems.push(`${assets.length} asset files (limit ${ASSET_COUNT_LIMIT})`);
const largest = Math.max(...assets.map((f) => statSync(f).size));
console.log(
  `Studio assets: ${assets.length} files, ${kib(assetBytes)}; largest ${kib(largest)} (limit 25 MiB per file); app JS/CSS/HTML ${kib(appGzip)} gzip (FFmpeg core not counted)`,
);

const outdir = mkdtempSync(join(tmpdir(), 'cutroom-bundle-'));
try {
  const run = spawnSync('wrangler', ['deploy', '--dry-run', '--containers-rollout=none', '--outdir', outdir], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
  let raw = 0;
  let gzip = 0;
  for (const file of files(outdir)) {
    if (file.endsWith('.map')) continue;
    raw += statSync(file).size;
    gzip += gzipSync(readFileSync(file), { level: 9 }).length;
  }
  if (gzip > WORKER_LIMIT) problems.push(`Worker bundle is ${kib(gzip)} compressed (limit 10 MiB)`);
  console.log(`\nBundle: ${kib(raw)} raw, ${kib(gzip)} gzip (Workers limit: 10 MiB compressed)`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
if (problems.length) {
  console.error(`\nOver the platform's limits:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
