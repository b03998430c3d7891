/**
 * Webhook endpoints, the dispatch side of the event outbox, and deliveries (docs/webhooks.md).
 * Events are recorded by repos/webhook-events.ts; here they are fanned out into one delivery per
 * subscribed endpoint, and each delivery's attempts are claimed and recorded atomically: an attempt
 * starts only by winning `claimDelivery` (one UPDATE), and its outcome is written only by the
 * attempt that holds the claim, so two attempts of one delivery never overlap and a delivery that
 * succeeded is never attempted again.
 */
import { and, asc, desc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import {
  type WebhookDeliveryStatus,
  type WebhookEventType,
  webhookDeliveries,
  webhookEndpoints,
  webhookEvents,
} from '../schema.ts';
import { type ProfileScope, owned, scopeForVerifiedProfile, stamped } from '../scope.ts';
import { subscribes } from './webhook-events.ts';

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

const now = () => new Date().toISOString();
const secondsFrom = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

// ─── Endpoints ───────────────────────────────────────────────────────────────────────────────

export interface NewEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  secretSealed: string;
}

/**
 * Inserts an endpoint unless the profile already has `max`: the count is checked by the INSERT
 * itself, so concurrent requests cannot pass the cap. Undefined when the cap was reached.
 */
export async function insertEndpoint(
  scope: ProfileScope,
  endpoint: NewEndpoint,
  max: number,
): Promise<WebhookEndpointRow | undefined> {
  const e = webhookEndpoints;
  const result = await scope.db.run(sql`INSERT INTO ${e}
    (${sql.identifier('id')}, ${sql.identifier('profile_id')}, ${sql.identifier('url')}, ${sql.identifier('description')},
     ${sql.identifier('event_types')}, ${sql.identifier('enabled')}, ${sql.identifier('secret_sealed')})
    SELECT ${endpoint.id}, ${scope.profileId}, ${endpoint.url}, ${endpoint.description},
      ${JSON.stringify(endpoint.eventTypes)}, ${endpoint.enabled ? 1 : 0}, ${endpoint.secretSealed}
    WHERE (SELECT count(*) FROM ${e} WHERE ${e.profileId} = ${scope.profileId}) < ${max}`);
  if (!result.meta.changes) return undefined;
  return getEndpoint(scope, endpoint.id);
}

export function getEndpoint(scope: ProfileScope, id: string): Promise<WebhookEndpointRow | undefined> {
  return scope.db.query.webhookEndpoints.findFirst({
    where: owned(webhookEndpoints, scope, eq(webhookEndpoints.id, id)),
  });
}

/** Every endpoint of the profile, oldest first (there are at most a few dozen). */
export function listEndpoints(scope: ProfileScope, limit: number): Promise<WebhookEndpointRow[]> {
  return scope.db.query.webhookEndpoints.findMany({
    where: owned(webhookEndpoints, scope),
    orderBy: asc(webhookEndpoints.id),
    limit,
  });
}

export async function updateEndpoint(
  scope: ProfileScope,
  id: string,
  changes: Partial<Pick<WebhookEndpointRow, 'url' | 'description' | 'eventTypes' | 'enabled'>>,
): Promise<WebhookEndpointRow | undefined> {
  return setEndpointFields(scope, id, changes);
}

/** A new signing secret; the current one keeps signing until `previousExpiresAt` (none when null). */
export async function rotateEndpointSecret(
  scope: ProfileScope,
  id: string,
  secrets: { sealed: string; previousSealed: string | null; previousExpiresAt: string | null },
): Promise<WebhookEndpointRow | undefined> {
  return setEndpointFields(scope, id, {
    secretSealed: secrets.sealed,
    previousSecretSealed: secrets.previousSealed,
    previousSecretExpiresAt: secrets.previousExpiresAt,
  });
}

/** Writes `fields` (and `updatedAt`) on the profile's own endpoint; undefined when it has none. */
async function setEndpointFields(
  scope: ProfileScope,
  id: string,
  fields: Partial<Omit<WebhookEndpointRow, 'id' | 'profileId' | 'createdAt' | 'updatedAt'>>,
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await scope.db
    .update(webhookEndpoints)
    .set({ ...fields, updatedAt: now() })
    .where(owned(webhookEndpoints, scope, eq(webhookEndpoints.id, id)))
    .returning();
  return row;
}

/** Deletes the endpoint and (cascade) its delivery log. */
export async function deleteEndpoint(scope: ProfileScope, id: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await scope.db
    .delete(webhookEndpoints)
    .where(owned(webhookEndpoints, scope, eq(webhookEndpoints.id, id)))
    .returning();
  return row;
}

/** Enabled endpoints subscribed to `type`. */
export async function subscribedEndpoints(
  scope: ProfileScope,
  type: WebhookEventType,
  limit: number,
): Promise<WebhookEndpointRow[]> {
  const enabled = await scope.db.query.webhookEndpoints.findMany({
    where: owned(webhookEndpoints, scope, eq(webhookEndpoints.enabled, true)),
    orderBy: asc(webhookEndpoints.id),
    limit,
  });
  return enabled.filter((e) => subscribes(e.eventTypes, type));
}

