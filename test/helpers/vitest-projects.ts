/**
 * The two kinds of vitest project, shared by `vitest.config.ts` (every test) and
 * `vitest.security.config.ts` (the attack suite), so both run tests the same way:
 * - a workerd project: the tests' Worker (production plus the `echo` job) with real D1 (migrations
 *   applied), R2 and Queues, the JWKS / stand-in processor / provider fakes of the global setup;
 * - a Node project: processor, provider and end-to-end tests, one file at a time.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { TEST_SECRETS } from './test-config.ts';

export async function workerProject(
  name: string,
  include: string[],
  options: { globalSetup?: string[] } = {},
): Promise<TestProjectInlineConfiguration> {
  const migrations = await readD1Migrations('./migrations');
  return {
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
            // The fakes listen on loopback: the tests allow private hosts as dev does (the attack
            // suite takes the setting away where it checks the deployment's rule).
            OUTBOUND_ALLOW_PRIVATE: 'true',
            // Fake Gemini / ElevenLabs / Postiz servers: base URLs and the keys they accept.
            ...inject<Record<string, string>>('providerVars'),
          },
        },
      })),
    ],
    test: {
      name,
      include,
      setupFiles: ['./test/setup-worker.ts'],
      globalSetup: ['./test/global-setup-worker.ts', ...(options.globalSetup ?? [])],
      testTimeout: 30_000,
    },
  };
}

export function nodeProject(name: string, include: string[]): TestProjectInlineConfiguration {
  return {
    test: {
      name,
      environment: 'node',
      include,
      testTimeout: 180_000,
      hookTimeout: 180_000,
      // Media tests spawn ffmpeg; two cores, so keep files from fighting over them.
      fileParallelism: false,
    },
  };
}
