/**
 * Every value a local Worker runs with that production must not have, in one module: the loopback
 * processor and public URLs, the dev token issuer and audience, the fixed test secrets, the dev-only
 * switches. Its callers: `npm start` (scripts/start.ts) and `npm run token`, the vitest projects
 * (test/helpers/vitest-projects.ts), the e2e stack (test/e2e/helpers/stack.ts, which test:image, the
 * benchmarks and lint:openapi start). wrangler.toml holds production values only, and
 * `npm run config:check` (scripts/config-check.ts) refuses a production config that holds any value
 * named here, so a dev value cannot reach a deploy.
 *
 * Pure constants and functions (no node: imports): the worker tests import it inside workerd.
 */

/** The issuer and audience of dev and test tokens (`npm run token`, the dev sign-in, the tests). */
export const DEV_AUTH = { AUTH_ISSUER: 'cutroom-dev', AUTH_AUDIENCE: 'cutroom-api' } as const;

/** Secrets of every test layer (fixed, so tokens and signed URLs made in Node verify in workerd). */
export const TEST_SECRETS = {
  JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789abcdef',
  URL_SIGNING_KEY: 'test-url-signing-key-0123456789abcdef0123456789',
  PROCESSOR_SECRET: 'test-processor-secret-0123456789abcdef012345678',
  ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
} as const;

/** The secrets a deployment sets with `wrangler secret put` (locally: .dev.vars or TEST_SECRETS). */
export const SECRET_NAMES = [
  'JWT_SECRET',
  'URL_SIGNING_KEY',
  'PROCESSOR_SECRET',
  'ENCRYPTION_KEY',
  'GEMINI_API_KEY',
  'ELEVENLABS_API_KEY',
  'POSTIZ_API_KEY',
] as const;

/**
 * Settings only a local Worker has: a deployed Worker must not have them at all (PROCESSOR_URL
 * would send processor calls past the Container binding; DEV_SIGN_IN mints tokens for anyone).
 */
export const DEV_ONLY_NAMES = ['PROCESSOR_URL', 'DEV_SIGN_IN'] as const;

export interface LocalWorkerOptions {
  /** Where clients reach the Worker (the dev edge), e.g. http://127.0.0.1:8787. */
  publicUrl: string;
  /** The local processor process. */
  processorUrl: string;
  /** The studio's dev sign-in (`npm start` only). */
  devSignIn?: boolean;
}

/** The vars a local Worker runs with on top of wrangler.toml's production [vars]. */
export function localWorkerVars(options: LocalWorkerOptions): Record<string, string> {
  return {
    PUBLIC_URL: options.publicUrl,
    PROCESSOR_URL: options.processorUrl,
    ...DEV_AUTH,
    // The processor, the fakes and local webhook receivers listen on loopback.
    OUTBOUND_ALLOW_PRIVATE: 'true',
    ...(options.devSignIn ? { DEV_SIGN_IN: '1' } : {}),
  };
}

/** Values that mark a config as local: the dev issuer and the test secrets. */
export const DEV_VALUES: readonly string[] = [DEV_AUTH.AUTH_ISSUER, ...Object.values(TEST_SECRETS)];
