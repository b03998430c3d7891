/**
 * The stored objects of a clip as signable targets. A clip's row holds R2 keys (never shown to
 * clients); responses and the processor need `MediaTarget`s, which name the object by kind and id
 * and are turned back into keys under the profile by the Worker.
 */
import type { ClipRow } from '../db/repos/clips.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';
import { storageKeys } from '../storage/keys.ts';

/** The raw variant's target, when the clip has one under the expected layout (`clips/{id}/{revision}.mp4`). */
export function rawTargetOf(scope: ProfileScope, clip: Pick<ClipRow, 'id' | 'rawKey'>): MediaTarget | null {
  if (!clip.rawKey) return null;
  const revision = /\/([a-z0-9][a-z0-9_-]*)\.mp4$/i.exec(clip.rawKey)?.[1];
  if (!revision || storageKeys.clipRaw(scope, clip.id, revision) !== clip.rawKey) return null;
  return revision === 'raw' ? { kind: 'clip_raw', id: clip.id } : { kind: 'clip_raw', id: clip.id, revision };
}

/** The rendered video's target, when the last render completed. */
export function finalTargetOf(
  scope: ProfileScope,
  clip: Pick<ClipRow, 'id' | 'finalKey' | 'finalPreset' | 'finalStatus'>,
): MediaTarget | null {
  if (clip.finalStatus !== 'completed' || !clip.finalKey || !clip.finalPreset) return null;
  if (storageKeys.clipFinal(scope, clip.id, clip.finalPreset) !== clip.finalKey) return null;
  return { kind: 'clip_final', id: clip.id, preset: clip.finalPreset };
}

export function thumbnailTargetOf(scope: ProfileScope, clip: Pick<ClipRow, 'id' | 'thumbnailKey'>): MediaTarget | null {
  if (!clip.thumbnailKey || clip.thumbnailKey !== storageKeys.clipThumbnail(scope, clip.id)) return null;
  return { kind: 'clip_thumbnail', id: clip.id };
}
