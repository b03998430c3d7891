/** A profile's brand kit (one row per profile, keyed by it): logo placement and subtitle defaults. */
import { eq } from 'drizzle-orm';
import { brandKits } from '../schema.ts';
import type { ProfileScope } from '../scope.ts';

export type BrandKitRow = typeof brandKits.$inferSelect;
export type BrandKitSettings = Pick<
  typeof brandKits.$inferInsert,
  'logoPosition' | 'logoOpacity' | 'logoMargin' | 'logoScale' | 'subtitleSettings' | 'introId' | 'outroId'
>;
export interface StoredLogo {
  key: string;
  width: number;
  height: number;
  bytes: number;
}

export async function getBrandKit(scope: ProfileScope): Promise<BrandKitRow | null> {
  const rows = await scope.db.select().from(brandKits).where(eq(brandKits.profileId, scope.profileId)).limit(1);
  return rows[0] ?? null;
}

async function upsert(scope: ProfileScope, values: Partial<typeof brandKits.$inferInsert>): Promise<BrandKitRow> {
  const now = new Date().toISOString();
  const [row] = await scope.db
    .insert(brandKits)
    .values({ ...values, profileId: scope.profileId })
    .onConflictDoUpdate({ target: brandKits.profileId, set: { ...values, updatedAt: now } })
    .returning();
  return row!;
}

/** Creates the kit or replaces its settings (the logo is kept). */
export function saveBrandKitSettings(scope: ProfileScope, settings: BrandKitSettings): Promise<BrandKitRow> {
  return upsert(scope, settings);
}

/** Records the logo just stored (creating the kit with default settings when there is none), or clears it. */
export function setBrandLogo(scope: ProfileScope, logo: StoredLogo | null): Promise<BrandKitRow> {
  return upsert(scope, {
    logoKey: logo?.key ?? null,
    logoWidth: logo?.width ?? null,
    logoHeight: logo?.height ?? null,
    logoBytes: logo?.bytes ?? null,
  });
}

/** Removes the kit; returns the row it removed (for its logo key), or null. */
export async function deleteBrandKit(scope: ProfileScope): Promise<BrandKitRow | null> {
  const rows = await scope.db.delete(brandKits).where(eq(brandKits.profileId, scope.profileId)).returning();
  return rows[0] ?? null;
}
