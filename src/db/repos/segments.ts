/**
 * Segments (time ranges of a source video), their project assignments and the counters derived
 * from them. Counters are never set by hand: every change that can move one recomputes it in the
 * same D1 batch (one transaction), from the rows themselves.
 *
 * - `source_videos.segments_count`: segments of the video.
 * - `segments.usage_count`: live clips (not in the trash) built from the segment, each clip counted
 *   once however many times it uses the segment. Assignments to projects are not usage: they are
 *   listed by `GET /segments/projects/{id}/segments`.
 *
 * D1 allows at most 100 bound parameters per statement, so id lists are cut into chunks of 90.
 */
import { type SQL, and, asc, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import { type SegmentTransforms, clips, projectSegments, segments, sourceVideos } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';
import { tagRowsStatements, taggedWith } from './tags.ts';

export type SegmentRow = typeof segments.$inferSelect;
export type ExtractStatus = SegmentRow['extractStatus'];

/** A segment with the name of its source video (what every response shows). */
export interface SegmentView {
  segment: SegmentRow;
  videoName: string;
}

const CHUNK = 90;
const now = () => new Date().toISOString();
const chunks = <T>(items: T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
type BatchItem = Parameters<ProfileScope['db']['batch']>[0][number];

// ─── Counters ────────────────────────────────────────────────────────────────────────────────

/** Recomputes `segments_count` of one video. */
export function recountVideoSegmentsStatement(scope: ProfileScope, videoId: string) {
  return scope.db
    .update(sourceVideos)
    .set({
      segmentsCount: sql`(SELECT count(*) FROM ${segments} WHERE ${segments.sourceVideoId} = ${sourceVideos.id} AND ${segments.profileId} = ${sourceVideos.profileId})`,
    })
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, videoId)));
}

const liveClipsUsing = sql`(SELECT count(*) FROM ${clips} WHERE ${clips.profileId} = ${segments.profileId} AND ${clips.isDeleted} = 0 AND EXISTS (SELECT 1 FROM json_each(${clips.segmentIds}) AS used WHERE used.value = ${segments.id}))`;

/** Recomputes `usage_count` of these segments (statements, for a batch). */
export function recountSegmentUsageStatements(scope: ProfileScope, segmentIds: string[]) {
  return chunks([...new Set(segmentIds)]).map((ids) =>
    scope.db
      .update(segments)
      .set({ usageCount: liveClipsUsing })
      .where(owned(segments, scope, inArray(segments.id, ids))),
  );
}

export async function recountSegmentUsage(scope: ProfileScope, segmentIds: string[]): Promise<void> {
  const statements = recountSegmentUsageStatements(scope, segmentIds);
  if (statements.length) await scope.db.batch(statements as unknown as [BatchItem, ...BatchItem[]]);
}

// ─── Create, read ────────────────────────────────────────────────────────────────────────────

export interface SegmentFields {
  startTime: number;
  endTime: number;
  keywords: string[];
  notes: string | null;
  transforms: SegmentTransforms | null;
}

/** Inserts the segment and recounts its video, in one transaction. */
export async function createSegment(scope: ProfileScope, videoId: string, fields: SegmentFields): Promise<SegmentRow> {
  const [[row]] = await scope.db.batch([
    scope.db
      .insert(segments)
      .values(stamped(scope, { id: newId('segment'), sourceVideoId: videoId, ...fields }))
      .returning(),
    recountVideoSegmentsStatement(scope, videoId),
  ]);
  return row!;
}

const viewColumns = { segment: segments, videoName: sourceVideos.name };
const withVideo = and(eq(sourceVideos.id, segments.sourceVideoId), eq(sourceVideos.profileId, segments.profileId));

export async function getSegmentView(scope: ProfileScope, id: string): Promise<SegmentView | undefined> {
  const [row] = await scope.db
    .select(viewColumns)
    .from(segments)
    .innerJoin(sourceVideos, withVideo)
    .where(owned(segments, scope, eq(segments.id, id)))
    .limit(1);
  return row;
}

export function getSegment(scope: ProfileScope, id: string): Promise<SegmentRow | undefined> {
  return scope.db.query.segments.findFirst({ where: owned(segments, scope, eq(segments.id, id)) });
}

/** A video's segments in time order (original: by start_time). */
export function listVideoSegments(scope: ProfileScope, videoId: string, tag?: string): Promise<SegmentView[]> {
  return scope.db
    .select(viewColumns)
    .from(segments)
    .innerJoin(sourceVideos, withVideo)
    .where(owned(segments, scope, eq(segments.sourceVideoId, videoId), taggedWith(scope, 'segment', tag)))
    .orderBy(asc(segments.startTime), asc(segments.id));
}

