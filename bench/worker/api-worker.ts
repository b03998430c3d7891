/**
 * Bench-only Worker entry (npm run bench:api): the production Worker, unchanged, plus routes that
 * show where a request's time goes, in the same workerd. It is never deployed: wrangler.toml's
 * `main` is src/index.ts, and only the bench starts this file (`startStack({ entrypoint })`).
 * - `GET /__bench/bare`: a bare Hono route, no middleware, no database: the floor;
 * - `GET /__bench/token`: the token check alone (`requireUser` without the rate limit);
 * - `GET /__bench/user`: the user router's guards only (token verified, the user's rate limit);
 * - `GET /__bench/tenant`: the tenant router's guards only (also the active-profile check and the
 *   profile's rate limit), an empty handler;
 * - `GET /__bench/list-handler`: the list route's own work alone (its query, presenter and JSON),
 *   no guards, no app middleware, for the profile named by `X-Profile-Id` (trusted: bench only);
 * - `GET /__bench/cpu/<part>/<way>?n=`: one CPU part of a request (cpu-parts.ts), n times;
 * - a request with `X-Bench-Forget-Profiles: 1` first clears the isolate's verified-profile memory
 *   (src/db/verified-profiles.ts), so it pays the profile lookup as it would without that memory.
 * Every response carries `X-Bench-Cost` (bench-paths.ts): the D1 round trips, statements and time,
 * and the rate-limit calls and time, the request awaited. The Workers clock moves only on I/O, so
 * these times are the waits; the rest of a request's latency is CPU (and the loopback).
 */
import { Hono } from 'hono';
import type { Bindings } from '../../src/core/env.ts';
import { createDb } from '../../src/db/client.ts';
import { pageQuery } from '../../src/db/pagination.ts';
import { listProjects } from '../../src/db/repos/projects.ts';
import { scopeForVerifiedProfile } from '../../src/db/scope.ts';
import { forgetAllProfiles } from '../../src/db/verified-profiles.ts';
import { requireUser } from '../../src/http/auth.ts';
import { createTenantRouter, createUserRouter } from '../../src/http/router.ts';
import { productionJobs } from '../../src/job-handlers/index.ts';
import { toProjectResponses } from '../../src/routes/projects/presenter.ts';
import { createWorker } from '../../src/worker.ts';
import { BENCH_PATHS, COST_HEADER, CPU_PATH, type CpuPartName, FORGET_PROFILES_HEADER } from './bench-paths.ts';
import { CPU_PARTS, type CpuPart } from './cpu-parts.ts';

export { JobEventsHub } from '../../src/jobs/job-events.ts';
export { MediaProcessor } from '../../src/processor/container.ts';

/** What the isolate has awaited so far (read before and after a request). */
const cost = { d1Trips: 0, d1Statements: 0, d1Ms: 0, limitCalls: 0, limitMs: 0 };

type Method = (...args: unknown[]) => Promise<unknown>;
function timed(target: object, name: string, onDone: (ms: number, args: unknown[]) => void) {
  const original = (target as Record<string, Method>)[name]!;
  (target as Record<string, Method>)[name] = async function (this: unknown, ...args: unknown[]) {
    const t0 = Date.now();
    try {
      return await original.apply(this, args);
    } finally {
      onDone(Date.now() - t0, args);
    }
  };
}

/**
 * Counts D1 by patching the binding's own classes once (statements stay real objects, so
 * `batch()` still accepts them): every execution of a statement is one round trip, a batch one
 * round trip of several statements.
 */
let d1Patched = false;
function patchD1(db: D1Database) {
  if (d1Patched) return;
  d1Patched = true;
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1'));
  for (const name of ['all', 'raw', 'run', 'first']) {
    timed(statement, name, (ms) => {
      cost.d1Trips++;
      cost.d1Statements++;
      cost.d1Ms += ms;
    });
  }
  timed(Object.getPrototypeOf(db), 'batch', (ms, args) => {
    cost.d1Trips++;
    cost.d1Statements += (args[0] as unknown[]).length;
    cost.d1Ms += ms;
  });
}

const limiters = new WeakMap<object, RateLimit>();
function timedLimiter(limiter: RateLimit | undefined): RateLimit | undefined {
  if (!limiter) return limiter;
  let wrapped = limiters.get(limiter);
  if (!wrapped) {
    wrapped = {
      async limit(options) {
        const t0 = Date.now();
        try {
          return await limiter.limit(options);
        } finally {
          cost.limitCalls++;
          cost.limitMs += Date.now() - t0;
        }
      },
    };
    limiters.set(limiter, wrapped);
  }
  return wrapped;
}

const production = createWorker(productionJobs);
const bench = new Hono<{ Bindings: Bindings }>()
  .get(BENCH_PATHS.bare, (c) => c.json({ ok: true }))
  .get(BENCH_PATHS.token, requireUser as never, (c) => c.json({ ok: true }))
  .get(BENCH_PATHS.handler, async (c) => {
    const scope = scopeForVerifiedProfile(createDb(c.env.DB), { profileId: c.req.header('X-Profile-Id') ?? '' });
    const query = pageQuery.parse(c.req.query());
    const page = await listProjects(scope, {}, query);
    return c.json({ projects: await toProjectResponses(c.env, scope, page.items), next_cursor: page.nextCursor }, 200);
  })
  .get(`${CPU_PATH}/:part/:way`, async (c) => {
    const part: CpuPart | undefined = CPU_PARTS[c.req.param('part') as CpuPartName];
    const run = c.req.param('way') === 'naive' ? part?.naive : part?.now;
    if (!run) return c.json({ error: 'no such part' }, 404);
    const input = { env: c.env, token: (c.req.header('Authorization') ?? '').replace(/^Bearer /, '') };
    const n = Number(c.req.query('n') ?? 0);
    for (let i = 0; i < n; i++) await run(input);
    return c.json({ ok: true });
  })
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
  async fetch(request, env, ctx) {
    patchD1(env.DB);
    if (request.headers.get(FORGET_PROFILES_HEADER) === '1') forgetAllProfiles();
    const before = { ...cost };
    const timedEnv: Bindings = {
      ...env,
      USER_RATE_LIMITER: timedLimiter(env.USER_RATE_LIMITER)!,
      PROFILE_RATE_LIMITER: timedLimiter(env.PROFILE_RATE_LIMITER)!,
    };
    const path = new URL(request.url).pathname;
    const res =
      benchPaths.has(path) || path.startsWith(CPU_PATH)
        ? await bench.fetch(request, timedEnv, ctx)
        : await production.fetch(request, timedEnv, ctx);
    const spent =
      `d1=${cost.d1Trips - before.d1Trips}/${cost.d1Statements - before.d1Statements}/${cost.d1Ms - before.d1Ms};` +
      `limits=${cost.limitCalls - before.limitCalls}/${cost.limitMs - before.limitMs}`;
    try {
      res.headers.set(COST_HEADER, spent);
      return res;
    } catch {
      // Immutable headers (a response passed through from a fetch): copy it.
      const answered = new Response(res.body, res);
      answered.headers.set(COST_HEADER, spent);
      return answered;
    }
  },
} satisfies ExportedHandler<Bindings>;
