/**
 * Source videos and the parts of their open multipart uploads. Status moves
 * pending_upload → processing → ready | failed; every transition is guarded by the status it
 * leaves, so a late or repeated call (redelivered job, double "complete") changes nothing.
 */
import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import { type SourceVideoStatus, segments, sourceVideos, uploadParts } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';
import { tagRowsStatements, taggedWith } from './tags.ts';
import { withEvents } from './webhook-events.ts';

export type SourceVideoRow = typeof sourceVideos.$inferSelect;
export type UploadPartRow = typeof uploadParts.$inferSelect;
/** A row without the large JSON columns (waveform, voice): what lists and most routes need. */
export type SourceVideoSummary = Omit<SourceVideoRow, 'waveform' | 'voice'>;

const now = () => new Date().toISOString();

const { waveform: _waveform, voice: _voice, ...summaryColumns } = getTableColumns(sourceVideos);

export interface NewSourceVideo {
  id: string;
  name: string;
  description: string | null;
  contentType: string;
  declaredSizeBytes: number;
  originalFilename: string | null;
  storageKey: string;
  multipartUploadId?: string | null;
  partSizeBytes?: number | null;
  uploadExpiresAt: string | null;
  maxDurationSeconds?: number | null;
  /** URL imports: where the bytes come from. */
  importUrl?: string | null;
}

export async function insertSourceVideo(scope: ProfileScope, values: NewSourceVideo): Promise<SourceVideoRow> {
  const [row] = await scope.db
    .insert(sourceVideos)
    .values(stamped(scope, { ...values, status: 'pending_upload' as const }))
    .returning();
  return row!;
}

export function getSourceVideo(scope: ProfileScope, id: string): Promise<SourceVideoRow | undefined> {
  return scope.db.query.sourceVideos.findFirst({ where: owned(sourceVideos, scope, eq(sourceVideos.id, id)) });
}

export async function getSourceVideoSummary(scope: ProfileScope, id: string): Promise<SourceVideoSummary | undefined> {
  const [row] = await scope.db
    .select(summaryColumns)
    .from(sourceVideos)
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)))
    .limit(1);
  return row;
}

export async function listSourceVideos(
  scope: ProfileScope,
  filters: { status?: SourceVideoStatus; tag?: string },
  page: PageQuery,
) {
  const rows = await scope.db
    .select(summaryColumns)
    .from(sourceVideos)
    .where(
      owned(
        sourceVideos,
        scope,
        filters.status ? eq(sourceVideos.status, filters.status) : undefined,
        taggedWith(scope, 'source_video', filters.tag),
        page.cursor ? lt(sourceVideos.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(sourceVideos.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export async function updateSourceVideoDetails(
  scope: ProfileScope,
  id: string,
  values: { name?: string; description?: string | null; tags?: string[]; deleteAfter?: string | null },
): Promise<SourceVideoSummary | undefined> {
  const update = scope.db
    .update(sourceVideos)
    .set({ ...values, updatedAt: now() })
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)))
    .returning(summaryColumns);
  if (!values.tags) return (await update)[0];
  // The tag rows are rebuilt from the column this update writes, in the same transaction.
  const [clear, insert] = tagRowsStatements(scope, 'source_video', id);
  const [rows] = await scope.db.batch([update, clear, insert]);
  return rows[0];
}

/** pending_upload → processing, in the same batch as the probe job (see `enqueueJob` `alongside`). */
export function markProcessingStatement(
  scope: ProfileScope,
  id: string,
  values: { fileSizeBytes: number; contentType: string },
) {
  return scope.db
    .update(sourceVideos)
    .set({
      status: 'processing',
      fileSizeBytes: values.fileSizeBytes,
      contentType: values.contentType,
      multipartUploadId: null,
      uploadExpiresAt: null,
      errorCode: null,
      errorMessage: null,
      updatedAt: now(),
    })
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id), eq(sourceVideos.status, 'pending_upload')));
}

