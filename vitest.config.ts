/**
 * Two test layers (projects in test/helpers/vitest-projects.ts):
 * - `worker`: route, queue and unit tests inside workerd (real D1 with migrations, R2, Queues);
 * - `node`: the media processor (container/), provider clients against fake servers, and e2e tests
 *   that drive the whole running stack over HTTP with the real processor and real media.
 * The attack suite (test/security/) has its own config: `npm run test:security`.
 */
import { defineConfig } from 'vitest/config';
import { nodeProject, workerProject } from './test/helpers/vitest-projects.ts';

export default defineConfig(async () => ({
  test: {
    projects: [
      await workerProject('worker', [
        'test/routes/**/*.test.ts',
        'test/queue/**/*.test.ts',
        'test/auth/**/*.test.ts',
        'test/unit/**/*.test.ts',
      ]),
      nodeProject('node', [
        'test/architecture.test.ts',
        'test/scripts/**/*.test.ts',
        'container/test/**/*.test.ts',
        'test/providers/**/*.test.ts',
        'test/e2e/**/*.test.ts',
      ]),
    ],
  },
}));
