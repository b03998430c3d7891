/**
 * R2 object keys. Every object of a profile lives under `p/{profile_id}/`, so deleting a profile or
 * sweeping orphans is a prefix operation, and a key can never be built for another profile: the
 * builders take the scope, not a bare id. Keys never leave the Worker (responses carry signed URLs).
 */
import { ANY_ID_SOURCE, idSource } from '../core/ids.ts';
import type { ProfileScope } from '../db/scope.ts';

export const profilePrefix = (profileId: string) => `p/${profileId}/`;

/** `p/{profile_id}/` as a regex source without anchors: the start of every key a profile owns. */
export const PROFILE_PREFIX_SOURCE = `p/${idSource('profile')}/`;
const UNDER_A_PROFILE = new RegExp(`^${PROFILE_PREFIX_SOURCE}`);
/** What a purge may delete: a whole profile prefix, or one record's prefix inside it. */
export const PURGE_PREFIX = new RegExp(`^${PROFILE_PREFIX_SOURCE}([a-z]+/${ANY_ID_SOURCE}/)?$`);

const base = (scope: ProfileScope) => profilePrefix(scope.profileId);

export const storageKeys = {
  sourceVideo: (scope: ProfileScope, videoId: string) => `${base(scope)}videos/${videoId}/source`,
  sourceThumbnail: (scope: ProfileScope, videoId: string) => `${base(scope)}videos/${videoId}/thumbnail.jpg`,
  /** A poster at one frame and width; `name` is built by source-videos/posters.ts. */
  sourcePoster: (scope: ProfileScope, videoId: string, name: string) =>
    `${base(scope)}videos/${videoId}/posters/${name}`,
  sourceStoryboard: (scope: ProfileScope, videoId: string) => `${base(scope)}videos/${videoId}/storyboard.jpg`,
  videoPrefix: (scope: ProfileScope, videoId: string) => `${base(scope)}videos/${videoId}/`,
  segmentExtract: (scope: ProfileScope, segmentId: string) => `${base(scope)}segments/${segmentId}/extract.mp4`,
  segmentThumbnail: (scope: ProfileScope, segmentId: string) => `${base(scope)}segments/${segmentId}/thumbnail.jpg`,
  segmentPrefix: (scope: ProfileScope, segmentId: string) => `${base(scope)}segments/${segmentId}/`,
  clipRaw: (scope: ProfileScope, clipId: string, revision = 'raw') => `${base(scope)}clips/${clipId}/${revision}.mp4`,
  clipThumbnail: (scope: ProfileScope, clipId: string) => `${base(scope)}clips/${clipId}/thumbnail.jpg`,
  clipFinal: (scope: ProfileScope, clipId: string, preset: string) =>
    `${base(scope)}clips/${clipId}/final-${preset}.mp4`,
  clipVoiceover: (scope: ProfileScope, clipId: string) => `${base(scope)}clips/${clipId}/voiceover.mp3`,
  /** What the cached voice-over says and how long it is (text, voice, duration, captions). */
  clipVoiceoverMeta: (scope: ProfileScope, clipId: string) => `${base(scope)}clips/${clipId}/voiceover.json`,
  clipPrefix: (scope: ProfileScope, clipId: string) => `${base(scope)}clips/${clipId}/`,
  jobOutput: (scope: ProfileScope, jobId: string, name: string) => `${base(scope)}jobs/${jobId}/${name}`,
  jobPrefix: (scope: ProfileScope, jobId: string) => `${base(scope)}jobs/${jobId}/`,
  /** The brand kit's logo (PNG or SVG); one per profile, replaced on upload. */
  brandLogo: (scope: ProfileScope, format: 'png' | 'svg' = 'png') => `${base(scope)}brand/logo.${format}`,
};

/** True when `key` belongs to the scope's profile (defence in depth before serving or deleting). */
export function keyBelongsTo(scope: ProfileScope, key: string): boolean {
  return key.startsWith(base(scope));
}

/** Deletes every object under `prefix`, 1000 keys per round trip. Returns how many were removed. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  if (!UNDER_A_PROFILE.test(prefix)) throw new Error(`refusing to delete outside a profile: ${prefix}`);
  let removed = 0;
  let cursor: string | undefined;
  do {
    const listing = await bucket.list({ prefix, cursor, limit: 1000 });
    const keys = listing.objects.map((o) => o.key);
    if (keys.length) await bucket.delete(keys);
    removed += keys.length;
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
  return removed;
}
