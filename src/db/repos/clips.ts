/** Clips (generated variants) and their content, profile-scoped. */
import { and, asc, desc, eq, inArray, isNotNull, like, lt, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Database } from '../client.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import {
  type SubtitleSettings,
  clipContent,
  clips,
  type finalStatuses,
  type postizStatuses,
  projects,
} from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';
import { tagRowsStatements, taggedWith } from './tags.ts';

export type ClipRow = typeof clips.$inferSelect;
export type ClipContentRow = typeof clipContent.$inferSelect;
export type ClipInsert = Omit<typeof clips.$inferInsert, 'id' | 'profileId' | 'createdAt' | 'updatedAt'>;

const now = () => new Date().toISOString();

export function getClip(
  scope: ProfileScope,
  id: string,
  opts: { includeDeleted?: boolean } = {},
): Promise<ClipRow | undefined> {
  return scope.db.query.clips.findFirst({
    where: owned(clips, scope, eq(clips.id, id), opts.includeDeleted ? undefined : eq(clips.isDeleted, false)),
  });
}

export function getClipContent(scope: ProfileScope, clipId: string): Promise<ClipContentRow | undefined> {
  return scope.db.query.clipContent.findFirst({ where: owned(clipContent, scope, eq(clipContent.clipId, clipId)) });
}

/** The ids among `ids` that exist (not deleted) in the scope's profile. */
export async function ownedClipIds(
  scope: ProfileScope,
  ids: string[],
  opts: { includeDeleted?: boolean } = {},
): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await scope.db
    .select({ id: clips.id })
    .from(clips)
    .where(owned(clips, scope, inArray(clips.id, ids), opts.includeDeleted ? undefined : eq(clips.isDeleted, false)));
  return new Set(rows.map((r) => r.id));
}

export function listProjectClips(
  scope: ProfileScope,
  projectId: string,
  includeDeleted: boolean,
  tag?: string,
): Promise<ClipRow[]> {
  return scope.db.query.clips.findMany({
    where: owned(
      clips,
      scope,
      eq(clips.projectId, projectId),
      includeDeleted ? undefined : eq(clips.isDeleted, false),
      taggedWith(scope, 'clip', tag),
    ),
    orderBy: asc(clips.variantIndex),
  });
}

export interface ClipFilters {
  project_id?: string;
  is_selected?: boolean;
  final_status?: (typeof finalStatuses)[number];
  postiz_status?: (typeof postizStatuses)[number];
  has_subtitles?: boolean;
  has_voiceover?: boolean;
  search?: string;
  deleted?: boolean;
  tag?: string;
}

export interface ClipListItem {
  clip: ClipRow;
  projectName: string;
  hasSubtitles: boolean;
  hasVoiceover: boolean;
}

const hasSubtitlesSql = sql<number>`exists(SELECT 1 FROM ${clipContent} WHERE ${clipContent.clipId} = ${clips.id} AND ${clipContent.srtContent} IS NOT NULL AND ${clipContent.srtContent} <> '')`;
const hasVoiceoverSql = sql<number>`exists(SELECT 1 FROM ${clipContent} WHERE ${clipContent.clipId} = ${clips.id} AND ${clipContent.ttsText} IS NOT NULL AND ${clipContent.ttsText} <> '')`;

