/**
 * What can be done to a publication after it was created: approve a draft (sends it once, whoever
 * asks twice), withdraw a draft or scheduled post (deletes it in Postiz), read its analytics, and
 * find a channel's next free slot. Every Postiz failure comes back in the API's error shape.
 */
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { getClip, updateClip } from '../db/repos/clips.ts';
import {
  type PublicationRow,
  cancelPublication,
  claimApproval,
  getPublication,
  markApproved,
  releaseApproval,
  saveAnalytics,
  syncPublication,
} from '../db/repos/publications.ts';
import type { PublicationAnalytics, PublicationPost } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import { providerErrorToApiError } from '../providers/error-mapping.ts';
import type { PostizClient } from '../providers/postiz.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { listChannels } from './postiz-channels.ts';
import { requirePostiz } from './postiz-connection.ts';

/** How long fetched analytics are served again before Postiz is asked anew. */
export const ANALYTICS_TTL_MS = 5 * 60_000;
/** The window Postiz is asked about (its `date` parameter, in days). */
export const ANALYTICS_DAYS = 7;
const DAY_MS = 24 * 60 * 60_000;

/** 409 `conflict` with the reason in `details.reason` (the code list stays the shared one). */
const conflictBecause = (reason: string, message: string) =>
  new ApiError(409, 'conflict', message, { details: { reason } });

async function postiz<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isProviderError(err)) throw providerErrorToApiError(err);
    throw err;
  }
}

async function owned(scope: ProfileScope, id: string): Promise<PublicationRow> {
  const row = await getPublication(scope, id);
  if (!row) throw new ApiError(404, 'not_found', `Publication not found: ${id}`);
  return row;
}

const postIds = (p: PublicationRow) => (p.postizPosts.length ? p.postizPosts.map((x) => x.post_id) : p.postizPostIds);

export interface ApprovalResult {
  publication: PublicationRow;
  /** False when this call sent nothing (already approved, or another approve is sending it). */
  sent: boolean;
}

/**
 * draft → scheduled (its date is ahead) or published (Postiz sends a draft whose date has passed
 * at once). Postiz is asked once per post (`PUT /posts/:id/status {schedule}`), by the one caller
 * that wins the compare-and-set; later calls answer the publication as it is.
 */
export async function approvePublication(env: Bindings, scope: ProfileScope, id: string): Promise<ApprovalResult> {
  const publication = await owned(scope, id);
  if (publication.status !== 'draft') {
    if (publication.approvedAt) return { publication, sent: false };
    throw conflictBecause(
      'not_a_draft',
      `Only drafts are approved; this publication is ${publication.status}. Publish with "draft": true to get one`,
    );
  }
  const { client } = await requirePostiz(env, scope);
  if (!(await claimApproval(scope, id))) return { publication: await owned(scope, id), sent: false };
  try {
    for (const postId of postIds(publication)) await client.changePostStatus(postId, 'schedule');
  } catch (err) {
    await releaseApproval(scope, id);
    if (isProviderError(err)) throw providerErrorToApiError(err);
    throw err;
  }
  const at = Date.now();
  const future = publication.scheduledAt !== null && Date.parse(publication.scheduledAt) > at;
  const posts: PublicationPost[] = publication.postizPosts.map((p) => ({ ...p, state: 'QUEUE' }));
  const row = await markApproved(scope, id, {
    status: future ? 'scheduled' : 'published',
    scheduledAt: publication.scheduledAt,
    publishedAt: future ? null : new Date(at).toISOString(),
    posts,
  });
  await updateClip(scope, publication.clipId, {
    postizStatus: future ? 'scheduled' : 'published',
    postizScheduledAt: future ? publication.scheduledAt : null,
  });
  return { publication: row ?? (await owned(scope, id)), sent: true };
}

/** Posts of the publication's group as Postiz lists them now (around its date). */
async function postsInPostiz(client: PostizClient, publication: PublicationRow) {
  const at = Date.parse(publication.scheduledAt ?? publication.createdAt);
  const posts = await client.listPosts({
    startDate: new Date(Math.min(at, Date.parse(publication.createdAt)) - DAY_MS),
    endDate: new Date(Math.max(at, Date.now()) + DAY_MS),
  });
  return posts.filter((p) => p.group === publication.postizGroup);
}

/**
 * draft | scheduled → cancelled: deletes the group's posts in Postiz (`DELETE /posts/group/:group`).
 * Refused (409) once anything went out: a published post stays on the platform whatever Postiz
 * deletes, so a scheduled publication is first checked against Postiz. Cancelling twice is fine.
 */
