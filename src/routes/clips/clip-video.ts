/** Routes that work on a clip's video need one (409 while generation has not made it yet). */
import { ApiError } from '../../core/errors.ts';
import type { ClipRow } from '../../db/repos/clips.ts';

export function requireVideo(clip: ClipRow) {
  if (!clip.rawKey) throw new ApiError(409, 'conflict', `Clip ${clip.id} has no video yet`);
}