export interface SegmentFilters {
  keyword?: string;
  source_video_id?: string;
  favorites_only?: boolean;
  min_duration?: number;
  max_duration?: number;
  search?: string;
  tag?: string;
}

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The library view: newest first, filtered, cursor-paginated. */
export async function listLibrarySegments(scope: ProfileScope, f: SegmentFilters, page: PageQuery) {
  const duration = sql`(${segments.endTime} - ${segments.startTime})`;
  const conditions: (SQL | undefined)[] = [
    f.source_video_id ? eq(segments.sourceVideoId, f.source_video_id) : undefined,
    f.favorites_only ? eq(segments.isFavorite, true) : undefined,
    f.min_duration !== undefined ? gte(duration, f.min_duration) : undefined,
    f.max_duration !== undefined ? lte(duration, f.max_duration) : undefined,
    f.keyword
      ? sql`EXISTS (SELECT 1 FROM json_each(${segments.keywords}) AS kw WHERE lower(kw.value) = ${f.keyword.trim().toLowerCase()})`
      : undefined,
    f.search
      ? sql`lower(${segments.keywords} || ' ' || coalesce(${segments.notes}, '') || ' ' || ${sourceVideos.name}) LIKE ${likePattern(f.search.trim())} ESCAPE '\\'`
      : undefined,
    taggedWith(scope, 'segment', f.tag),
    page.cursor ? lt(segments.id, page.cursor) : undefined,
  ];
  const rows = await scope.db
    .select(viewColumns)
    .from(segments)
    .innerJoin(sourceVideos, withVideo)
    .where(owned(segments, scope, ...conditions))
    .orderBy(desc(segments.id))
    .limit(page.limit + 1);
  return toPage(
    rows.map((r) => ({ id: r.segment.id, ...r })),
    page.limit,
  );
}

