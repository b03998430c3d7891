/**
 * A brand kit's intro and outro (routes/profiles/brand-kit.ts): a clip with its video, or a ready
 * source video, of the same profile, named by id. Resolved when the kit is saved (to refuse what
 * cannot be used) and again at each render (what was deleted meanwhile is left out).
 */
import { isId } from '../core/ids.ts';
import { getClip } from '../db/repos/clips.ts';
import { getSourceVideoSummary } from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';
import { rawTargetOf } from './clip-objects.ts';

/** The stored video of a clip or source video of this profile, or null when there is none (yet). */
export async function bookendTarget(scope: ProfileScope, id: string): Promise<MediaTarget | null> {
  if (isId('clip', id)) {
    const clip = await getClip(scope, id);
    return clip ? rawTargetOf(scope, clip) : null;
  }
  if (isId('sourceVideo', id)) {
    const video = await getSourceVideoSummary(scope, id);
    return video?.status === 'ready' ? { kind: 'source_video', id } : null;
  }
  return null;
}
