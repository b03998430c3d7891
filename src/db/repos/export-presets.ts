/** Render presets: global, seeded by migration, read-only. */
import { asc, desc, eq } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { exportPresets } from '../schema.ts';

export type ExportPresetRow = typeof exportPresets.$inferSelect;

export function listExportPresets(db: Database): Promise<ExportPresetRow[]> {
  return db.query.exportPresets.findMany({ orderBy: [desc(exportPresets.isDefault), asc(exportPresets.sortOrder)] });
}

export function getExportPreset(db: Database, name: string): Promise<ExportPresetRow | undefined> {
  return db.query.exportPresets.findFirst({ where: eq(exportPresets.name, name) });
}
