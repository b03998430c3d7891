/** Hourly cron: expired idempotency keys, abandoned uploads, orphaned objects. */
import { lt } from 'drizzle-orm';
import type { Bindings } from '../env.ts';
import { createDb } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema.ts';
import { expireAbandonedUploads, sweepOrphans } from '../media/orphan-sweep.ts';

export async function runHousekeeping(env: Bindings): Promise<void> {
  const db = createDb(env.DB);
  // System-wide expiry, not tenant data access: keys past their 24 h lifetime are removed for all.
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, new Date().toISOString()));
  // Uploads first: their bytes then go with their rows, not through the slower orphan walk.
  await expireAbandonedUploads(env);
  await sweepOrphans(env);
}
