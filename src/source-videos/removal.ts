/**
 * Removing a source video: rows first (video, its segments, its upload parts, in one transaction),
 * then every object of the video and of its segments. A crash between the two leaves orphaned
 * objects, which the orphan sweep removes; it never leaves rows that point at missing objects.
 */
import type { Bindings } from '../core/env.ts';
import {
  type SourceVideoSummary,
  deleteSourceVideoRows,
  getSourceVideoSummary,
  segmentIdsOf,
} from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import { deletePrefix, storageKeys } from '../storage/keys.ts';
import { discardUploadBytes } from './uploads.ts';

const PARALLEL_DELETES = 8;

export async function removeSourceVideo(
  env: Bindings,
  scope: ProfileScope,
  id: string,
  onlyIf: (row: SourceVideoSummary) => boolean = () => true,
): Promise<SourceVideoSummary | undefined> {
  const row = await getSourceVideoSummary(scope, id);
  if (!row || !onlyIf(row)) return undefined;
  const segmentIds = await segmentIdsOf(scope, id);
  const deleted = await deleteSourceVideoRows(scope, id);
  if (!deleted) return undefined;
  if (row.multipartUploadId) await discardUploadBytes(env, row);
  const prefixes = [storageKeys.videoPrefix(scope, id), ...segmentIds.map((s) => storageKeys.segmentPrefix(scope, s))];
  for (let i = 0; i < prefixes.length; i += PARALLEL_DELETES) {
    await Promise.all(prefixes.slice(i, i + PARALLEL_DELETES).map((p) => deletePrefix(env.MEDIA, p)));
  }
  return deleted;
}
