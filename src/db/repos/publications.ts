/**
 * Publications: one row per (clip, publish job), written before Postiz is called so a retried or
 * redelivered job can tell what an earlier attempt did. Status moves
 * pending → scheduled | published | failed, and scheduled → published | failed when polling
 * Postiz finds the posts' final state.
 */
import { and, asc, desc, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Database } from '../client.ts';
import {
  type ChannelOverrides,
  type PublicationAnalytics,
  type PublicationPost,
  publications,
  type publicationStatuses,
} from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';
import { withEvents } from './webhook-events.ts';

export type PublicationRow = typeof publications.$inferSelect;
export type PublicationStatus = (typeof publicationStatuses)[number];

const now = () => new Date().toISOString();

export interface NewPublication {
  id: string;
  clipId: string;
  jobId: string;
  integrationIds: string[];
  platforms: string[];
  caption: string;
  scheduledAt: string | null;
  channelOverrides?: ChannelOverrides;
  draft?: boolean;
}

export function getPublication(scope: ProfileScope, id: string): Promise<PublicationRow | undefined> {
  return scope.db.query.publications.findFirst({ where: owned(publications, scope, eq(publications.id, id)) });
}

/**
 * Inserts the pending row once: a redelivered job finds the row its first delivery wrote. The
 * publication id doubles as the Postiz `group`, which is unique.
 */
export async function ensurePublication(scope: ProfileScope, values: NewPublication): Promise<PublicationRow> {
  await scope.db
    .insert(publications)
    .values(stamped(scope, { ...values, postizGroup: values.id, status: 'pending' as const }))
    .onConflictDoNothing();
  const row = await getPublication(scope, values.id);
  if (!row) throw new Error(`publication ${values.id} could not be written`);
  return row;
}

/**
 * Counts a create attempt, atomically: succeeds only when nobody else counted one since we read
 * `seenAttempts` and the row is still pending (two concurrent deliveries cannot both create).
 */
export async function claimCreateAttempt(scope: ProfileScope, id: string, seenAttempts: number): Promise<boolean> {
  const rows = await scope.db
    .update(publications)
    .set({ attempts: seenAttempts + 1, updatedAt: now() })
    .where(
      owned(
        publications,
        scope,
        eq(publications.id, id),
        eq(publications.attempts, seenAttempts),
        eq(publications.status, 'pending'),
      ),
    )
    .returning({ id: publications.id });
  return rows.length > 0;
}

export interface PublicationOutcome {
  status: 'draft' | 'scheduled' | 'published';
  posts: PublicationPost[];
  scheduledAt: string | null;
  publishedAt: string | null;
  releaseUrl?: string | null;
}

/** pending → draft | scheduled | published, with the post ids Postiz gave back. */
export async function completePublication(
  scope: ProfileScope,
  id: string,
  outcome: PublicationOutcome,
): Promise<PublicationRow | undefined> {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(publications)
      .set({
        status: outcome.status,
        postizPostIds: outcome.posts.map((p) => p.post_id),
        postizPosts: outcome.posts,
        scheduledAt: outcome.scheduledAt,
        publishedAt: outcome.publishedAt,
        ...(outcome.releaseUrl !== undefined ? { releaseUrl: outcome.releaseUrl } : {}),
        errorMessage: null,
        updatedAt: now(),
      })
      .where(owned(publications, scope, eq(publications.id, id), eq(publications.status, 'pending')))
      .returning(),
    [{ type: 'publication.published', id }],
  );
  return row;
}

/**
 * pending | scheduled (| published, when Postiz reports the post failed) → failed with a readable
 * reason; `posts` keeps what Postiz said per channel.
 */
export async function failPublication(
  scope: ProfileScope,
  id: string,
  message: string,
  options: { posts?: PublicationPost[]; fromStatuses?: PublicationStatus[] } = {},
): Promise<PublicationRow | undefined> {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(publications)
      .set({
        status: 'failed',
        errorMessage: message.slice(0, 2000),
        ...(options.posts ? { postizPosts: options.posts } : {}),
        updatedAt: now(),
      })
      .where(
        owned(
          publications,
          scope,
          eq(publications.id, id),
          inArray(publications.status, options.fromStatuses ?? ['pending', 'scheduled']),
        ),
      )
      .returning(),
    [{ type: 'publication.failed', id }],
  );
  return row;
}

export function listClipPublications(scope: ProfileScope, clipId: string): Promise<PublicationRow[]> {
  return scope.db.query.publications.findMany({
    where: owned(publications, scope, eq(publications.clipId, clipId)),
    orderBy: desc(publications.id),
  });
}

/**
 * Publications whose final state or release URL Postiz may now tell us, oldest first: scheduled
 * ones that are due (within the next hour), and published ones still without a release URL, for
 * 30 days after they were created.
 */