/** The ids among `ids` that are segments of this profile. */
export async function ownedSegmentIds(scope: ProfileScope, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await scope.db
      .select({ id: segments.id })
      .from(segments)
      .where(owned(segments, scope, inArray(segments.id, part)));
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/** The profile's segments that have keywords (id and keywords only), for SRT matching: at most `limit`. */
export async function keywordSources(
  scope: ProfileScope,
  limit: number,
): Promise<{ id: string; sourceVideoId: string; keywords: string[] }[]> {
  const out: { id: string; sourceVideoId: string; keywords: string[] }[] = [];
  let after: string | undefined;
  for (;;) {
    const page = Math.min(1000, limit - out.length);
    const rows = await scope.db
      .select({ id: segments.id, sourceVideoId: segments.sourceVideoId, keywords: segments.keywords })
      .from(segments)
      .where(
        owned(
          segments,
          scope,
          sql`json_array_length(${segments.keywords}) > 0`,
          after ? sql`${segments.id} > ${after}` : undefined,
        ),
      )
      .orderBy(asc(segments.id))
      .limit(page);
    out.push(...rows);
    if (rows.length < page || out.length >= limit) return out;
    after = rows[rows.length - 1]!.id;
  }
}

// ─── Update, delete ──────────────────────────────────────────────────────────────────────────

export async function updateSegment(
  scope: ProfileScope,
  id: string,
  fields: Partial<typeof segments.$inferInsert>,
): Promise<SegmentRow | undefined> {
  const update = scope.db
    .update(segments)
    .set({ ...fields, updatedAt: now() })
    .where(owned(segments, scope, eq(segments.id, id)))
    .returning();
  if (!fields.tags) return (await update)[0];
  // The tag rows are rebuilt from the column this update writes, in the same transaction.
  const [clear, insert] = tagRowsStatements(scope, 'segment', id);
  const [rows] = await scope.db.batch([update, clear, insert]);
  return rows[0];
}

export async function toggleSegmentFavorite(scope: ProfileScope, id: string): Promise<SegmentRow | undefined> {
  const [row] = await scope.db
    .update(segments)
    .set({ isFavorite: sql`NOT ${segments.isFavorite}`, updatedAt: now() })
    .where(owned(segments, scope, eq(segments.id, id)))
    .returning();
  return row;
}

/** Deletes the segment (its assignments cascade) and recounts its video, in one transaction. */
export async function deleteSegment(scope: ProfileScope, id: string): Promise<SegmentRow | undefined> {
  const row = await getSegment(scope, id);
  if (!row) return undefined;
  const [deleted] = await scope.db.batch([
    scope.db
      .delete(segments)
      .where(owned(segments, scope, eq(segments.id, id)))
      .returning(),
    recountVideoSegmentsStatement(scope, row.sourceVideoId),
  ]);
  return deleted[0];
}

// ─── Extraction state ────────────────────────────────────────────────────────────────────────

/** none | ready | failed → extracting, in the same batch as the extract job. */
export function markExtractingStatement(scope: ProfileScope, id: string, mode: string) {
  return scope.db
    .update(segments)
    .set({ extractStatus: 'extracting', extractError: null, extractMode: mode, updatedAt: now() })
    .where(owned(segments, scope, eq(segments.id, id)));
}

/** The segment, as long as its times are still those a job worked from. */
const unchangedTimes = (scope: ProfileScope, id: string, times: { startTime: number; endTime: number }) =>
  owned(
    segments,
    scope,
    eq(segments.id, id),
    eq(segments.startTime, times.startTime),
    eq(segments.endTime, times.endTime),
  );

/**
 * Records a finished extraction, unless the segment's times changed meanwhile (the bytes would
 * show the old range): the caller passes the times it extracted.
 */
export async function markExtractReady(
  scope: ProfileScope,
  id: string,
  extracted: { startTime: number; endTime: number; key: string; mode: string; duration: number },
): Promise<SegmentRow | undefined> {
  const [row] = await scope.db
    .update(segments)
    .set({
      extractStatus: 'ready',
      extractError: null,
      extractedKey: extracted.key,
      extractMode: extracted.mode,
      extractedDuration: extracted.duration,
      updatedAt: now(),
    })
    .where(unchangedTimes(scope, id, extracted))
    .returning();
  return row;
}

export async function markExtractFailed(scope: ProfileScope, id: string, reason: string) {
  await scope.db
    .update(segments)
    .set({ extractStatus: 'failed', extractError: reason.slice(0, 2000), updatedAt: now() })
    .where(owned(segments, scope, eq(segments.id, id), eq(segments.extractStatus, 'extracting')));
}

export async function setSegmentThumbnail(
  scope: ProfileScope,
  id: string,
  key: string,
  times: { startTime: number; endTime: number },
) {
  const [row] = await scope.db
    .update(segments)
    .set({ thumbnailKey: key, updatedAt: now() })
    .where(unchangedTimes(scope, id, times))
    .returning({ id: segments.id });
  return row;
}

// ─── Project assignment ──────────────────────────────────────────────────────────────────────

/** Replaces the project's assignment with `segmentIds` (in order), in one transaction. */
export async function replaceProjectSegments(
  scope: ProfileScope,
  projectId: string,
  segmentIds: string[],
): Promise<void> {
  const rows = segmentIds.map((segmentId, i) =>
    stamped(scope, { id: newId('projectSegment'), projectId, segmentId, sequenceOrder: i, isManualSelection: true }),
  );
  const statements: BatchItem[] = [
    scope.db.delete(projectSegments).where(owned(projectSegments, scope, eq(projectSegments.projectId, projectId))),
  ];
  // 6 bound values per row: 15 rows per statement stays under D1's 100.
  for (const part of chunks(rows, 15)) statements.push(scope.db.insert(projectSegments).values(part));
  await scope.db.batch(statements as [BatchItem, ...BatchItem[]]);
}

export interface AssignedSegment extends SegmentView {
  sequenceOrder: number;
  /** Display properties of the source video, for planning cuts. */
  video: {
    id: string;
    duration: number | null;
    hasAudio: boolean | null;
    width: number | null;
    height: number | null;
    fps: number | null;
    status: string;
  };
}

/** The project's segments in sequence order, with their videos. */
export async function listProjectSegments(scope: ProfileScope, projectId: string): Promise<AssignedSegment[]> {
  const rows = await scope.db
    .select({
      segment: segments,
      videoName: sourceVideos.name,
      sequenceOrder: projectSegments.sequenceOrder,
      video: {
        id: sourceVideos.id,
        duration: sourceVideos.duration,
        hasAudio: sourceVideos.hasAudio,
        width: sourceVideos.width,
        height: sourceVideos.height,
        fps: sourceVideos.fps,
        status: sourceVideos.status,
      },
    })
    .from(projectSegments)
    .innerJoin(
      segments,
      and(eq(segments.id, projectSegments.segmentId), eq(segments.profileId, projectSegments.profileId)),
    )
    .innerJoin(sourceVideos, withVideo)
    .where(owned(projectSegments, scope, eq(projectSegments.projectId, projectId)))
    .orderBy(asc(projectSegments.sequenceOrder));
  return rows;
}

export async function countProjectSegments(scope: ProfileScope, projectId: string): Promise<number> {
  const [row] = await scope.db
    .select({ n: sql<number>`count(*)` })
    .from(projectSegments)
    .where(owned(projectSegments, scope, eq(projectSegments.projectId, projectId)));
  return row?.n ?? 0;
}

/** Segment ids used by these clips (for recounting usage after the clips change). */
export async function segmentIdsOfClips(scope: ProfileScope, clipIds: string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const part of chunks([...new Set(clipIds)])) {
    const rows = await scope.db
      .select({ segmentIds: clips.segmentIds })
      .from(clips)
      .where(owned(clips, scope, inArray(clips.id, part)));
    for (const r of rows) for (const s of r.segmentIds) ids.add(s);
  }
  return [...ids];
}
