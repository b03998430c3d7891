/**
 * Polls Postiz (`GET /posts`) for the final state of scheduled and just-published posts: Postiz's
 * webhooks are unsigned and best effort, so polling is the source of truth. Moves a publication to
 * `published` (with release URLs) once every channel's post is PUBLISHED, to `failed` when any
 * channel's post is in ERROR, and leaves it alone otherwise.
 */
import type { Bindings } from '../core/env.ts';
import { getClip, updateClip } from '../db/repos/clips.ts';
import { type PublicationRow, failPublication, openPublications, syncPublication } from '../db/repos/publications.ts';
import type { PublicationPost } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { PostizPost } from '../providers/postiz.ts';
import { postizClientFor, resolvePostizConnection } from './postiz-connection.ts';

export interface RefreshSummary {
  checked: number;
  published: number;
  failed: number;
  unchanged: number;
  /** Publications whose posts Postiz no longer lists (deleted there, or moved out of range). */
  missing: string[];
  error: string | null;
}

const DAY_MS = 24 * 60 * 60_000;

const expectedDate = (p: PublicationRow) => Date.parse(p.scheduledAt ?? p.createdAt);

function merge(publication: PublicationRow, found: PostizPost[]): PublicationPost[] {
  const known = new Map(publication.postizPosts.map((p) => [p.post_id, p]));
  return found.map((post) => ({
    post_id: post.id,
    integration_id: post.integration?.id ?? known.get(post.id)?.integration_id ?? '',
    platform: post.integration?.providerIdentifier ?? known.get(post.id)?.platform ?? null,
    state: String(post.state),
    release_url: post.releaseURL ?? null,
  }));
}

export async function refreshPublications(env: Bindings, scope: ProfileScope, limit = 50): Promise<RefreshSummary> {
  const summary: RefreshSummary = { checked: 0, published: 0, failed: 0, unchanged: 0, missing: [], error: null };
  const open = await openPublications(scope, limit);
  if (!open.length) return summary;
  const connection = await resolvePostizConnection(env, scope);
  if (connection.state !== 'configured') {
    summary.error = 'Postiz is not configured for this profile';
    return summary;
  }
  const client = postizClientFor(env, connection);
  const dates = open.map(expectedDate);
  let posts: PostizPost[];
  try {
    posts = await client.listPosts({
      startDate: new Date(Math.min(...dates) - DAY_MS),
      endDate: new Date(Math.max(...dates, Date.now()) + DAY_MS),
    });
  } catch (err) {
    summary.error = err instanceof Error ? err.message : String(err);
    return summary;
  }
  const byGroup = new Map<string, PostizPost[]>();
  for (const post of posts) if (post.group) byGroup.set(post.group, [...(byGroup.get(post.group) ?? []), post]);

  for (const publication of open) {
    summary.checked++;
    const found = byGroup.get(publication.postizGroup) ?? [];
    if (!found.length) {
      summary.missing.push(publication.id);
      continue;
    }
    const merged = merge(publication, found);
    const errored = merged.filter((p) => p.state === 'ERROR');
    if (errored.length) {
      const where = errored.map((p) => p.platform ?? p.integration_id).join(', ');
      await failPublication(scope, publication.id, `Postiz could not publish to ${where}`, {
        posts: merged,
        fromStatuses: ['scheduled', 'published'],
      });
      await setClipStatus(scope, publication.clipId, 'failed');
      summary.failed++;
      continue;
    }
    if (merged.every((p) => p.state === 'PUBLISHED')) {
      // A "now" publication keeps the time we recorded; a scheduled one takes Postiz's publish date.
      const publishedAt =
        publication.publishedAt ??
        found
          .map((p) => p.publishDate)
          .filter((d): d is string => Boolean(d))
          .sort()
          .at(-1) ??
        new Date().toISOString();
      await syncPublication(scope, publication.id, {
        status: 'published',
        publishedAt,
        releaseUrl: merged.find((p) => p.release_url)?.release_url ?? null,
        posts: merged,
      });
      await setClipStatus(scope, publication.clipId, 'published');
      summary.published++;
      continue;
    }
    summary.unchanged++;
  }
  return summary;
}

async function setClipStatus(scope: ProfileScope, clipId: string, status: 'published' | 'failed') {
  const clip = await getClip(scope, clipId, { includeDeleted: true });
  if (clip && clip.postizStatus !== status) await updateClip(scope, clipId, { postizStatus: status });
}
