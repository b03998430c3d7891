/**
 * Storage housekeeping (hourly cron):
 * - abandoned uploads: `pending_upload` videos past their upload expiry are removed with their bytes;
 * - orphan sweep: objects whose owning row is gone (a delete that crashed between removing rows and
 *   removing objects, a processor output for a job deleted meanwhile) are removed.
 *
 * The sweep walks the bucket in key order, a bounded number of objects per run, and keeps its
 * position in a small object outside every profile prefix, so a large bucket is covered over several
 * runs. Objects younger than a grace period are never touched (their row may be about to commit),
 * and keys that do not follow the layout of storage-keys.ts are left alone.
 */
import { inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { createDb } from '../db/client.ts';
import { findExpiredUploads } from '../db/repos/source-videos.ts';
import { clips, jobs, profiles, segments, sourceVideos } from '../db/schema.ts';
import { scopeForVerifiedProfile } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { ANY_ID_SOURCE, idSource } from '../core/ids.ts';
import { removeSourceVideo } from '../source-videos/removal.ts';

export const SWEEP_CURSOR_KEY = 'system/orphan-sweep-cursor';
export const ORPHAN_GRACE_MS = 6 * 3600 * 1000;
const OWNED_KEY = new RegExp(`^p/(${idSource('profile')})/(videos|segments|clips|jobs)/(${ANY_ID_SOURCE})/`);

const ownerTables = {
  videos: sourceVideos,
  segments,
  clips,
  jobs,
} as const;
type OwnerKind = keyof typeof ownerTables;

async function existingIds(db: Database, kind: OwnerKind | 'profiles', ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const table = kind === 'profiles' ? profiles : ownerTables[kind];
  const found = new Set<string>();
  // D1 caps bound parameters per statement; 90 ids per query stays well under it.
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select({ id: table.id })
      .from(table)
      .where(inArray(table.id, ids.slice(i, i + 90)));
    for (const r of rows) found.add(r.id);
  }
  return found;
}

export interface SweepReport {
  scanned: number;
  removed: number;
  /** True when the walk reached the end of the bucket (the next run starts from the beginning). */
  wrapped: boolean;
}

/** Which of these listed objects have lost their owner (profile or resource row) and are old enough. */
export async function findOrphans(
  db: Database,
  objects: Pick<R2Object, 'key' | 'uploaded'>[],
  now = Date.now(),
): Promise<string[]> {
  const parsed = objects
    .filter((o) => now - o.uploaded.getTime() > ORPHAN_GRACE_MS)
    .map((o) => ({ key: o.key, match: OWNED_KEY.exec(o.key) }))
    .filter((o): o is { key: string; match: RegExpExecArray } => o.match !== null);
  if (!parsed.length) return [];
  const idsOf = (kind: OwnerKind) => [...new Set(parsed.filter((p) => p.match[2] === kind).map((p) => p.match[3]!))];
  const [liveProfiles, ...liveByKind] = await Promise.all([
    existingIds(db, 'profiles', [...new Set(parsed.map((p) => p.match[1]!))]),
    ...(Object.keys(ownerTables) as OwnerKind[]).map((k) => existingIds(db, k, idsOf(k))),
  ]);
  const live = Object.fromEntries(
    (Object.keys(ownerTables) as OwnerKind[]).map((k, i) => [k, liveByKind[i]!]),
  ) as Record<OwnerKind, Set<string>>;
  return parsed
    .filter((p) => !liveProfiles!.has(p.match[1]!) || !live[p.match[2] as OwnerKind].has(p.match[3]!))
    .map((p) => p.key);
}

export async function sweepOrphans(
  env: Bindings,
  options: { maxObjects?: number; now?: number } = {},
): Promise<SweepReport> {
  const db = createDb(env.DB);
  const maxObjects = options.maxObjects ?? 10_000;
  const saved = await env.MEDIA.get(SWEEP_CURSOR_KEY);
  let startAfter = saved ? (await saved.text()) || undefined : undefined;
  let scanned = 0;
  let removed = 0;
  let wrapped = false;
  while (scanned < maxObjects) {
    const listing = await env.MEDIA.list({ prefix: 'p/', startAfter, limit: Math.min(1000, maxObjects - scanned) });
    scanned += listing.objects.length;
    const orphans = await findOrphans(db, listing.objects, options.now);
    if (orphans.length) {
      await env.MEDIA.delete(orphans);
      removed += orphans.length;
    }
    const last = listing.objects[listing.objects.length - 1];
    if (!listing.truncated || !last) {
      wrapped = true;
      break;
    }
    startAfter = last.key;
  }
  if (wrapped) await env.MEDIA.delete(SWEEP_CURSOR_KEY);
  else if (startAfter) await env.MEDIA.put(SWEEP_CURSOR_KEY, startAfter);
  if (removed) console.log(JSON.stringify({ level: 'info', msg: 'orphan sweep', scanned, removed }));
  return { scanned, removed, wrapped };
}

/** Removes uploads that were never completed before their expiry. Returns how many. */
export async function expireAbandonedUploads(env: Bindings, now = new Date()): Promise<number> {
  const db = createDb(env.DB);
  let removed = 0;
  for (const stale of await findExpiredUploads(db, now.toISOString())) {
    // The row names its profile; housekeeping acts in that profile only.
    const scope = scopeForVerifiedProfile(db, { profileId: stale.profileId });
    const gone = await removeSourceVideo(env, scope, stale.id, (row) => row.status === 'pending_upload');
    if (gone) removed++;
  }
  return removed;
}
