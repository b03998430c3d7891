/**
 * The two kinds of vitest project, shared by `vitest.config.ts` (every test) and
 * `vitest.security.config.ts` (the attack suite), so both run tests the same way:
 * - a workerd project: the tests' Worker (production plus the `echo` job) with real D1 (migrations
 *   applied), R2 and Queues, the JWKS / stand-in processor / provider fakes of the global setup;
 * - a Node project: processor, provider and end-to-end tests, one file at a time.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { TEST_SECRETS, localWorkerVars } from '../../scripts/local-config.ts';

/** Requests per minute per user and per profile in the worker tests: no suite comes near it. */
export const TEST_RATE_LIMIT = 1_000_000;
/** The limit of the tests' TIGHT_RATE_LIMITER binding. */
export const TIGHT_RATE_LIMIT = 5;

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
            // The local values (scripts/local-config.ts): the stand-in processor, the dev issuer and
            // audience, private hosts allowed (webhook receivers and fakes listen on loopback).
            ...localWorkerVars({ publicUrl: 'http://cutroom.test', processorUrl: inject<string>('fakeProcessorUrl') }),
            AUTH_JWKS_URL: inject<string>('jwksUrl'),
            // Webhook retries after 1 s, 3 s, … instead of 30 s, 90 s, …: a retry is seen within a test.
            WEBHOOK_RETRY_BASE_SECONDS: '1',
            // Suites fire many requests per user: limits far above them (the bindings below say the same).
            RATE_LIMIT_USER: `${TEST_RATE_LIMIT}/60`,
            RATE_LIMIT_PROFILE: `${TEST_RATE_LIMIT}/60`,
            // Fake Gemini / ElevenLabs / Postiz servers: base URLs and the keys they accept.
            ...inject<Record<string, string>>('providerVars'),
          },
          ratelimits: {
            USER_RATE_LIMITER: { namespace_id: '1001', simple: { limit: TEST_RATE_LIMIT, period: 60 } },
            PROFILE_RATE_LIMITER: { namespace_id: '1002', simple: { limit: TEST_RATE_LIMIT, period: 60 } },
            // A tight limiter the rate limit tests swap in (test/routes/rate-limits.test.ts).
            TIGHT_RATE_LIMITER: { namespace_id: '1099', simple: { limit: TIGHT_RATE_LIMIT, period: 60 } },
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
