import type { D1Migration } from 'cloudflare:test';
import type { DeploymentSettings, DevSettings, Secrets } from '../src/core/env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends Secrets, DeploymentSettings, DevSettings {
      TEST_MIGRATIONS: D1Migration[];
      /** A rate limiter with a limit of 5 a minute (test/helpers/vitest-projects.ts), for 429 tests. */
      TIGHT_RATE_LIMITER: RateLimit;
    }
  }
}
