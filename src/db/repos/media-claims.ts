/**
 * Claims on stored images being made (posters, previews, storyboard sprites): at most one maker
 * per R2 key at a time. A claim is one statement, so two requests claiming at the same moment
 * cannot both win; a claim past its expiry (its maker died) is taken over by the next claimant.
 * Profile-scoped: a row is written, taken over and released only through its profile.
 */
import { and, eq, lt, lte } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { mediaClaims } from '../schema.ts';
import { type ProfileScope, owned } from '../scope.ts';

export interface MediaClaim {
  key: string;
  holder: string;
}

/**
 * Claims `key` until `expiresAt` (ms since the epoch): the claim when nobody holds it or the
 * holder's claim expired by `now`, null while another maker holds it.
 */
export async function claimMedia(
  scope: ProfileScope,
  key: string,
  request: { expiresAt: number; now: number },
): Promise<MediaClaim | null> {
  const holder = crypto.randomUUID();
  const [row] = await scope.db
    .insert(mediaClaims)
    .values({ key, profileId: scope.profileId, holder, expiresAt: request.expiresAt })
    .onConflictDoUpdate({
      target: mediaClaims.key,
      set: { holder, expiresAt: request.expiresAt },
      setWhere: owned(mediaClaims, scope, lte(mediaClaims.expiresAt, request.now)),
    })
    .returning({ holder: mediaClaims.holder });
  return row?.holder === holder ? { key, holder } : null;
}

/** Ends a claim (its maker is done, or gave up); a claim already taken over is left to its new holder. */
export async function releaseMedia(scope: ProfileScope, claim: MediaClaim): Promise<void> {
  await scope.db
    .delete(mediaClaims)
    .where(owned(mediaClaims, scope, and(eq(mediaClaims.key, claim.key), eq(mediaClaims.holder, claim.holder))));
}

/**
 * Hourly, deployment-wide expiry (not tenant data access): claims whose maker died and whose key
 * nobody asked for again. Rows are tiny and few, so one statement.
 */
export async function sweepExpiredMediaClaims(db: Database, now = Date.now()): Promise<number> {
  const gone = await db.delete(mediaClaims).where(lt(mediaClaims.expiresAt, now)).returning({ key: mediaClaims.key });
  return gone.length;
}
