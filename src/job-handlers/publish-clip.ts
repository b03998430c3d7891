/**
 * `publish_clip`: posts one clip to its channels through Postiz, never twice.
 *
 * Postiz has no idempotency, so the guarantee is ours:
 * 1. the publication row (id = Postiz `group`) is written before Postiz is called;
 * 2. a delivery that finds it `scheduled`/`published` does nothing more;
 * 3. every create call is counted on the row first (compare-and-set, so two concurrent
 *    deliveries cannot both create); a delivery that finds a counted attempt asks Postiz
 *    (`GET /posts` around the date) for posts of that group and adopts them instead of creating;
 * 4. all channels go in ONE create call (the hourly limit counts calls); when an interrupted
 *    earlier call created only some channels' posts, only the missing channels are created.
 * 429 is retried after Postiz's Retry-After; 400/402/401 fail the publication with Postiz's own
 * words; 5xx and timeouts are retried (and step 3 then finds a post the lost answer created).
 */
import { getClip, updateClip } from '../db/repos/clips.ts';
import {
  type PublicationRow,
  claimCreateAttempt,
  completePublication,
  ensurePublication,
  failPublication,
  getPublication,
} from '../db/repos/publications.ts';
import type { PublicationPost } from '../db/schema.ts';
import { ClipVideoUnavailable, isRendered, reusableMedia, uploadClipVideo } from '../publishing/clip-media.ts';
import { postizClientFor, resolvePostizConnection } from '../publishing/postiz-connection.ts';
import { providerErrorToJobError } from '../jobs/provider-failures.ts';
import type { CreatedPost, PostizClient, PostizMediaRef } from '../providers/postiz.ts';
import { isProviderError } from '../providers/provider-error.ts';
import type { JobContext, JobHandler, JobOutcome } from '../jobs/context.ts';
import { PermanentJobError, TransientJobError } from '../jobs/errors.ts';
import type { JobInput } from '../jobs/job-types.ts';

type Ctx = JobContext<'publish_clip'>;
type Input = JobInput<'publish_clip'>;

/** How far around the expected publish date an earlier attempt's posts are looked for. */
const LOOKUP_MARGIN_MS = 60 * 60_000;

function asJobError(err: unknown): unknown {
  return isProviderError(err) ? providerErrorToJobError(err) : err;
}

function stepFor(status: 'draft' | 'scheduled' | 'published', date: string | null): string {
  if (status === 'draft') return 'Draft created in Postiz; waiting for approval';
  return status === 'scheduled' && date
    ? `Scheduled for ${date.slice(0, 16).replace('T', ' ')} UTC`
    : 'Published successfully!';
}

function outcomeOf(publication: PublicationRow, note?: string): JobOutcome {
  const status =
    publication.status === 'scheduled' || publication.status === 'draft' ? publication.status : 'published';
  return {
    result: {
      publication_id: publication.id,
      clip_id: publication.clipId,
      status: publication.status,
      post_ids: publication.postizPostIds,
      scheduled_at: publication.scheduledAt,
      published_at: publication.publishedAt,
      ...(note ? { note } : {}),
    },
    step:
      publication.status === 'cancelled' ? 'Withdrawn before it went out' : stepFor(status, publication.scheduledAt),
  };
}

function postsOf(
  input: Input,
  created: { postId: string; integration: string; state?: string; releaseUrl?: string | null }[],
): PublicationPost[] {
  return created.map((c) => ({
    post_id: c.postId,
    integration_id: c.integration,
    platform: input.integrations.find((i) => i.id === c.integration)?.provider ?? null,
    state: c.state ?? 'QUEUE',
    release_url: c.releaseUrl ?? null,
  }));
}

/** Posts an earlier attempt created (its answer lost, or the job died before recording it). */
async function findEarlierPosts(client: PostizClient, input: Input, publication: PublicationRow) {
  const expected = input.date ? Date.parse(input.date) : Date.parse(publication.createdAt);
  const from = Math.min(expected, Date.parse(publication.createdAt)) - LOOKUP_MARGIN_MS;
  const to = Math.max(expected, Date.now()) + LOOKUP_MARGIN_MS;
  const posts = await client.listPosts({ startDate: new Date(from), endDate: new Date(to) });
  return posts
    .filter((p) => p.group === publication.postizGroup)
    .map((p) => ({ postId: p.id, integration: p.integration?.id ?? '', state: p.state, releaseUrl: p.releaseURL }));
}

async function finish(
  ctx: Ctx,
  publication: PublicationRow,
  created: Parameters<typeof postsOf>[1],
): Promise<JobOutcome> {
  const { scope, input } = ctx;
  const status = input.draft
    ? 'draft'
    : input.post_type === 'schedule' && input.date && Date.parse(input.date) > Date.now()
      ? 'scheduled'
      : 'published';
  const posts = postsOf(input, created);
  const at = new Date().toISOString();
  const done = await completePublication(scope, publication.id, {
    status,
    posts,
    scheduledAt: input.date,
    publishedAt: status === 'published' ? at : null,
    releaseUrl: posts.find((p) => p.release_url)?.release_url ?? null,
  });
  const row = done ?? (await getPublication(scope, publication.id))!;
  await updateClip(scope, input.clip_id, {
    postizStatus: row.status === 'draft' ? 'sent' : row.status === 'scheduled' ? 'scheduled' : 'published',
    postizPostId: posts[0]?.post_id ?? null,
    postizScheduledAt: status === 'scheduled' ? input.date : null,
  });
  await ctx.progress(100, stepFor(status, input.date), true);
  return outcomeOf(row);
}