export function openPublications(scope: ProfileScope, limit = 50): Promise<PublicationRow[]> {
  return scope.db.query.publications.findMany({
    where: owned(publications, scope, openCondition()),
    orderBy: asc(publications.id),
    limit,
  });
}

const DUE_AHEAD_MS = 60 * 60_000;
const POLL_FOR_MS = 30 * 24 * 60 * 60_000;

function openCondition(at = Date.now()) {
  return and(
    gt(publications.createdAt, new Date(at - POLL_FOR_MS).toISOString()),
    or(
      and(
        eq(publications.status, 'scheduled'),
        or(isNull(publications.scheduledAt), lte(publications.scheduledAt, new Date(at + DUE_AHEAD_MS).toISOString())),
      ),
      and(eq(publications.status, 'published'), isNull(publications.releaseUrl)),
    ),
  );
}

/** What polling Postiz learned about a scheduled/published publication. */
export async function syncPublication(
  scope: ProfileScope,
  id: string,
  fields: {
    status: 'scheduled' | 'published';
    publishedAt: string | null;
    releaseUrl: string | null;
    posts: PublicationPost[];
  },
): Promise<PublicationRow | undefined> {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(publications)
      .set({
        status: fields.status,
        publishedAt: fields.publishedAt,
        releaseUrl: fields.releaseUrl,
        postizPosts: fields.posts,
        updatedAt: now(),
      })
      .where(
        owned(publications, scope, eq(publications.id, id), inArray(publications.status, ['scheduled', 'published'])),
      )
      .returning(),
    [{ type: 'publication.published', id }],
  );
  return row;
}

/**
 * System-wide, for the hourly cron only: profiles that have publications still waiting for
 * their final state. The cron then works inside each profile's scope.
 */
export async function profilesWithOpenPublications(db: Database, limit = 100): Promise<string[]> {
  const rows = await db
    .selectDistinct({ profileId: publications.profileId })
    .from(publications)
    .where(openCondition())
    .limit(limit);
  return rows.map((r) => r.profileId);
}

// ─── Approval, withdrawal, analytics ─────────────────────────────────────────────────────────

/**
 * Claims the approval of a draft, atomically: only one caller sees `true` (the one that then asks
 * Postiz to schedule it); every other approve finds `approved_at` set and sends nothing.
 */
export async function claimApproval(scope: ProfileScope, id: string): Promise<boolean> {
  const rows = await scope.db
    .update(publications)
    .set({ approvedAt: now(), updatedAt: now() })
    .where(
      owned(
        publications,
        scope,
        eq(publications.id, id),
        eq(publications.status, 'draft'),
        isNull(publications.approvedAt),
      ),
    )
    .returning({ id: publications.id });
  return rows.length > 0;
}

/** Postiz refused the approval: the draft may be approved again. */
export async function releaseApproval(scope: ProfileScope, id: string): Promise<void> {
  await scope.db
    .update(publications)
    .set({ approvedAt: null, updatedAt: now() })
    .where(owned(publications, scope, eq(publications.id, id), eq(publications.status, 'draft')));
}

/** draft (approved) → scheduled | published. */
export async function markApproved(
  scope: ProfileScope,
  id: string,
  fields: {
    status: 'scheduled' | 'published';
    scheduledAt: string | null;
    publishedAt: string | null;
    posts: PublicationPost[];
  },
): Promise<PublicationRow | undefined> {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(publications)
      .set({
        status: fields.status,
        scheduledAt: fields.scheduledAt,
        publishedAt: fields.publishedAt,
        postizPosts: fields.posts,
        updatedAt: now(),
      })
      .where(owned(publications, scope, eq(publications.id, id), eq(publications.status, 'draft')))
      .returning(),
    [{ type: 'publication.published', id }],
  );
  return row;
}

/** draft | scheduled → cancelled, once Postiz deleted the posts. */
export async function cancelPublication(scope: ProfileScope, id: string): Promise<PublicationRow | undefined> {
  const [row] = await withEvents(
    scope,
    scope.db
      .update(publications)
      .set({ status: 'cancelled', cancelledAt: now(), updatedAt: now() })
      .where(owned(publications, scope, eq(publications.id, id), inArray(publications.status, ['draft', 'scheduled'])))
      .returning(),
    [{ type: 'publication.canceled', id }],
  );
  return row;
}

export async function saveAnalytics(scope: ProfileScope, id: string, analytics: PublicationAnalytics): Promise<string> {
  const at = now();
  await scope.db
    .update(publications)
    .set({ analytics, analyticsFetchedAt: at })
    .where(owned(publications, scope, eq(publications.id, id)));
  return at;
}