// ─── Events: dispatch ────────────────────────────────────────────────────────────────────────

export function getEvent(scope: ProfileScope, id: string): Promise<WebhookEventRow | undefined> {
  return scope.db.query.webhookEvents.findFirst({ where: owned(webhookEvents, scope, eq(webhookEvents.id, id)) });
}

/** Events not fanned out yet, oldest first. */
export function undispatchedEvents(scope: ProfileScope, limit: number): Promise<WebhookEventRow[]> {
  return scope.db.query.webhookEvents.findMany({
    where: owned(webhookEvents, scope, isNull(webhookEvents.dispatchedAt)),
    orderBy: asc(webhookEvents.id),
    limit,
  });
}

/**
 * Fans an event out: stores its body (unless another dispatch stored one first), marks it
 * dispatched and creates one delivery per endpoint, in one batch. A delivery that exists already
 * (a concurrent dispatch of the same event) is not created twice; returns the ones this call made.
 */
export async function dispatchEvent(
  scope: ProfileScope,
  eventId: string,
  payload: string | null,
  deliveries: { id: string; endpointId: string }[],
): Promise<{ id: string }[]> {
  const at = now();
  const mark = scope.db
    .update(webhookEvents)
    .set({ payload: sql`coalesce(${webhookEvents.payload}, ${payload})`, dispatchedAt: at })
    .where(owned(webhookEvents, scope, eq(webhookEvents.id, eventId), isNull(webhookEvents.dispatchedAt)));
  if (!deliveries.length) {
    await mark;
    return [];
  }
  const insert = scope.db
    .insert(webhookDeliveries)
    .values(deliveries.map((d) => stamped(scope, { ...d, eventId, status: 'pending' as const, nextAttemptAt: at })))
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  const [, created] = await scope.db.batch([mark, insert]);
  return created;
}

// ─── Deliveries ──────────────────────────────────────────────────────────────────────────────

export function getDelivery(scope: ProfileScope, id: string): Promise<WebhookDeliveryRow | undefined> {
  return scope.db.query.webhookDeliveries.findFirst({
    where: owned(webhookDeliveries, scope, eq(webhookDeliveries.id, id)),
  });
}

export interface DeliveryWithEvent extends WebhookDeliveryRow {
  eventType: WebhookEventType;
}