async function run(ctx: Ctx): Promise<JobOutcome> {
  const { env, scope, input } = ctx;
  const label = input.total > 1 ? ` (clip ${input.position + 1} of ${input.total})` : '';
  await ctx.progress(0, `Initializing...${label}`, true);
  const clipChannels = input.integrations.map((i) => i.id);
  const publication = await ensurePublication(scope, {
    id: input.publication_id,
    clipId: input.clip_id,
    jobId: ctx.job.id,
    integrationIds: clipChannels,
    platforms: [...new Set(input.integrations.map((i) => i.provider))],
    caption: input.caption,
    scheduledAt: input.date,
    draft: input.draft === true,
    channelOverrides: Object.fromEntries(
      input.integrations
        .filter((i) => i.caption !== undefined || i.first_comment !== undefined)
        .map((i) => [
          i.id,
          {
            ...(i.caption !== undefined ? { caption: i.caption } : {}),
            ...(i.first_comment !== undefined ? { first_comment: i.first_comment } : {}),
          },
        ]),
    ),
  });
  if (publication.status === 'scheduled' || publication.status === 'published' || publication.status === 'draft')
    return outcomeOf(publication, 'already posted; nothing sent again');
  if (publication.status === 'cancelled') return outcomeOf(publication, 'the publication was cancelled; nothing sent');
  if (publication.status === 'failed')
    throw new PermanentJobError('publication_failed', publication.errorMessage ?? 'The publication failed');

  const clip = await getClip(scope, input.clip_id);
  if (!clip) throw new PermanentJobError('clip_not_found', 'The clip was deleted before it could be published');
  if (!isRendered(clip))
    throw new PermanentJobError(
      'clip_not_rendered',
      'The clip is no longer rendered (a new render started or failed); publish it again once rendered',
    );

  const connection = await resolvePostizConnection(env, scope);
  if (connection.state !== 'configured') {
    throw new PermanentJobError(
      'not_configured',
      'Postiz is no longer configured for this profile; configure it and publish again',
    );
  }
  const client = postizClientFor(env, connection);

  await ctx.progress(10, `Fetching platform info...${label}`, true);
  let earlier: Awaited<ReturnType<typeof findEarlierPosts>> = [];
  if (publication.attempts > 0) {
    try {
      earlier = await findEarlierPosts(client, input, publication);
    } catch (err) {
      // Without knowing whether the earlier attempt posted, creating again could double-post.
      throw asJobError(err);
    }
  }
  // Postiz creates a call's posts one channel after another: an interrupted call may have made some.
  const remaining = input.integrations.filter((i) => !earlier.some((p) => p.integration === i.id));
  if (!remaining.length) return finish(ctx, publication, earlier);
  await ctx.throwIfCancelled();

  let media: PostizMediaRef | null = await reusableMedia(env, clip);
  if (!media) {
    await ctx.progress(20, `Uploading video to Postiz...${label}`, true);
    try {
      media = await uploadClipVideo(env, scope, client, clip);
    } catch (err) {
      if (err instanceof ClipVideoUnavailable)
        throw new PermanentJobError('clip_video_missing', `Cannot publish: ${err.message}`);
      throw asJobError(err);
    }
  }

  await ctx.progress(70, `Creating post...${label}`, true);
  await ctx.throwIfCancelled();
  if (!(await claimCreateAttempt(scope, publication.id, publication.attempts))) {
    throw new TransientJobError(
      'publication_busy',
      'Another delivery of this job is creating the post; checking again shortly',
      30,
    );
  }
  let created: CreatedPost[];
  try {
    created = await client.createPost({
      type: input.draft ? 'draft' : input.post_type,
      date: input.date ?? undefined,
      posts: remaining.map((i) => ({
        integrationId: i.id,
        group: publication.postizGroup,
        content: i.caption ?? input.caption,
        media,
        settings: i.settings,
        ...(i.first_comment !== undefined ? { comments: [i.first_comment] } : {}),
      })),
    });
  } catch (err) {
    throw asJobError(err);
  }
  const all = [...earlier, ...created];
  return finish(
    ctx,
    publication,
    input.integrations.flatMap((i) => all.filter((p) => p.integration === i.id)),
  );
}

export const publishClipHandler: JobHandler<'publish_clip'> = {
  run,
  /** The job failed for good: the publication says why, in Postiz's words when it answered. */
  async onFailure(ctx, _code, message) {
    const failed = await failPublication(ctx.scope, ctx.input.publication_id, message);
    if (!failed) return;
    const clip = await getClip(ctx.scope, ctx.input.clip_id, { includeDeleted: true });
    if (
      clip &&
      (clip.postizStatus === 'not_sent' || clip.postizStatus === 'uploaded' || clip.postizStatus === 'sent')
    ) {
      await updateClip(ctx.scope, clip.id, { postizStatus: 'failed' });
    }
  },
};