export async function listAllClips(scope: ProfileScope, f: ClipFilters, page: PageQuery) {
  const rows = await scope.db
    .select({ clip: clips, projectName: projects.name, hasSubtitles: hasSubtitlesSql, hasVoiceover: hasVoiceoverSql })
    .from(clips)
    .innerJoin(projects, and(eq(projects.id, clips.projectId), eq(projects.profileId, clips.profileId)))
    .where(
      owned(
        clips,
        scope,
        eq(clips.isDeleted, f.deleted ?? false),
        f.project_id ? eq(clips.projectId, f.project_id) : undefined,
        f.is_selected !== undefined ? eq(clips.isSelected, f.is_selected) : undefined,
        f.final_status ? eq(clips.finalStatus, f.final_status) : undefined,
        f.postiz_status ? eq(clips.postizStatus, f.postiz_status) : undefined,
        f.has_subtitles !== undefined ? sql`${hasSubtitlesSql} = ${f.has_subtitles ? 1 : 0}` : undefined,
        f.has_voiceover !== undefined ? sql`${hasVoiceoverSql} = ${f.has_voiceover ? 1 : 0}` : undefined,
        f.search
          ? like(
              sql`lower(coalesce(${clips.variantName}, '') || ' ' || ${projects.name})`,
              `%${f.search.toLowerCase().replace(/[%_]/g, '')}%`,
            )
          : undefined,
        taggedWith(scope, 'clip', f.tag),
        page.cursor ? lt(clips.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(clips.id))
    .limit(page.limit + 1);
  const items: (ClipListItem & { id: string })[] = rows.map((r) => ({
    id: r.clip.id,
    clip: r.clip,
    projectName: r.projectName,
    hasSubtitles: Boolean(r.hasSubtitles),
    hasVoiceover: Boolean(r.hasVoiceover),
  }));
  return toPage(items, page.limit);
}

export async function updateClip(
  scope: ProfileScope,
  id: string,
  fields: Partial<ClipInsert>,
): Promise<ClipRow | undefined> {
  const update = scope.db
    .update(clips)
    .set({ ...fields, updatedAt: now() })
    .where(owned(clips, scope, eq(clips.id, id)))
    .returning();
  if (!fields.tags) return (await update)[0];
  // The tag rows are rebuilt from the column this update writes, in the same transaction.
  const [clear, insert] = tagRowsStatements(scope, 'clip', id);
  const [rows] = await scope.db.batch([update, clear, insert]);
  return rows[0];
}

export function updateClipStatement(scope: ProfileScope, id: string, fields: Partial<ClipInsert>) {
  return scope.db
    .update(clips)
    .set({ ...fields, updatedAt: now() })
    .where(owned(clips, scope, eq(clips.id, id)));
}

/** Sets `is_selected` on owned, non-deleted clips; returns the affected rows' project ids. */
export async function setClipsSelected(scope: ProfileScope, ids: string[], selected: boolean): Promise<string[]> {
  const rows = await scope.db
    .update(clips)
    .set({ isSelected: selected, updatedAt: now() })
    .where(owned(clips, scope, inArray(clips.id, ids), eq(clips.isDeleted, false)))
    .returning({ projectId: clips.projectId });
  return rows.map((r) => r.projectId);
}

export async function setClipsDeleted(scope: ProfileScope, ids: string[], deleted: boolean): Promise<ClipRow[]> {
  return scope.db
    .update(clips)
    .set({
      isDeleted: deleted,
      deletedAt: deleted ? now() : null,
      isSelected: deleted ? false : undefined,
      updatedAt: now(),
    })
    .where(owned(clips, scope, inArray(clips.id, ids), eq(clips.isDeleted, !deleted)))
    .returning();
}

export async function purgeClip(scope: ProfileScope, id: string): Promise<ClipRow | undefined> {
  const [row] = await scope.db
    .delete(clips)
    .where(owned(clips, scope, eq(clips.id, id)))
    .returning();
  return row;
}

/** Profiles with clips soft-deleted before `cutoffIso` (system-wide, for the trash retention). */
export async function profilesWithTrashBefore(db: Database, cutoffIso: string, limit = 100): Promise<string[]> {
  const rows = await db
    .selectDistinct({ profileId: clips.profileId })
    .from(clips)
    .where(and(eq(clips.isDeleted, true), isNotNull(clips.deletedAt), lt(clips.deletedAt, cutoffIso)))
    .limit(limit);
  return rows.map((r) => r.profileId);
}

/** Clips soft-deleted before `cutoffIso`, for the trash purge. */
export function trashedBefore(scope: ProfileScope, cutoffIso: string, limit = 100) {
  return scope.db.query.clips.findMany({
    where: owned(clips, scope, eq(clips.isDeleted, true), isNotNull(clips.deletedAt), lt(clips.deletedAt, cutoffIso)),
    limit,
  });
}

export interface ContentFields {
  ttsText?: string | null;
  ttsVoiceId?: string | null;
  srtContent?: string | null;
  subtitleSettings?: SubtitleSettings | null;
  ttsAudioKey?: string | null;
}

export async function upsertClipContent(
  scope: ProfileScope,
  clipId: string,
  fields: ContentFields,
): Promise<ClipContentRow> {
  const [row] = await scope.db
    .insert(clipContent)
    .values(stamped(scope, { id: newId('clipContent'), clipId, ...fields }))
    .onConflictDoUpdate({
      target: clipContent.clipId,
      set: { ...fields, updatedAt: now() },
      setWhere: eq(clipContent.profileId, scope.profileId),
    })
    .returning();
  return row!;
}

export async function nextVariantIndex(scope: ProfileScope, projectId: string): Promise<number> {
  const [row] = await scope.db
    .select({ max: sql<number | null>`max(${clips.variantIndex})` })
    .from(clips)
    .where(owned(clips, scope, eq(clips.projectId, projectId)));
  return (row?.max ?? 0) + 1;
}

export async function insertClip(scope: ProfileScope, values: ClipInsert & { id?: string }): Promise<ClipRow> {
  const [row] = await scope.db
    .insert(clips)
    .values(stamped(scope, { id: values.id ?? newId('clip'), ...values }))
    .onConflictDoNothing({ target: [clips.projectId, clips.variantIndex] })
    .returning();
  if (row) return row;
  // Redelivered generation: the variant already exists; hand back the existing row.
  const existing = await scope.db.query.clips.findFirst({
    where: owned(clips, scope, eq(clips.projectId, values.projectId), eq(clips.variantIndex, values.variantIndex)),
  });
  return existing!;
}

/**
 * Forgets every clip's Postiz media of the profile (the connection changed: media uploaded to
 * another Postiz organisation cannot be attached to this one's posts).
 */
export async function clearPostizMedia(scope: ProfileScope): Promise<void> {
  await scope.db
    .update(clips)
    .set({ postizMediaId: null, postizMediaPath: null, postizMediaSource: null, updatedAt: now() })
    .where(owned(clips, scope, isNotNull(clips.postizMediaId)));
}

/** For each project, its first live clip that has a thumbnail (the project's cover), by variant index. */
export async function coverClips(scope: ProfileScope, projectIds: string[]): Promise<Map<string, string>> {
  const covers = new Map<string, string>();
  const ids = [...new Set(projectIds)];
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await scope.db
      .select({ projectId: clips.projectId, id: clips.id })
      .from(clips)
      .where(
        owned(
          clips,
          scope,
          inArray(clips.projectId, ids.slice(i, i + 90)),
          eq(clips.isDeleted, false),
          isNotNull(clips.thumbnailKey),
        ),
      )
      .orderBy(asc(clips.variantIndex));
    for (const r of rows) if (!covers.has(r.projectId)) covers.set(r.projectId, r.id);
  }
  return covers;
}
