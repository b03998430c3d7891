/**
 * Tags of source videos, segments and clips. Each resource keeps its tags twice, always together:
 * its `tags` column (what presenters show, no extra query) and one row per tag in its `*_tags`
 * table (what `?tag=` filters by: an index lookup on `(profile_id, tag, id)`, never a JSON scan).
 * Updates write both in one D1 batch (`tagRowsStatements`), the rows derived from the column just
 * written.
 */
import { type SQL, and, eq, inArray, sql } from 'drizzle-orm';
import { clipTags, clips, segmentTags, segments, sourceVideoTags, sourceVideos } from '../schema.ts';
import type { ProfileScope } from '../scope.ts';

export type TaggedKind = 'source_video' | 'segment' | 'clip';

const kinds = {
  source_video: { table: sourceVideos, tags: sourceVideoTags, ref: sourceVideoTags.sourceVideoId },
  segment: { table: segments, tags: segmentTags, ref: segmentTags.segmentId },
  clip: { table: clips, tags: clipTags, ref: clipTags.clipId },
} as const;

/** `id IN (resources of this profile tagged `tag`)`: a condition for a list query of `kind`. */
export function taggedWith(scope: ProfileScope, kind: TaggedKind, tag: string | undefined): SQL | undefined {
  if (tag === undefined) return undefined;
  const k = kinds[kind];
  return inArray(
    k.table.id,
    scope.db
      .select({ id: k.ref })
      .from(k.tags)
      .where(and(eq(k.tags.profileId, scope.profileId), eq(k.tags.tag, tag))),
  );
}

/**
 * The statements that rebuild the tag rows of an owned resource from its `tags` column: run them in
 * one batch right after the update that writes the column (nothing happens for an id the profile
 * does not own: the rows are selected from the profile's own resource).
 */
export function tagRowsStatements(scope: ProfileScope, kind: TaggedKind, id: string) {
  const k = kinds[kind];
  return [
    scope.db.delete(k.tags).where(and(eq(k.tags.profileId, scope.profileId), eq(k.ref, id))),
    // The three tag tables share one shape (profile_id, resource id, tag), in that column order.
    (scope.db.insert(k.tags) as ReturnType<typeof scope.db.insert<typeof sourceVideoTags>>)
      .select(
        sql`SELECT r.profile_id, r.id, je.value FROM ${k.table} r, json_each(r.tags) je WHERE r.profile_id = ${scope.profileId} AND r.id = ${id}`,
      )
      .onConflictDoNothing(),
  ] as const;
}
