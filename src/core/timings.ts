/**
 * Where a job delivery's time goes: named spans summed per delivery (ms and count). The consumer
 * makes one `Timings` per delivery, hands it to the job's context and its D1 binding, and logs it
 * once per delivery (`job timings`), which bench/jobs.ts reads. Spans may overlap (progress is
 * written while the processor runs), so they are not parts of one sum. In the Workers runtime the
 * clock only moves on I/O: pure computation (HMAC signing) reads as 0 and is measured in the bench.
 */

export class Timings {
  readonly spans: Record<string, { ms: number; count: number }> = {};

  add(name: string, ms: number): void {
    const span = this.spans[name] ?? { ms: 0, count: 0 };
    this.spans[name] = { ms: span.ms + ms, count: span.count + 1 };
  }

  async timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      this.add(name, Date.now() - started);
    }
  }
}

type StatementRun = 'run' | 'all' | 'raw' | 'first';
const STATEMENT_RUNS = new Set<string | symbol>(['run', 'all', 'raw', 'first']);

/** A D1 binding whose statements and batches count as `d1` spans of `timings`. */
export function timedD1(d1: D1Database, timings: Timings): D1Database {
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === 'bind') return (...values: unknown[]) => wrap(target.bind(...values));
        if (STATEMENT_RUNS.has(prop)) {
          const method = prop as StatementRun;
          return (...args: unknown[]) =>
            timings.timed('d1', () => (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    unwrapped.set(proxy, statement);
    return proxy;
  };
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      if (prop === 'batch')
        return (statements: D1PreparedStatement[]) =>
          timings.timed('d1', () => target.batch(statements.map((s) => unwrapped.get(s) ?? s)));
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
