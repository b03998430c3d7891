/**
 * Test-only Worker entry for failure injection (test/security/e2e/failure-injection.test.ts): the
 * production Worker, unchanged, with its R2 and D1 bindings wrapped so that the next N R2 puts or
 * D1 writes throw, as a storage or database outage would. It is never deployed: wrangler.toml's
 * `main` is src/index.ts, and only the e2e stack starts this file (`startStack({ entrypoint })`).
 *
 *   POST /__faults {"r2_puts": 1, "d1_writes": 2, "match": "thumb"}  arm (match: part of the key or SQL)
 *   GET  /__faults                                                  what is armed and what tripped
 *
 * One isolate serves the HTTP routes and the queue consumer locally, so one module-level plan
 * covers both.
 */
import type { Bindings } from '../../../src/core/env.ts';
import { productionJobs } from '../../../src/job-handlers/index.ts';
import { createWorker } from '../../../src/worker.ts';

export { JobEventsHub } from '../../../src/jobs/job-events.ts';
export { MediaProcessor } from '../../../src/processor/container.ts';

interface Plan {
  r2Puts: number;
  d1Writes: number;
  /** Only keys or SQL containing this fail (all when empty). */
  match: string;
  tripped: { r2Puts: number; d1Writes: number };
}

const plan: Plan = { r2Puts: 0, d1Writes: 0, match: '', tripped: { r2Puts: 0, d1Writes: 0 } };

function trip(kind: 'r2Puts' | 'd1Writes', subject: string): void {
  if (plan[kind] <= 0 || (plan.match && !subject.includes(plan.match))) return;
  plan[kind]--;
  plan.tripped[kind]++;
  throw new Error(`injected ${kind === 'r2Puts' ? 'R2' : 'D1'} failure`);
}

function faultyBucket(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      if (prop === 'put')
        return (key: string, ...rest: Parameters<R2Bucket['put']> extends [string, ...infer R] ? R : never) => {
          trip('r2Puts', key);
          return target.put(key, ...rest);
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const WRITE = /^\s*(insert|update|delete|replace)\b/i;
const inner = new WeakMap<object, D1PreparedStatement>();

function faultyStatement(statement: D1PreparedStatement, sql: string): D1PreparedStatement {
  const wrapped = new Proxy(statement, {
    get(target, prop) {
      if (prop === 'bind') return (...values: unknown[]) => faultyStatement(target.bind(...values), sql);
      const value = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw')
        return (...args: unknown[]) => {
          if (WRITE.test(sql)) trip('d1Writes', sql);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return value.bind(target);
    },
  });
  inner.set(wrapped, statement);
  return wrapped;
}

function faultyDatabase(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => faultyStatement(target.prepare(sql), sql);
      if (prop === 'batch')
        return (statements: D1PreparedStatement[]) => {
          trip('d1Writes', 'batch');
          return target.batch(statements.map((s) => inner.get(s) ?? s));
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const withFaults = (env: Bindings): Bindings => ({
  ...env,
  MEDIA: faultyBucket(env.MEDIA),
  DB: faultyDatabase(env.DB),
});

const production = createWorker(productionJobs);

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__faults') {
      if (request.method === 'POST') {
        const body = (await request.json()) as { r2_puts?: number; d1_writes?: number; match?: string };
        Object.assign(plan, {
          r2Puts: body.r2_puts ?? 0,
          d1Writes: body.d1_writes ?? 0,
          match: body.match ?? '',
          tripped: { r2Puts: 0, d1Writes: 0 },
        });
      }
      return Response.json(plan);
    }
    return production.fetch(request, withFaults(env), ctx);
  },
  queue: (batch, env) => production.queue(batch, withFaults(env)),
  scheduled: (controller, env, ctx) => production.scheduled(controller, withFaults(env), ctx),
} satisfies ExportedHandler<Bindings>;
