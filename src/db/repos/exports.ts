/** Export rows: one per render of a clip with a preset (processing → completed | failed). */
import { and, eq } from 'drizzle-orm';
import { exports } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';
import { withEvents } from './webhook-events.ts';

export type ExportRow = typeof exports.$inferSelect;

const now = () => new Date().toISOString();

/** Statement form: the route writes the row in the same batch as the render job. */
export function insertExportStatement(
  scope: ProfileScope,
  values: { id: string; clipId: string; presetId: string; jobId: string },
) {
  return scope.db.insert(exports).values(stamped(scope, { ...values, status: 'processing' as const }));
}

export async function completeExport(
  scope: ProfileScope,
  id: string,
  values: { outputKey: string; fileSizeBytes: number },
) {
  await withEvents(
    scope,
    scope.db
      .update(exports)
      .set({ ...values, status: 'completed', completedAt: now() })
      .where(owned(exports, scope, eq(exports.id, id))),
    [{ type: 'clip.rendered', id }],
  );
}

export async function failExport(scope: ProfileScope, id: string) {
  await scope.db
    .update(exports)
    .set({ status: 'failed', completedAt: now() })
    .where(owned(exports, scope, and(eq(exports.id, id), eq(exports.status, 'processing'))));
}

export function getExport(scope: ProfileScope, id: string): Promise<ExportRow | undefined> {
  return scope.db.query.exports.findFirst({ where: owned(exports, scope, eq(exports.id, id)) });
}

export function listClipExports(scope: ProfileScope, clipId: string): Promise<ExportRow[]> {
  return scope.db.query.exports.findMany({
    where: owned(exports, scope, eq(exports.clipId, clipId)),
    orderBy: exports.id,
  });
}