/** Any non-terminal state → failed with a reason. Returns the row when it changed. */
export async function markSourceVideoFailed(
  scope: ProfileScope,
  id: string,
  code: string,
  message: string,
  from: SourceVideoStatus[] = ['pending_upload', 'processing'],
) {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(sourceVideos)
      .set({
        status: 'failed',
        errorCode: code,
        errorMessage: message.slice(0, 2000),
        multipartUploadId: null,
        uploadExpiresAt: null,
        updatedAt: now(),
      })
      .where(owned(sourceVideos, scope, eq(sourceVideos.id, id), inArray(sourceVideos.status, from)))
      .returning({ id: sourceVideos.id }),
    [{ type: 'source_video.failed', id }],
  );
  return row;
}

export interface ProbedMetadata {
  duration: number;
  width: number;
  height: number;
  fps: number;
  rotation: number;
  videoCodec: string | null;
  audioCodec: string | null;
  hasAudio: boolean;
  bitRate: number | null;
  fileSizeBytes: number;
  thumbnailKey: string | null;
  waveform: number[];
}

/** processing → ready with everything the probe found. */
export async function markSourceVideoReady(scope: ProfileScope, id: string, meta: ProbedMetadata) {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(sourceVideos)
      .set({ ...meta, status: 'ready', errorCode: null, errorMessage: null, updatedAt: now() })
      .where(owned(sourceVideos, scope, eq(sourceVideos.id, id), eq(sourceVideos.status, 'processing')))
      .returning({ id: sourceVideos.id }),
    [{ type: 'source_video.ready', id }],
  );
  return row;
}

export async function setVoiceDetection(scope: ProfileScope, id: string, voice: NonNullable<SourceVideoRow['voice']>) {
  await scope.db
    .update(sourceVideos)
    .set({ voice, updatedAt: now() })
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)));
}

export async function getVoiceDetection(scope: ProfileScope, id: string) {
  const [row] = await scope.db
    .select({ voice: sourceVideos.voice, status: sourceVideos.status, duration: sourceVideos.duration })
    .from(sourceVideos)
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)))
    .limit(1);
  return row;
}

export async function getWaveform(scope: ProfileScope, id: string) {
  const [row] = await scope.db
    .select({ waveform: sourceVideos.waveform, status: sourceVideos.status, duration: sourceVideos.duration })
    .from(sourceVideos)
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)))
    .limit(1);
  return row;
}

/** Ids of the video's segments (their objects are removed with the video's). */
export async function segmentIdsOf(scope: ProfileScope, videoId: string): Promise<string[]> {
  const rows = await scope.db
    .select({ id: segments.id })
    .from(segments)
    .where(owned(segments, scope, eq(segments.sourceVideoId, videoId)));
  return rows.map((r) => r.id);
}

/**
 * Deletes the video row, its segments and upload parts in one transaction (D1 batch). Objects are
 * removed by the caller afterwards: a failure in between leaves only orphaned objects, which the
 * orphan sweep removes, never rows that point at missing objects.
 */
export async function deleteSourceVideoRows(scope: ProfileScope, id: string): Promise<SourceVideoSummary | undefined> {
  const [, , deleted] = await scope.db.batch([
    scope.db.delete(uploadParts).where(owned(uploadParts, scope, eq(uploadParts.sourceVideoId, id))),
    scope.db.delete(segments).where(owned(segments, scope, eq(segments.sourceVideoId, id))),
    scope.db
      .delete(sourceVideos)
      .where(owned(sourceVideos, scope, eq(sourceVideos.id, id)))
      .returning(summaryColumns),
  ]);
  return deleted[0];
}

// ─── Multipart upload parts ──────────────────────────────────────────────────────────────────

/**
 * Each part is received once. A PUT first claims its part number (a row with no etag yet, holding
 * the claim token); a second PUT of the same part finds the claim and is refused. A claim left by
 * a request that died mid-body can be taken over once it is older than `staleBeforeIso`.
 * Returns whether this claim holds the part.
 */
export async function claimUploadPart(
  scope: ProfileScope,
  videoId: string,
  partNumber: number,
  claim: string,
  staleBeforeIso: string,
): Promise<boolean> {
  const rows = await scope.db
    .insert(uploadParts)
    .values(stamped(scope, { sourceVideoId: videoId, partNumber, etag: '', sizeBytes: 0, claim }))
    .onConflictDoUpdate({
      target: [uploadParts.sourceVideoId, uploadParts.partNumber],
      set: { claim, createdAt: now() },
      setWhere: and(eq(uploadParts.etag, ''), lt(uploadParts.createdAt, staleBeforeIso)),
    })
    .returning({ claim: uploadParts.claim });
  return rows[0]?.claim === claim;
}

