/**
 * Profiles are owned by users, not by profiles, so this repository is scoped by user id: every
 * function takes the user and never returns another user's profile.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Database } from '../client.ts';
import type { ProfileScope } from '../scope.ts';
import { forgetProfile } from '../verified-profiles.ts';
import { profiles } from '../schema.ts';

export type ProfileRow = typeof profiles.$inferSelect;
export type ProfileInsert = Omit<
  typeof profiles.$inferInsert,
  'id' | 'userId' | 'isDefault' | 'createdAt' | 'updatedAt'
>;
export type ProfileUpdate = Partial<ProfileInsert>;

const DEFAULT_PROFILE_NAME = 'Default Profile';

export type ProfileLookup = { found: true; profile: ProfileRow } | { found: false; reason: 'missing' | 'foreign' };

/** Looks a profile up for a user, telling "does not exist" from "belongs to someone else". */
export async function findProfileForUser(db: Database, userId: string, id: string): Promise<ProfileLookup> {
  const row = await db.query.profiles.findFirst({ where: eq(profiles.id, id) });
  if (!row) return { found: false, reason: 'missing' };
  if (row.userId !== userId) return { found: false, reason: 'foreign' };
  return { found: true, profile: row };
}

/** The user's default profile, created on first use (safe under concurrent first requests). */
export async function ensureDefaultProfile(db: Database, userId: string): Promise<ProfileRow> {
  const existing = await db.query.profiles.findFirst({
    where: and(eq(profiles.userId, userId), eq(profiles.isDefault, true)),
  });
  if (existing) return existing;
  await db
    .insert(profiles)
    .values({ id: newId('profile'), userId, name: DEFAULT_PROFILE_NAME, isDefault: true })
    .onConflictDoNothing();
  const created = await db.query.profiles.findFirst({
    where: and(eq(profiles.userId, userId), eq(profiles.isDefault, true)),
  });
  if (!created) throw new Error('default profile could not be created');
  return created;
}

/** Default first, then oldest first. */
export function listProfiles(db: Database, userId: string): Promise<ProfileRow[]> {
  return db.query.profiles.findMany({
    where: eq(profiles.userId, userId),
    orderBy: [desc(profiles.isDefault), asc(profiles.createdAt), asc(profiles.id)],
  });
}

export async function countProfiles(db: Database, userId: string): Promise<number> {
  const rows = await db.select({ id: profiles.id }).from(profiles).where(eq(profiles.userId, userId));
  return rows.length;
}

export async function createProfile(db: Database, userId: string, values: ProfileInsert): Promise<ProfileRow> {
  const [row] = await db
    .insert(profiles)
    .values({ ...values, id: newId('profile'), userId, isDefault: false })
    .returning();
  return row!;
}

export async function updateProfile(
  db: Database,
  userId: string,
  id: string,
  values: ProfileUpdate,
): Promise<ProfileRow | undefined> {
  const [row] = await db
    .update(profiles)
    .set({ ...values, updatedAt: new Date().toISOString() })
    .where(and(eq(profiles.id, id), eq(profiles.userId, userId)))
    .returning();
  return row;
}

/** Deletes a non-default profile; its tenant rows go with it (ON DELETE CASCADE). */
export async function deleteProfile(db: Database, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(profiles)
    .where(and(eq(profiles.id, id), eq(profiles.userId, userId), eq(profiles.isDefault, false)))
    .returning({ id: profiles.id });
  forgetProfile(userId, id);
  return deleted.length > 0;
}

/** Makes `id` the user's only default profile, in one transaction (D1 batch). */
export async function setDefaultProfile(db: Database, userId: string, id: string): Promise<ProfileRow> {
  const now = new Date().toISOString();
  const [, [row]] = await db.batch([
    db
      .update(profiles)
      .set({ isDefault: false, updatedAt: now })
      .where(and(eq(profiles.userId, userId), eq(profiles.isDefault, true))),
    db
      .update(profiles)
      .set({ isDefault: true, updatedAt: now })
      .where(and(eq(profiles.id, id), eq(profiles.userId, userId)))
      .returning(),
  ]);
  forgetProfile(userId, id);
  return row!;
}

/** The active profile's own row (settings, limits, budget). */
export async function getScopeProfile(scope: ProfileScope): Promise<ProfileRow> {
  const row = await scope.db.query.profiles.findFirst({ where: eq(profiles.id, scope.profileId) });
  if (!row) throw new Error('profile of a verified scope is missing');
  return row;
}