export async function withdrawPublication(env: Bindings, scope: ProfileScope, id: string): Promise<PublicationRow> {
  const publication = await owned(scope, id);
  if (publication.status === 'cancelled') return publication;
  if (publication.status === 'published')
    throw conflictBecause('already_published', 'The publication went out already; it cannot be withdrawn');
  if (publication.status === 'pending')
    throw conflictBecause(
      'publication_in_progress',
      'The publication is being sent to Postiz; withdraw it once it is scheduled',
    );
  if (publication.status === 'failed')
    throw conflictBecause('publication_failed', 'The publication failed; there is nothing scheduled to withdraw');

  if (publication.status === 'draft' && publication.approvedAt)
    throw conflictBecause('approval_in_progress', 'The draft is being approved; withdraw it once it is scheduled');
  const { client } = await requirePostiz(env, scope);
  if (publication.status === 'scheduled') {
    const found = await postiz(() => postsInPostiz(client, publication));
    const out = found.filter((p) => p.state === 'PUBLISHED');
    if (out.length) {
      await syncPublication(scope, id, {
        status: 'published',
        publishedAt:
          out
            .map((p) => p.publishDate ?? '')
            .sort()
            .at(-1) || new Date().toISOString(),
        releaseUrl: out.find((p) => p.releaseURL)?.releaseURL ?? null,
        posts: publication.postizPosts.map((p) => {
          const now = found.find((f) => f.id === p.post_id);
          return now ? { ...p, state: String(now.state), release_url: now.releaseURL ?? null } : p;
        }),
      });
      throw conflictBecause('already_published', 'Postiz has published the post already; it cannot be withdrawn');
    }
  }
  await postiz(() => client.deletePostGroup(publication.postizGroup));
  const row = (await cancelPublication(scope, id)) ?? (await owned(scope, id));
  const clip = await getClip(scope, publication.clipId, { includeDeleted: true });
  if (clip?.postizPostId && postIds(publication).includes(clip.postizPostId))
    await updateClip(scope, clip.id, { postizStatus: 'not_sent', postizPostId: null, postizScheduledAt: null });
  return row;
}

export interface AnalyticsResult {
  analytics: PublicationAnalytics;
  fetchedAt: string;
  cached: boolean;
}

/**
 * A published publication's metrics per channel post (`GET /analytics/post/:id?date=7`), kept on
 * the row and served from there for ANALYTICS_TTL_MS (every call reaches the networks' APIs).
 */
export async function publicationAnalytics(
  env: Bindings,
  scope: ProfileScope,
  id: string,
  options: { refresh?: boolean } = {},
): Promise<AnalyticsResult> {
  const publication = await owned(scope, id);
  if (publication.status !== 'published')
    throw conflictBecause(
      'not_published',
      `Analytics exist once a publication is published; this one is ${publication.status}`,
    );
  const fresh =
    publication.analytics &&
    publication.analyticsFetchedAt &&
    Date.now() - Date.parse(publication.analyticsFetchedAt) < ANALYTICS_TTL_MS;
  if (fresh && !options.refresh)
    return { analytics: publication.analytics!, fetchedAt: publication.analyticsFetchedAt!, cached: true };
  const { client } = await requirePostiz(env, scope);
  const posts = publication.postizPosts.length
    ? publication.postizPosts
    : publication.postizPostIds.map((post_id) => ({ post_id, integration_id: '', platform: null }));
  const analytics: PublicationAnalytics = { posts: [] };
  for (const post of posts) {
    const metrics = await postiz(() => client.postAnalytics(post.post_id, ANALYTICS_DAYS));
    analytics.posts.push({
      post_id: post.post_id,
      integration_id: post.integration_id,
      platform: post.platform,
      metrics,
    });
  }
  const fetchedAt = await saveAnalytics(scope, id, analytics);
  return { analytics, fetchedAt, cached: false };
}

/**
 * The next free slot of each channel (`GET /find-slot/:id`). Channels are those of the profile's
 * Postiz organisation: an id it does not have is 404, like any id of another profile.
 */
export async function nextFreeSlots(env: Bindings, scope: ProfileScope, integrationIds?: readonly string[]) {
  const { connection, client } = await requirePostiz(env, scope);
  const ids = [...new Set(integrationIds?.length ? integrationIds : connection.integrationIds)];
  if (!ids.length)
    throw new ApiError(
      400,
      'validation_failed',
      'Name a channel with integration_id (the profile has no default channels)',
      {
        details: [{ path: 'integration_id', message: 'required when the profile has no default channels' }],
      },
    );
  const channels = await postiz(() => listChannels(client, connection, ids));
  const missing = ids.filter((i) => !channels.some((c) => c.id === i));
  if (missing.length)
    throw new ApiError(404, 'not_found', `Channel not found: ${missing.join(', ')}`, { details: { missing } });
  return Promise.all(
    ids.map(async (i) => ({
      integration_id: i,
      platform: channels.find((c) => c.id === i)!.provider,
      date: await postiz(() => client.findSlot(i)),
    })),
  );
}
