/**
 * The webhook event emitter: every state change a webhook reports records its event here, as an
 * outbox row written in the SAME D1 batch as the change (`withEvents`). If the change commits, so
 * does its event, and nothing that happens to the isolate afterwards can lose it; delivery is the
 * dispatcher's business (src/webhooks/).
 *
 * An event is recorded only when, after the change, its row really is in the event's state (so a
 * guarded update that changed nothing records nothing), the profile has an enabled endpoint
 * subscribed to the type (so profiles without webhooks pay one indexed lookup, no row), and it was
 * not recorded before for the same occurrence (a unique index; redelivered jobs record once).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { newId } from '../../core/ids.ts';
import type { Database } from '../client.ts';
import {
  exports,
  jobs,
  publications,
  sourceVideos,
  type WebhookEventType,
  webhookEndpoints,
  webhookEvents,
} from '../schema.ts';
import type { ProfileScope } from '../scope.ts';

interface EventSource {
  /** The table of the row that changed (the occurrence). */
  table: SQLiteTable & { id: SQLiteColumn; profileId: SQLiteColumn };
  /** The resource whose API shape the event carries as `data`. */
  subject: SQLiteColumn;
  /** The state the occurrence row is in once the event happened. */
  state: SQL;
}

/** For each event type: which row changing into which state it reports. */
const SOURCES: Record<WebhookEventType, EventSource> = {
  'source_video.ready': { table: sourceVideos, subject: sourceVideos.id, state: sql`${sourceVideos.status} = 'ready'` },
  'source_video.failed': {
    table: sourceVideos,
    subject: sourceVideos.id,
    state: sql`${sourceVideos.status} = 'failed'`,
  },
  'job.completed': { table: jobs, subject: jobs.id, state: sql`${jobs.status} = 'completed'` },
  'job.failed': { table: jobs, subject: jobs.id, state: sql`${jobs.status} = 'failed'` },
  'job.canceled': { table: jobs, subject: jobs.id, state: sql`${jobs.status} = 'cancelled'` },
  // One event per finished render (an export row); its data is the clip.
  'clip.rendered': { table: exports, subject: exports.clipId, state: sql`${exports.status} = 'completed'` },
  'publication.published': {
    table: publications,
    subject: publications.id,
    state: sql`${publications.status} = 'published'`,
  },
  'publication.failed': {
    table: publications,
    subject: publications.id,
    state: sql`${publications.status} = 'failed'`,
  },
  'publication.canceled': {
    table: publications,
    subject: publications.id,
    state: sql`${publications.status} = 'cancelled'`,
  },
};

/** The resource kind of each event type's `data`. */
export const EVENT_SUBJECTS = {
  'source_video.ready': 'source_video',
  'source_video.failed': 'source_video',
  'job.completed': 'job',
  'job.failed': 'job',
  'job.canceled': 'job',
  'clip.rendered': 'clip',
  'publication.published': 'publication',
  'publication.failed': 'publication',
  'publication.canceled': 'publication',
} as const satisfies Record<WebhookEventType, string>;
export type EventSubject = (typeof EVENT_SUBJECTS)[WebhookEventType];

export interface EventOccurrence {
  type: WebhookEventType;
  /** Id of the row whose change this is (in the event type's source table). */
  id: string;
}

/** Whether a stored list of subscribed types (`['*']` or types) takes `type`. */
export const subscribes = (eventTypes: readonly string[], type: string) =>
  eventTypes.includes('*') || eventTypes.includes(type);

/** The outbox insert for one occurrence; belongs in the batch right after the change it reports. */
function outboxStatement(scope: ProfileScope, { type, id }: EventOccurrence) {
  const { table, subject, state } = SOURCES[type];
  const e = webhookEndpoints;
  const subscribed = sql`EXISTS (SELECT 1 FROM ${e} WHERE ${e.profileId} = ${scope.profileId} AND ${e.enabled} = 1
    AND EXISTS (SELECT 1 FROM json_each(${e.eventTypes}) WHERE json_each.value IN (${type}, '*')))`;
  return scope.db
    .insert(webhookEvents)
    .select((qb) =>
      // Every column of webhook_events, in the table's order (drizzle checks it).
      qb
        .select({
          id: sql<string>`${newId('webhookEvent')}`.as('id'),
          profileId: sql<string>`${table.profileId}`.as('profile_id'),
          type: sql<WebhookEventType>`${type}`.as('type'),
          resourceId: sql<string>`${subject}`.as('resource_id'),
          occurrence: sql<string>`${table.id}`.as('occurrence'),
          payload: sql<null>`NULL`.as('payload'),
          dispatchedAt: sql<null>`NULL`.as('dispatched_at'),
          createdAt: sql<string>`${new Date().toISOString()}`.as('created_at'),
        })
        .from(table)
        .where(sql`${table.profileId} = ${scope.profileId} AND ${table.id} = ${id} AND ${state} AND ${subscribed}`),
    )
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
}

type BatchItem = Parameters<Database['batch']>[0][number];

/**
 * Runs `change` and the outbox inserts of `events` in one D1 batch (one transaction) and returns
 * what `change` returned. Events recorded are counted on the scope, for announce (src/webhooks/).
 */
export async function withEvents<T extends BatchItem>(
  scope: ProfileScope,
  change: T,
  events: EventOccurrence[],
): Promise<Awaited<T>> {
  const statements = events.map((event) => outboxStatement(scope, event));
  const results = (await scope.db.batch([change, ...statements] as [BatchItem, ...BatchItem[]])) as unknown[];
  // Each outbox insert returns the event it recorded (none when its conditions did not hold).
  for (const recorded of results.slice(1) as { id: string }[][]) scope.outbox.recorded += recorded.length;
  return results[0] as Awaited<T>;
}