/** Records the part R2 accepted under this claim; false when the claim was taken over meanwhile. */
export async function recordUploadPart(
  scope: ProfileScope,
  videoId: string,
  claim: string,
  part: { partNumber: number; etag: string; sizeBytes: number },
): Promise<boolean> {
  const rows = await scope.db
    .update(uploadParts)
    .set({ etag: part.etag, sizeBytes: part.sizeBytes, claim: null, createdAt: now() })
    .where(partClaimed(scope, videoId, part.partNumber, claim))
    .returning({ partNumber: uploadParts.partNumber });
  return rows.length === 1;
}

/** Gives a part back after its bytes did not arrive, so the client can send it again. */
export async function releaseUploadPart(scope: ProfileScope, videoId: string, partNumber: number, claim: string) {
  await scope.db.delete(uploadParts).where(partClaimed(scope, videoId, partNumber, claim));
}

const partClaimed = (scope: ProfileScope, videoId: string, partNumber: number, claim: string) =>
  owned(
    uploadParts,
    scope,
    eq(uploadParts.sourceVideoId, videoId),
    eq(uploadParts.partNumber, partNumber),
    eq(uploadParts.claim, claim),
  );

/** The parts received (claims still receiving their bytes are not parts yet). */
export function listUploadParts(scope: ProfileScope, videoId: string): Promise<UploadPartRow[]> {
  return scope.db.query.uploadParts.findMany({
    where: owned(uploadParts, scope, eq(uploadParts.sourceVideoId, videoId), isNull(uploadParts.claim)),
    orderBy: uploadParts.partNumber,
  });
}

export async function clearUploadParts(scope: ProfileScope, videoId: string) {
  await scope.db.delete(uploadParts).where(owned(uploadParts, scope, eq(uploadParts.sourceVideoId, videoId)));
}

// ─── URL imports ─────────────────────────────────────────────────────────────────────────────

/** Records the multipart upload an import writes into (and the origin's validator of its bytes). */
export async function setImportUpload(
  scope: ProfileScope,
  id: string,
  values: { multipartUploadId: string | null; partSizeBytes: number | null; importValidator: string | null },
): Promise<boolean> {
  const rows = await scope.db
    .update(sourceVideos)
    .set({ ...values, updatedAt: now() })
    .where(owned(sourceVideos, scope, eq(sourceVideos.id, id), eq(sourceVideos.status, 'pending_upload')))
    .returning({ id: sourceVideos.id });
  return rows.length === 1;
}

/** A part an import stored in R2 (a resumed import continues after the parts recorded here). */
export async function recordImportedPart(
  scope: ProfileScope,
  videoId: string,
  part: { partNumber: number; etag: string; sizeBytes: number },
) {
  await scope.db
    .insert(uploadParts)
    .values(stamped(scope, { sourceVideoId: videoId, ...part, claim: null }))
    .onConflictDoUpdate({
      target: [uploadParts.sourceVideoId, uploadParts.partNumber],
      set: { etag: part.etag, sizeBytes: part.sizeBytes, claim: null, createdAt: now() },
    });
}

// ─── Housekeeping (system-wide; each result names its profile) ───────────────────────────────

/** Uploads past their expiry that never completed: {profile, id} pairs for scoped cleanup. */
export function findExpiredUploads(db: Database, nowIso: string, limit = 100) {
  return db
    .select({ profileId: sourceVideos.profileId, id: sourceVideos.id })
    .from(sourceVideos)
    .where(
      and(
        eq(sourceVideos.status, 'pending_upload'),
        isNotNull(sourceVideos.uploadExpiresAt),
        lt(sourceVideos.uploadExpiresAt, nowIso),
      ),
    )
    .limit(limit);
}

export const countUploadedBytes = (parts: UploadPartRow[]) => parts.reduce((sum, p) => sum + p.sizeBytes, 0);
