/** The bench Worker's own routes and header (bench/worker/api-worker.ts), shared with bench/api.ts. */
export const BENCH_PATHS = { bare: '/__bench/bare', user: '/__bench/user', tenant: '/__bench/tenant' } as const;
export const FORGET_PROFILES_HEADER = 'X-Bench-Forget-Profiles';
