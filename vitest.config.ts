/**
 * Two test layers:
 * - `worker`: route, queue and unit tests inside workerd (real D1 with migrations, R2, Queues);
 * - `node`: the media processor (container/), provider clients against fake servers, and e2e tests
 *   that drive the whole running stack over HTTP with the real processor and real media.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { TEST_SECRETS } from './test/helpers/test-config.ts';

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => ({
              // The production Worker with the tests' own job types (the `echo` self-test job).
              main: './test/helpers/worker/test-worker.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  ...TEST_SECRETS,
                  TEST_MIGRATIONS: migrations,
                  AUTH_JWKS_URL: inject<string>('jwksUrl'),
                  PROCESSOR_URL: inject<string>('fakeProcessorUrl'),
                  PUBLIC_URL: 'http://cutroom.test',
                  // The fake Postiz listens on loopback: the tests allow private hosts, as dev does.
                  OUTBOUND_ALLOW_PRIVATE: 'true',
                  // Fake Gemini / ElevenLabs / Postiz servers: base URLs and the keys they accept.
                  ...inject<Record<string, string>>('providerVars'),
                },
              },
            })),
          ],
          test: {
            name: 'worker',
            include: [
              'test/routes/**/*.test.ts',
              'test/queue/**/*.test.ts',
              'test/auth/**/*.test.ts',
              'test/unit/**/*.test.ts',
            ],
            setupFiles: ['./test/setup-worker.ts'],
            globalSetup: ['./test/global-setup-worker.ts'],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: 'node',
            environment: 'node',
            include: [
              'test/architecture.test.ts',
              'container/test/**/*.test.ts',
              'test/providers/**/*.test.ts',
              'test/e2e/**/*.test.ts',
            ],
            testTimeout: 180_000,
            hookTimeout: 180_000,
            // Media tests spawn ffmpeg; two cores, so keep files from fighting over them.
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
