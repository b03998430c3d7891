/** Idempotency keys of job-creating requests, per profile, kept 24 h. */
import { eq } from 'drizzle-orm';
import { IDEMPOTENCY_TTL_MS } from '../../core/limits.ts';
import { idempotencyKeys } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/** Claims the key; returns false when a row for it already exists. */
export async function claimKey(scope: ProfileScope, key: string, requestHash: string): Promise<boolean> {
  const rows = await scope.db
    .insert(idempotencyKeys)
    .values(stamped(scope, { key, requestHash, expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS).toISOString() }))
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

export function findKey(scope: ProfileScope, key: string): Promise<IdempotencyRow | undefined> {
  return scope.db.query.idempotencyKeys.findFirst({
    where: owned(idempotencyKeys, scope, eq(idempotencyKeys.key, key)),
  });
}

export async function completeKey(scope: ProfileScope, key: string, status: number, body: string) {
  await scope.db
    .update(idempotencyKeys)
    .set({ state: 'completed', responseStatus: status, responseBody: body })
    .where(owned(idempotencyKeys, scope, eq(idempotencyKeys.key, key)));
}

export async function releaseKey(scope: ProfileScope, key: string) {
  await scope.db.delete(idempotencyKeys).where(owned(idempotencyKeys, scope, eq(idempotencyKeys.key, key)));
}
