import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof createDb>;

/** Liveness check for /health (no table access). */
export async function pingDatabase(d1: D1Database): Promise<void> {
  await d1.prepare('SELECT 1').first();
}
