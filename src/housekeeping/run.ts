/**
 * Hourly cron: expired idempotency keys and image-making claims, abandoned uploads, retention (expired trash, unused
 * sources, old job outputs, scheduled deletions), orphaned objects, the final state of due Postiz
 * publications, and webhook events and deliveries that lost their queue message.
 */
import { lt } from 'drizzle-orm';
import type { Bindings } from '../core/env.ts';
import { createDb } from '../db/client.ts';
import { sweepExpiredMediaClaims } from '../db/repos/media-claims.ts';
import { profilesWithOpenPublications } from '../db/repos/publications.ts';
import { idempotencyKeys } from '../db/schema.ts';
import { scopeForVerifiedProfile } from '../db/scope.ts';
import { expireAbandonedUploads, sweepOrphans } from './orphan-sweep.ts';
import { refreshPublications } from '../publishing/publication-sync.ts';
import { announceEvents } from '../webhooks/announce.ts';
import { sweepWebhooks } from '../webhooks/sweep.ts';
import { runRetention } from './retention.ts';

export async function runHousekeeping(env: Bindings): Promise<void> {
  const db = createDb(env.DB);
  // System-wide expiry, not tenant data access: keys past their 24 h lifetime are removed for all.
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, new Date().toISOString()));
  await sweepExpiredMediaClaims(db);
  // Uploads first: their bytes then go with their rows, not through the slower orphan walk.
  await expireAbandonedUploads(env);
  await runRetention(env);
  await sweepOrphans(env);
  await refreshAllPublications(env);
  await sweepWebhooks(env);
}

/**
 * Each profile with publications waiting for Postiz is polled inside its own scope (the profile id
 * comes from its own publication rows, as the queue consumer's comes from a job row).
 */
export async function refreshAllPublications(env: Bindings): Promise<void> {
  const db = createDb(env.DB);
  for (const profileId of await profilesWithOpenPublications(db)) {
    try {
      const scope = scopeForVerifiedProfile(db, { profileId });
      await refreshPublications(env, scope);
      await announceEvents(env, scope);
    } catch (err) {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'publication refresh failed',
          profile_id: profileId,
          error: String(err),
        }),
      );
    }
  }
}
