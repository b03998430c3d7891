import type { D1Migration } from 'cloudflare:test';
import type { Secrets } from '../src/env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends Secrets {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    jwksUrl: string;
    fakeProcessorUrl: string;
    rsaPrivateJwk: Record<string, unknown>;
    rsaPublicJwk: Record<string, unknown>;
    /** GEMINI_BASE_URL/_API_KEY, ELEVENLABS_BASE_URL/_API_KEY, POSTIZ_API_URL/_API_KEY of the fakes. */
    providerVars: Record<string, string>;
  }
}
