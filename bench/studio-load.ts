/**
 * npm run bench:studio [-- --runs 5]
 *
 * The studio's first load in Chromium against the local stack (the Worker serving the built studio
 * as static assets), read from the browser's Performance API:
 * - cold: a fresh browser context each run (empty cache), from navigation start to the first
 *   contentful paint, DOMContentLoaded, load, and until the signed-in screen is usable (the Profile
 *   combobox filled from the API);
 * - warm: a reload in the same context (hashed bundles are cached for good, `_headers`).
 * Also the bytes of the initial load (JS, CSS, HTML, as served) and the size of every bundle, raw
 * and gzip. A benchmark, not a test: figures vary with the machine; they are recorded in
 * docs/studio.md.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { STUDIO_DIST, buildStudio } from '../scripts/studio.ts';
import { startStack } from '../test/e2e/helpers/stack.ts';
import { launchChromium } from '../test/browser/helpers/browser.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);

interface Load {
  fcp: number;
  domContentLoaded: number;
  load: number;
  usable: number;
  transferred: number;
}

async function measure(page: Page, go: () => Promise<unknown>): Promise<Load> {
  await go();
  await page.getByRole('combobox', { name: 'Profile' }).waitFor();
  const usable = await page.evaluate(() => performance.now());
  await page.waitForLoadState('load');
  return page.evaluate((usableAt) => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const studio = resources.filter((r) => /\/assets\/|\/index\.html/.test(r.name));
    return {
      fcp,
      domContentLoaded: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd,
      usable: usableAt,
      transferred: nav.transferSize + studio.reduce((sum, r) => sum + r.transferSize, 0),
    };
  }, usable);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, loads: Load[]) =>
  `| ${label} | ${median(loads.map((l) => l.fcp)).toFixed(0)} | ${median(loads.map((l) => l.domContentLoaded)).toFixed(0)} | ${median(loads.map((l) => l.load)).toFixed(0)} | ${median(loads.map((l) => l.usable)).toFixed(0)} | ${(median(loads.map((l) => l.transferred)) / 1024).toFixed(1)} |`;

await buildStudio();
const stack = await startStack();
let browser: Browser | null = null;
try {
  const user = await stack.newTenant('bench');
  browser = await launchChromium();
  const cold: Load[] = [];
  const warm: Load[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    cold.push(await measure(page, () => page.goto(`${stack.url}/#access_token=${user.token}`)));
    warm.push(await measure(page, () => page.reload()));
    await context.close();
  }
  console.log(`\nStudio first load in Chromium (median of ${RUNS}; ms from navigation start)\n`);
  console.log(
    '| load | first contentful paint | DOMContentLoaded | load | signed-in screen usable | transferred (KiB) |',
  );
  console.log('|---|---|---|---|---|---|');
  console.log(row('cold (empty cache)', cold));
  console.log(row('warm (reload)', warm));

  console.log('\nBundles (studio/dist/assets)\n');
  console.log('| file | raw (KiB) | gzip (KiB) |');
  console.log('|---|---|---|');
  const dir = join(STUDIO_DIST, 'assets');
  for (const name of readdirSync(dir).sort()) {
    const bytes = readFileSync(join(dir, name));
    console.log(
      `| ${name} | ${(statSync(join(dir, name)).size / 1024).toFixed(1)} | ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} |`,
    );
  }
} finally {
  await browser?.close();
  await stack.stop();
}
