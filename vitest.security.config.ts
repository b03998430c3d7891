/**
 * The attack suite (`npm run test:security`, docs/security.md):
 * - `security-worker`: HTTP-level attacks inside workerd (the BOLA matrix generated from
 *   /openapi.json, the JWT corpus, signed URL tampering, malformed input on every JSON route);
 * - `security-e2e`: attacks that need the running stack and the real processor (worst-case inputs
 *   of looping routes, hostile media through the public upload path, failure injection).
 * Ends with `security: tried N, held M, known findings K (…), failed F`.
 */
import { defineConfig } from 'vitest/config';
import { nodeProject, workerProject } from './test/helpers/vitest-projects.ts';

export default defineConfig(async () => ({
  test: {
    projects: [
      await workerProject('security-worker', ['test/security/worker/**/*.test.ts'], {
        globalSetup: ['./test/security/support/global-setup.ts'],
      }),
      nodeProject('security-e2e', ['test/security/e2e/**/*.test.ts']),
    ],
    reporters: ['default', './test/security/support/reporter.ts'],
  },
}));
