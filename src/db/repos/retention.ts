/**
 * Retention queries (src/housekeeping/retention.ts, docs/api.md#retention): what a profile's policy and
 * the scheduled deletion dates make due, each with what still needs it (`held_by`, null = free to
 * go). The "needed" rules live here, in SQL, so the dry run and the real run cannot disagree.
 */
import { type SQL, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { housekeepingCursors, jobs, segments, sourceVideos } from '../schema.ts';
import { type ProfileScope, owned } from '../scope.ts';

export const sourceHolds = ['active_job', 'project_source', 'project_segments', 'clip_segments', 'brand_kit'] as const;
export const clipHolds = ['active_job', 'scheduled_publication'] as const;
export const jobHolds = ['active_job'] as const;

export interface DueRow {
  id: string;
  name: string | null;
  reason: 'delete_after' | 'unused' | 'trash_expired' | 'outputs_expired';
  /** The date the reason counts from: the scheduled date, the last use, the trashing, the finish. */
  since: string;
  held_by: string | null;
}

export interface DueClipRow extends DueRow {
  project_id: string;
  segment_ids: string;
}

export interface DueJobRow extends DueRow {
  output_keys: string;
}

/** Cutoffs as ISO times; null = that rule is off for the profile. */
export interface RetentionCutoffs {
  now: string;
  sourceUnusedBefore: string | null;
  outputsFinishedBefore: string | null;
  trashedBefore: string;
}

const ACTIVE = sql`('pending', 'running')`;

/** `held` picks the due rows still needed (for the report) or the free ones (to delete). */
const heldFilter = (held: boolean) => (held ? sql`held_by IS NOT NULL` : sql`held_by IS NULL`);

export function dueSourceVideos(scope: ProfileScope, c: RetentionCutoffs, held: boolean, limit: number) {
  // What clips and projects use is gathered once per query (not once per candidate video): a clip's
  // segment list is JSON, and projects.source_video_id has no index of its own.
  return scope.db.all<DueRow>(sql`
    WITH clip_segments(id) AS MATERIALIZED (
      SELECT DISTINCT e.value FROM clips k, json_each(k.segment_ids) e WHERE k.profile_id = ${scope.profileId}
    ), project_sources(id) AS MATERIALIZED (
      SELECT DISTINCT source_video_id FROM projects WHERE profile_id = ${scope.profileId} AND source_video_id IS NOT NULL
    )
    SELECT * FROM (
      SELECT s.id, s.name,
        CASE WHEN s.delete_after IS NOT NULL AND s.delete_after <= ${c.now} THEN 'delete_after' ELSE 'unused' END AS reason,
        CASE WHEN s.delete_after IS NOT NULL AND s.delete_after <= ${c.now} THEN s.delete_after
             ELSE coalesce(s.last_used_at, s.created_at) END AS since,
        CASE
          WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.profile_id = s.profile_id AND j.status IN ${ACTIVE}
                       AND (j.resource_id = s.id OR instr(j.input, s.id) > 0)) THEN 'active_job'
          WHEN EXISTS (SELECT 1 FROM jobs j JOIN segments g ON g.profile_id = j.profile_id
                       WHERE j.profile_id = s.profile_id AND j.status IN ${ACTIVE} AND g.source_video_id = s.id
                       AND (j.resource_id = g.id OR instr(j.input, g.id) > 0)) THEN 'active_job'
          WHEN s.id IN project_sources THEN 'project_source'
          WHEN EXISTS (SELECT 1 FROM segments g JOIN project_segments ps
                         ON ps.profile_id = g.profile_id AND ps.segment_id = g.id
                       WHERE g.profile_id = s.profile_id AND g.source_video_id = s.id) THEN 'project_segments'
          WHEN EXISTS (SELECT 1 FROM segments g WHERE g.profile_id = s.profile_id AND g.source_video_id = s.id
                       AND g.id IN clip_segments) THEN 'clip_segments'
          WHEN EXISTS (SELECT 1 FROM brand_kits b WHERE b.profile_id = s.profile_id
                       AND (b.intro_id = s.id OR b.outro_id = s.id)) THEN 'brand_kit'
        END AS held_by
      FROM source_videos s
      WHERE s.profile_id = ${scope.profileId} AND s.status IN ('ready', 'failed')
        AND ((s.delete_after IS NOT NULL AND s.delete_after <= ${c.now})
          OR (${c.sourceUnusedBefore} IS NOT NULL AND coalesce(s.last_used_at, s.created_at) < ${c.sourceUnusedBefore}))
    ) WHERE ${heldFilter(held)} ORDER BY id LIMIT ${limit}`);
}

export function dueClips(scope: ProfileScope, c: RetentionCutoffs, held: boolean, limit: number) {
  return scope.db.all<DueClipRow>(sql`
    SELECT * FROM (
      SELECT k.id, k.variant_name AS name, k.project_id, k.segment_ids,
        CASE WHEN k.delete_after IS NOT NULL AND k.delete_after <= ${c.now} THEN 'delete_after' ELSE 'trash_expired' END AS reason,
        CASE WHEN k.delete_after IS NOT NULL AND k.delete_after <= ${c.now} THEN k.delete_after ELSE k.deleted_at END AS since,
        CASE
          WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.profile_id = k.profile_id AND j.status IN ${ACTIVE}
                       AND (j.resource_id = k.id OR instr(j.input, k.id) > 0)) THEN 'active_job'
          WHEN EXISTS (SELECT 1 FROM publications p WHERE p.profile_id = k.profile_id AND p.clip_id = k.id
                       AND p.status IN ('pending', 'scheduled')) THEN 'scheduled_publication'
          WHEN k.postiz_status = 'scheduled' AND k.postiz_scheduled_at > ${c.now} THEN 'scheduled_publication'
        END AS held_by
      FROM clips k
      WHERE k.profile_id = ${scope.profileId}
        AND ((k.delete_after IS NOT NULL AND k.delete_after <= ${c.now})
          OR (k.is_deleted = 1 AND k.deleted_at IS NOT NULL AND k.deleted_at < ${c.trashedBefore}))
    ) WHERE ${heldFilter(held)} ORDER BY id LIMIT ${limit}`);
}

/** Finished jobs scheduled for deletion, or with outputs older than the output retention. */
export function dueJobs(scope: ProfileScope, c: RetentionCutoffs, held: boolean, limit: number) {
  return scope.db.all<DueJobRow>(sql`
    SELECT * FROM (
      SELECT j.id, j.type AS name, j.output_keys,
        CASE WHEN j.delete_after IS NOT NULL AND j.delete_after <= ${c.now} THEN 'delete_after' ELSE 'outputs_expired' END AS reason,
        CASE WHEN j.delete_after IS NOT NULL AND j.delete_after <= ${c.now} THEN j.delete_after
             ELSE coalesce(j.finished_at, j.updated_at) END AS since,
        CASE
          WHEN EXISTS (SELECT 1 FROM jobs a WHERE a.profile_id = j.profile_id AND a.status IN ${ACTIVE}
                       AND a.id <> j.id AND instr(a.input, j.id) > 0) THEN 'active_job'
        END AS held_by
      FROM jobs j
      WHERE j.profile_id = ${scope.profileId} AND j.status IN ('completed', 'failed', 'cancelled')
        AND ((j.delete_after IS NOT NULL AND j.delete_after <= ${c.now})
          OR (${c.outputsFinishedBefore} IS NOT NULL AND j.output_keys <> '[]'
              AND coalesce(j.finished_at, j.updated_at) < ${c.outputsFinishedBefore}))
    ) WHERE ${heldFilter(held)} ORDER BY id LIMIT ${limit}`);
}

/**
 * System-wide (hourly run): profiles that may have something due, in id order after `after` (the
 * rotation's cursor). A profile with its own retention settings is always a candidate; others only
 * when a scheduled date passed or their trash or unused sources passed the deployment's limits.
 */
export async function profilesWithRetentionWork(
  db: Database,
  c: Pick<RetentionCutoffs, 'now' | 'trashedBefore' | 'sourceUnusedBefore' | 'outputsFinishedBefore'>,
  limit: number,
  after = '',
): Promise<string[]> {
  // Separate queries (D1 caps the terms of a compound SELECT), each bounded, merged here: the
  // `limit` smallest ids of their union are among the `limit` smallest of each.
  const queries = [
    sql`SELECT DISTINCT profile_id FROM source_videos WHERE delete_after IS NOT NULL AND delete_after <= ${c.now}`,
    sql`SELECT DISTINCT profile_id FROM clips WHERE delete_after IS NOT NULL AND delete_after <= ${c.now}`,
    sql`SELECT DISTINCT profile_id FROM jobs WHERE delete_after IS NOT NULL AND delete_after <= ${c.now}`,
    sql`SELECT DISTINCT profile_id FROM clips WHERE is_deleted = 1 AND deleted_at IS NOT NULL AND deleted_at < ${c.trashedBefore}`,
    sql`SELECT id AS profile_id FROM profiles WHERE (source_retention_days IS NOT NULL
      OR output_retention_days IS NOT NULL OR trash_retention_days IS NOT NULL)`,
  ];
  if (c.sourceUnusedBefore)
    queries.push(sql`SELECT DISTINCT profile_id FROM source_videos WHERE status IN ('ready', 'failed')
      AND coalesce(last_used_at, created_at) < ${c.sourceUnusedBefore}`);
  if (c.outputsFinishedBefore)
    queries.push(sql`SELECT DISTINCT profile_id FROM jobs WHERE output_keys <> '[]'
      AND status IN ('completed', 'failed', 'cancelled') AND coalesce(finished_at, updated_at) < ${c.outputsFinishedBefore}`);
  const found = new Set<string>();
  for (const query of queries) {
    const rows = await db.all<{ profile_id: string }>(
      sql`SELECT profile_id FROM (${query}) WHERE profile_id > ${after} ORDER BY profile_id LIMIT ${limit}`,
    );
    for (const r of rows) found.add(r.profile_id);
  }
  return [...found].sort().slice(0, limit);
}

/** Where the deployment-wide pass `name` stopped last time ('' = start from the first profile). */
export async function readHousekeepingCursor(db: Database, name: string): Promise<string> {
  const row = await db.query.housekeepingCursors.findFirst({ where: eq(housekeepingCursors.name, name) });
  return row?.after ?? '';
}

export async function saveHousekeepingCursor(db: Database, name: string, after: string): Promise<void> {
  await db
    .insert(housekeepingCursors)
    .values({ name, after })
    .onConflictDoUpdate({ target: housekeepingCursors.name, set: { after, updatedAt: new Date().toISOString() } });
}

/** Records a use (a download) of one source video. */
export async function touchSourceVideo(scope: ProfileScope, id: string): Promise<void> {
  await scope.db
    .update(sourceVideos)
    .set({ lastUsedAt: new Date().toISOString() })
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)));
}

