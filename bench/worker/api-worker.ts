/**
 * Bench-only Worker entry (npm run bench:api): the production Worker, unchanged, plus one bare Hono
 * route, `GET /__bench/bare`, that answers a small JSON body with no middleware, no authentication
 * and no database, as the floor the API routes are compared with in the same workerd. It is never
 * deployed: wrangler.toml's `main` is src/index.ts, and only the bench starts this file
 * (`startStack({ entrypoint })`).
 */
import { Hono } from 'hono';
import type { Bindings } from '../../src/core/env.ts';
import { productionJobs } from '../../src/job-handlers/index.ts';
import { createWorker } from '../../src/worker.ts';

import { BARE_PATH } from './bare-path.ts';

export { MediaProcessor } from '../../src/processor/container.ts';

const production = createWorker(productionJobs);
const bare = new Hono().get(BARE_PATH, (c) => c.json({ ok: true }));

export default {
  ...production,
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === BARE_PATH) return bare.fetch(request, env, ctx);
    return production.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
