/** The bench Worker's bare route (bench/worker/api-worker.ts), shared with bench/api.ts. */
export const BARE_PATH = '/__bench/bare';
