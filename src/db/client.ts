import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

// Building a drizzle instance walks the whole schema (every table's columns, for `db.query`): done
// once per D1 binding per isolate, not per request. The instance keeps no request state (D1 has no
// interactive transactions; a batch is one call).
const databases = new WeakMap<D1Database, Database>();

export function createDb(d1: D1Database): Database {
  let db = databases.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    databases.set(d1, db);
  }
  return db;
}

export type Database = ReturnType<typeof drizzle<typeof schema, D1Database>>;

/** Liveness check for /health (no table access). */
export async function pingDatabase(d1: D1Database): Promise<void> {
  await d1.prepare('SELECT 1').first();
}
