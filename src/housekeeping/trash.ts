/**
 * Trash retention (hourly cron): clips in the trash for longer than TRASH_RETENTION_DAYS (30 by
 * default) are deleted for good with their media, as `/purge` would. A bounded number per run; a
 * large backlog is cleared over several runs.
 */
import type { Bindings } from '../core/env.ts';
import { createDb } from '../db/client.ts';
import { profilesWithTrashBefore, trashedBefore } from '../db/repos/clips.ts';
import { scopeForVerifiedProfile } from '../db/scope.ts';
import { purgeClips } from '../library/clip-trash.ts';

export const DEFAULT_TRASH_RETENTION_DAYS = 30;
const PROFILES_PER_RUN = 100;
const CLIPS_PER_PROFILE_PER_RUN = 100;

export function trashRetentionDays(env: Pick<Bindings, 'TRASH_RETENTION_DAYS'>): number {
  const days = Number(env.TRASH_RETENTION_DAYS);
  return Number.isFinite(days) && days > 0 ? days : DEFAULT_TRASH_RETENTION_DAYS;
}

/** Purges expired trash; returns how many clips went. */
export async function purgeExpiredTrash(env: Bindings, now = Date.now()): Promise<number> {
  const db = createDb(env.DB);
  const cutoff = new Date(now - trashRetentionDays(env) * 86_400_000).toISOString();
  let purged = 0;
  // Each profile is purged inside its own scope, made from its own clip rows (as the consumer does).
  for (const profileId of await profilesWithTrashBefore(db, cutoff, PROFILES_PER_RUN)) {
    const scope = scopeForVerifiedProfile(db, { profileId });
    const expired = await trashedBefore(scope, cutoff, CLIPS_PER_PROFILE_PER_RUN);
    await purgeClips(env, scope, expired);
    purged += expired.length;
  }
  return purged;
}
