/**
 * Browser tests of the studio (`npm run test:browser`): Debian's Chromium driven by playwright-core
 * against the running stack (Worker + real processor + fake Postiz), axe-core on every screen,
 * screenshots in test-results/studio/. The studio is built once first (global setup).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'browser',
    environment: 'node',
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['./test/browser/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // One Chromium and one stack at a time: two cores.
    fileParallelism: false,
  },
});
