/**
 * A short per-isolate memory of the active-profile check (`requireProfile`, src/http/auth.ts): which
 * profile a user's request resolved to, by the `X-Profile-Id` it named (or none: the default). A
 * client polling the API then pays its D1 lookup once every few seconds instead of on every request
 * (npm run bench:api measures both).
 *
 * Only verified answers are kept (a 403 or 404 is looked up again every time), for
 * VERIFIED_PROFILE_TTL_MS, at most MAX_VERIFIED_PROFILES entries. The repository forgets a profile
 * in this isolate as it deletes it or moves the user's default (repos/profiles.ts); another
 * isolate may still accept a deleted profile until its entry expires: its rows are gone with it
 * (ON DELETE CASCADE), so such a request finds nothing, and a write fails its foreign key.
 */
import { MAX_VERIFIED_PROFILES, VERIFIED_PROFILE_TTL_MS } from '../core/limits.ts';

interface Entry {
  userId: string;
  profileId: string;
  until: number;
}

const entries = new Map<string, Entry>();

const keyOf = (userId: string, requested: string | undefined) => `${userId}\n${requested ?? ''}`;

/** The profile this user's request for `requested` (undefined: the default) resolved to lately. */
export function rememberedProfile(userId: string, requested: string | undefined, now = Date.now()): string | null {
  const key = keyOf(userId, requested);
  const entry = entries.get(key);
  if (!entry) return null;
  if (entry.until > now) return entry.profileId;
  entries.delete(key);
  return null;
}

export function rememberProfile(userId: string, requested: string | undefined, profileId: string, now = Date.now()) {
  const key = keyOf(userId, requested);
  entries.delete(key);
  // Oldest first in insertion order: the first key is the one to drop.
  if (entries.size >= MAX_VERIFIED_PROFILES) entries.delete(entries.keys().next().value!);
  entries.set(key, { userId, profileId, until: now + VERIFIED_PROFILE_TTL_MS });
}

/** Forgets every answer that resolved to this profile, and the user's default (it may have moved). */
export function forgetProfile(userId: string, profileId: string): void {
  entries.delete(keyOf(userId, undefined));
  for (const [key, entry] of entries) if (entry.profileId === profileId) entries.delete(key);
}

/** Forgets everything (the bench's "no cache" requests). */
export function forgetAllProfiles(): void {
  entries.clear();
}