/** D1 binds at most 100 parameters per statement: ids go in chunks below that. */
const IDS_PER_STATEMENT = 90;

/**
 * Records a use of source videos: those named in `text` (a job's input and resource id), directly
 * (`vid_…`) or through their segments (`seg_…`). Statements for the batch that inserts the job.
 */
export function touchSourceVideosStatements(scope: ProfileScope, text: string, at = new Date().toISOString()) {
  const ids = [...new Set(text.match(/\b(?:vid|seg)_[0-9a-z]{26}\b/g) ?? [])];
  const chunks = (xs: string[]) =>
    Array.from({ length: Math.ceil(xs.length / IDS_PER_STATEMENT) }, (_, i) =>
      xs.slice(i * IDS_PER_STATEMENT, (i + 1) * IDS_PER_STATEMENT),
    );
  const touch = (where: SQL) =>
    scope.db
      .update(sourceVideos)
      .set({ lastUsedAt: at })
      .where(owned(sourceVideos, scope, where));
  return [
    ...chunks(ids.filter((id) => id.startsWith('vid_'))).map((chunk) => touch(inArray(sourceVideos.id, chunk))),
    ...chunks(ids.filter((id) => id.startsWith('seg_'))).map((chunk) =>
      touch(
        inArray(
          sourceVideos.id,
          scope.db
            .select({ id: segments.sourceVideoId })
            .from(segments)
            .where(owned(segments, scope, inArray(segments.id, chunk))),
        ),
      ),
    ),
  ];
}

/** Sets or clears a job's scheduled deletion; the updated row, or undefined when not the profile's. */
export async function setJobDeleteAfter(scope: ProfileScope, id: string, deleteAfter: string | null) {
  const [row] = await scope.db
    .update(jobs)
    .set({ deleteAfter, updatedAt: new Date().toISOString() })
    .where(owned(jobs, scope, eq(jobs.id, id)))
    .returning();
  return row;
}
