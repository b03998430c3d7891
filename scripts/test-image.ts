/**
 * npm run test:image [-- <vitest filters>]: the processor's own tests (container/test: the protocol
 * and every operation on real media) and the end-to-end suite (test/e2e: the Worker with the
 * processor over HTTP) against the processor inside the built image instead of a local process.
 * PROCESSOR_IMAGE picks the image (default cutroom-processor:latest, made by npm run image:build).
 * The tests under container/test/unit and container/test/analysis run no processor: npm test has them.
 * The > 150 MB output test (test/e2e/large-output.test.ts) runs once, in npm test: it checks the
 * Worker's storage path, which is the same whichever way the processor runs.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { imageExists, PROCESSOR_IMAGE_NAME, podman } from './podman.ts';

const root = resolve(import.meta.dirname, '..');
const image = process.env.PROCESSOR_IMAGE || `${PROCESSOR_IMAGE_NAME}:latest`;
const filters = process.argv.slice(2);

if (!imageExists(image)) {
  console.error(`[test:image] no image ${image} in local storage: npm run image:build first`);
  process.exit(1);
}
const id = podman(['image', 'inspect', '--format', '{{.Id}}', image]).stdout.trim().slice(0, 12);
console.log(`[test:image] the processor runs in ${image} (${id})`);

const started = Date.now();
const run = spawnSync(
  'vitest',
  [
    'run',
    '--project',
    'node',
    '--exclude',
    'container/test/unit/**',
    '--exclude',
    'container/test/analysis/**',
    ...(filters.length ? filters : ['container/test/', 'test/e2e/']),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, PROCESSOR_IMAGE: image, CUTROOM_SKIP_HEAVY_E2E: '1' } },
);
console.log(`[test:image] ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(run.status ?? 1);