/** An endpoint's delivery log, newest first. */
export async function listDeliveries(
  scope: ProfileScope,
  endpointId: string,
  filters: { status?: WebhookDeliveryStatus; event_id?: string },
  page: PageQuery,
) {
  const rows = await scope.db
    .select({ delivery: webhookDeliveries, eventType: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      owned(
        webhookDeliveries,
        scope,
        eq(webhookDeliveries.endpointId, endpointId),
        filters.status ? eq(webhookDeliveries.status, filters.status) : undefined,
        filters.event_id ? eq(webhookDeliveries.eventId, filters.event_id) : undefined,
        page.cursor ? lt(webhookDeliveries.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit + 1);
  return toPage(
    rows.map((r): DeliveryWithEvent => ({ ...r.delivery, eventType: r.eventType })),
    page.limit,
  );
}

export async function getDeliveryWithEvent(
  scope: ProfileScope,
  endpointId: string,
  id: string,
): Promise<DeliveryWithEvent | undefined> {
  const [row] = await scope.db
    .select({ delivery: webhookDeliveries, eventType: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(owned(webhookDeliveries, scope, eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId)));
  return row ? { ...row.delivery, eventType: row.eventType } : undefined;
}

/** A new delivery of the same event to the same endpoint, due now. */
export async function insertReplay(
  scope: ProfileScope,
  original: WebhookDeliveryRow,
  id: string,
): Promise<WebhookDeliveryRow> {
  const [row] = await scope.db
    .insert(webhookDeliveries)
    .values(
      stamped(scope, {
        id,
        endpointId: original.endpointId,
        eventId: original.eventId,
        replayOf: original.id,
        status: 'pending' as const,
        nextAttemptAt: now(),
      }),
    )
    .returning();
  return row!;
}

/** Clock slack for a queue message that arrives a little before the attempt it carries is due. */
const EARLY_SLACK_SECONDS = 2;

/**
 * Starts an attempt: pending/retrying (and due) → delivering, attempts + 1, under a lease; a
 * `delivering` row whose lease ran out (its attempt died) is taken over. One UPDATE, so of two
 * concurrent callers only one gets the row. Undefined when there is nothing to attempt now.
 */
export async function claimDelivery(
  scope: ProfileScope,
  id: string,
  leaseSeconds: number,
): Promise<WebhookDeliveryRow | undefined> {
  const at = now();
  const d = webhookDeliveries;
  const [row] = await scope.db
    .update(d)
    .set({
      status: 'delivering',
      attempts: sql`${d.attempts} + 1`,
      leaseUntil: secondsFrom(at, leaseSeconds),
      firstAttemptAt: sql`coalesce(${d.firstAttemptAt}, ${at})`,
      lastAttemptAt: at,
      updatedAt: at,
    })
    .where(
      owned(
        d,
        scope,
        eq(d.id, id),
        or(
          and(inArray(d.status, ['pending', 'retrying']), lte(d.nextAttemptAt, secondsFrom(at, EARLY_SLACK_SECONDS))),
          and(eq(d.status, 'delivering'), lt(d.leaseUntil, at)),
        ),
      ),
    )
    .returning();
  return row;
}

export interface AttemptOutcome {
  status: 'succeeded' | 'retrying' | 'failed';
  statusCode: number | null;
  error: string | null;
  latencyMs: number | null;
  excerpt: string | null;
  /** When `retrying`: when the next attempt is due. */
  nextAttemptAt?: string;
}

/**
 * Records the outcome of the attempt that holds the claim (`attempt` = the claimed row's
 * attempts). Undefined when the claim was lost (its lease ran out and another attempt took over).
 */
export async function recordAttempt(
  scope: ProfileScope,
  id: string,
  attempt: number,
  outcome: AttemptOutcome,
): Promise<WebhookDeliveryRow | undefined> {
  const at = now();
  const d = webhookDeliveries;
  const [row] = await scope.db
    .update(d)
    .set({
      status: outcome.status,
      leaseUntil: null,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error?.slice(0, 1000) ?? null,
      lastLatencyMs: outcome.latencyMs,
      lastResponseExcerpt: outcome.excerpt,
      ...(outcome.status === 'retrying' ? { nextAttemptAt: outcome.nextAttemptAt ?? at } : { finishedAt: at }),
      updatedAt: at,
    })
    .where(owned(d, scope, eq(d.id, id), eq(d.status, 'delivering'), eq(d.attempts, attempt)))
    .returning();
  return row;
}

// ─── The consumer's doors into tenant data ───────────────────────────────────────────────────

/**
 * A `deliver` message names a delivery and a profile: only if the delivery exists *in that
 * profile* does the consumer get a scope to work in (as verifyJobMessage does for jobs).
 */
export async function verifyDeliveryMessage(
  db: Database,
  message: { delivery_id: string; profile_id: string },
): Promise<{ scope: ProfileScope; delivery: WebhookDeliveryRow } | null> {
  const delivery = await db.query.webhookDeliveries.findFirst({
    where: and(eq(webhookDeliveries.id, message.delivery_id), eq(webhookDeliveries.profileId, message.profile_id)),
  });
  if (!delivery) return null;
  return { scope: scopeForVerifiedProfile(db, { profileId: delivery.profileId }), delivery };
}

/** A `dispatch` message names a profile: a scope only when that profile has events waiting. */
export async function verifyDispatchMessage(db: Database, profileId: string): Promise<ProfileScope | null> {
  const waiting = await db.query.webhookEvents.findFirst({
    columns: { profileId: true },
    where: and(eq(webhookEvents.profileId, profileId), isNull(webhookEvents.dispatchedAt)),
  });
  return waiting ? scopeForVerifiedProfile(db, { profileId: waiting.profileId }) : null;
}

// ─── Housekeeping (across profiles; the hourly cron only) ────────────────────────────────────

/** Profiles with events recorded before `beforeIso` that were never fanned out (their message was lost). */
export async function profilesWithStalledEvents(db: Database, beforeIso: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ profileId: webhookEvents.profileId })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.dispatchedAt), lt(webhookEvents.createdAt, beforeIso)))
    .limit(limit);
  return rows.map((r) => r.profileId);
}

/** Deliveries due before `beforeIso` that no attempt picked up (lost message, or an attempt that died). */
export function stalledDeliveries(
  db: Database,
  beforeIso: string,
  limit: number,
): Promise<{ id: string; profileId: string }[]> {
  const d = webhookDeliveries;
  return db
    .select({ id: d.id, profileId: d.profileId })
    .from(d)
    .where(
      or(
        and(inArray(d.status, ['pending', 'retrying']), lt(d.nextAttemptAt, beforeIso)),
        and(eq(d.status, 'delivering'), lt(d.leaseUntil, beforeIso)),
      ),
    )
    .limit(limit);
}

/** Removes events recorded before `beforeIso` and (cascade) their deliveries. */
export async function deleteEventsBefore(db: Database, beforeIso: string, limit: number): Promise<number> {
  const old = db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(lt(webhookEvents.createdAt, beforeIso))
    .limit(limit);
  const deleted = await db
    .delete(webhookEvents)
    .where(inArray(webhookEvents.id, old))
    .returning({ id: webhookEvents.id });
  return deleted.length;
}
