/**
 * Bench-only Worker entry (npm run bench:api): the production Worker, unchanged, plus routes that
 * show where a request's time goes, in the same workerd. It is never deployed: wrangler.toml's
 * `main` is src/index.ts, and only the bench starts this file (`startStack({ entrypoint })`).
 * - `GET /__bench/bare`: a bare Hono route, no middleware, no database: the floor;
 * - `GET /__bench/user`: the user router's guards only (token verified, the user's rate limit);
 * - `GET /__bench/tenant`: the tenant router's guards only (also the active-profile check and the
 *   profile's rate limit), an empty handler;
 * - a request with `X-Bench-Forget-Profiles: 1` first clears the isolate's verified-profile memory
 *   (src/db/verified-profiles.ts), so it pays the profile lookup as it would without that memory.
 */
import { Hono } from 'hono';
import type { Bindings } from '../../src/core/env.ts';
import { forgetAllProfiles } from '../../src/db/verified-profiles.ts';
import { createTenantRouter, createUserRouter } from '../../src/http/router.ts';
import { productionJobs } from '../../src/job-handlers/index.ts';
import { createWorker } from '../../src/worker.ts';
import { BENCH_PATHS, FORGET_PROFILES_HEADER } from './bench-paths.ts';

export { JobEventsHub } from '../../src/jobs/job-events.ts';
export { MediaProcessor } from '../../src/processor/container.ts';

const production = createWorker(productionJobs);
const bench = new Hono<{ Bindings: Bindings }>()
  .get(BENCH_PATHS.bare, (c) => c.json({ ok: true }))
  .route(
    '/',
    createUserRouter().get(BENCH_PATHS.user, (c) => c.json({ ok: true })),
  )
  .route(
    '/',
    createTenantRouter().get(BENCH_PATHS.tenant, (c) => c.json({ ok: true })),
  );
const benchPaths = new Set<string>(Object.values(BENCH_PATHS));

export default {
  ...production,
  fetch(request, env, ctx) {
    if (request.headers.get(FORGET_PROFILES_HEADER) === '1') forgetAllProfiles();
    if (benchPaths.has(new URL(request.url).pathname)) return bench.fetch(request, env, ctx);
    return production.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
