/**
 * The profile scope: the only way to reach tenant data. Repository functions take a `ProfileScope`
 * and filter every query by its profile; the type cannot be built by hand (it is branded), only by
 * `scopeForVerifiedProfile` below, which callers reach after proving ownership:
 * - the auth middleware, after checking the profile belongs to the token's user;
 * - the queue consumer, after loading the job row that names the profile.
 */
import { type SQL, and, eq } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database } from './client.ts';

declare const verified: unique symbol;

export interface ProfileScope {
  readonly db: Database;
  readonly profileId: string;
  /**
   * Webhook events recorded through this scope and not yet announced to the dispatcher
   * (repos/webhook-events.ts counts them; src/webhooks/announce.ts announces and resets).
   */
  readonly outbox: { recorded: number };
  readonly [verified]: true;
}

/** A profile row (or job row) whose ownership has already been checked by the caller. */
export interface VerifiedProfileRef {
  readonly profileId: string;
}

export function scopeForVerifiedProfile(db: Database, ref: VerifiedProfileRef): ProfileScope {
  return { db, profileId: ref.profileId, outbox: { recorded: 0 } } as ProfileScope;
}

interface TenantTable {
  profileId: SQLiteColumn;
}

/** `profile_id = scope.profileId AND …conditions`: the WHERE clause of every tenant query. */
export function owned(table: TenantTable, scope: ProfileScope, ...conditions: (SQL | undefined)[]): SQL {
  return and(eq(table.profileId, scope.profileId), ...conditions) as SQL;
}

/** Stamps the scope's profile on rows being inserted. */
export function stamped<T extends object>(scope: ProfileScope, values: T): T & { profileId: string } {
  return { ...values, profileId: scope.profileId };
}
