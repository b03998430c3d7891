/**
 * Deleting clips for good: their rows go (cascading to content, exports and publications), the
 * counters of their projects and segments are recounted, and their objects are removed in the
 * background. The purge route and the trash retention (housekeeping) both do it here.
 */
import type { Bindings } from '../core/env.ts';
import { type ClipRow, purgeClip } from '../db/repos/clips.ts';
import { recountProjects } from '../db/repos/projects.ts';
import { recountSegmentUsage } from '../db/repos/segments.ts';
import type { ProfileScope } from '../db/scope.ts';
import { enqueueSystemTask } from '../jobs/producer.ts';
import { storageKeys } from '../storage/keys.ts';

export async function purgeClips(
  env: Bindings,
  scope: ProfileScope,
  rows: Pick<ClipRow, 'id' | 'projectId' | 'segmentIds'>[],
): Promise<void> {
  if (!rows.length) return;
  for (const row of rows) await purgeClip(scope, row.id);
  await recountProjects(scope, [...new Set(rows.map((r) => r.projectId))]);
  await recountSegmentUsage(scope, [...new Set(rows.flatMap((r) => r.segmentIds))]);
  for (const row of rows)
    await enqueueSystemTask(env, { task: 'purge_prefix', prefix: storageKeys.clipPrefix(scope, row.id) });
}
