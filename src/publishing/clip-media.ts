/**
 * Sends a clip's video to Postiz: the rendered file when there is one, else the raw variant, read
 * from R2 and streamed straight into the multipart upload (never held in memory). The media id and
 * path Postiz answers are recorded on the clip, so publishing can reuse them.
 */
import type { Bindings } from '../core/env.ts';
import { type ClipRow, updateClip } from '../db/repos/clips.ts';
import type { ProfileScope } from '../db/scope.ts';
import { keyBelongsTo } from '../storage/keys.ts';
import type { PostizClient, PostizMediaRef } from '../providers/postiz.ts';

export class ClipVideoUnavailable extends Error {
  override name = 'ClipVideoUnavailable';
}

export type ClipVideoSource = 'final' | 'raw';

/** The R2 key of the video to publish: rendered when completed, else the raw variant. */
export function clipVideoKey(clip: ClipRow): { key: string; source: ClipVideoSource } | null {
  if (clip.finalStatus === 'completed' && clip.finalKey) return { key: clip.finalKey, source: 'final' };
  if (clip.rawKey) return { key: clip.rawKey, source: 'raw' };
  return null;
}

export const isRendered = (clip: ClipRow) => clip.finalStatus === 'completed' && Boolean(clip.finalKey);

const mediaSource = (key: string, etag: string) => `${key}#${etag}`;

/**
 * Media already in Postiz that still shows the clip's current video: uploaded from the object the
 * clip would publish now (same key and etag). A later render, or an upload of the raw variant
 * before rendering, makes it stale.
 */
export async function reusableMedia(env: Bindings, clip: ClipRow): Promise<PostizMediaRef | null> {
  const video = clipVideoKey(clip);
  if (!video || !clip.postizMediaId || !clip.postizMediaPath || !clip.postizMediaSource) return null;
  const head = await env.MEDIA.head(video.key);
  if (!head || clip.postizMediaSource !== mediaSource(video.key, head.etag)) return null;
  return { id: clip.postizMediaId, path: clip.postizMediaPath };
}

/** Statuses an upload may set to `uploaded` (a clip already posted keeps its post status). */
const UPLOADABLE_STATUSES = new Set<ClipRow['postizStatus']>(['not_sent', 'uploaded', 'failed']);

export interface UploadedClipMedia extends PostizMediaRef {
  source: ClipVideoSource;
  size: number;
}

export async function uploadClipVideo(
  env: Bindings,
  scope: ProfileScope,
  client: PostizClient,
  clip: ClipRow,
): Promise<UploadedClipMedia> {
  const video = clipVideoKey(clip);
  if (!video) throw new ClipVideoUnavailable('the clip has no video yet (neither rendered nor raw)');
  // Defence in depth: a key outside the profile's prefix is never read.
  if (!keyBelongsTo(scope, video.key))
    throw new ClipVideoUnavailable('the clip video is not stored under this profile');
  const object = await env.MEDIA.get(video.key);
  if (!object)
    throw new ClipVideoUnavailable(
      `the clip's ${video.source === 'final' ? 'rendered' : 'raw'} video is missing from storage`,
    );
  const media = await client.uploadMedia({
    filename: `${clip.id}.mp4`,
    contentType: object.httpMetadata?.contentType?.startsWith('video/') ? object.httpMetadata.contentType : 'video/mp4',
    body: object.body,
    size: object.size,
  });
  await updateClip(scope, clip.id, {
    postizMediaId: media.id,
    postizMediaPath: media.path,
    postizMediaSource: mediaSource(video.key, object.etag),
    ...(UPLOADABLE_STATUSES.has(clip.postizStatus) ? { postizStatus: 'uploaded' as const } : {}),
  });
  return { id: media.id, path: media.path, source: video.source, size: object.size };
}
