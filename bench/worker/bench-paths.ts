/** The bench Worker's own routes and headers (bench/worker/api-worker.ts), shared with bench/api.ts. */
export const BENCH_PATHS = {
  bare: '/__bench/bare',
  token: '/__bench/token',
  user: '/__bench/user',
  tenant: '/__bench/tenant',
  handler: '/__bench/list-handler',
} as const;
export const FORGET_PROFILES_HEADER = 'X-Bench-Forget-Profiles';
/**
 * On every response of the bench Worker: what the request awaited, as `d1=<round trips>/<statements>/<ms>;
 * limits=<calls>/<ms>`. Counted per isolate, so exact only while one request is in flight (c=1).
 */
export const COST_HEADER = 'X-Bench-Cost';
/** `GET /__bench/cpu/<part>/<naive|now>?n=<runs>`: one part of bench/worker/cpu-parts.ts, n times. */
export const CPU_PATH = '/__bench/cpu';
/** The CPU parts it can time (their code: cpu-parts.ts); `naive` is how the Worker did it before, when that differed. */
export const CPU_PART_LABELS = {
  token: {
    part: 'token verification (HS256)',
    naive: 'key imported per request',
    now: 'key imported once per isolate',
  },
  tokenRemembered: { part: 'token verification, repeated token', naive: 'verified again', now: 'remembered (60 s)' },
  db: { part: 'database handle (drizzle)', naive: 'built per request', now: 'built once per D1 binding' },
  query: { part: 'query validation (zod, `?limit=20`)', now: 'same' },
  present: { part: 'presenting 20 projects + JSON', now: 'same' },
} as const satisfies Record<string, { part: string; naive?: string; now: string }>;
export type CpuPartName = keyof typeof CPU_PART_LABELS;
