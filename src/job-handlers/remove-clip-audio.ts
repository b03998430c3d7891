/**
 * `remove_clip_audio`: the clip's raw video without its audio track, video stream-copied (as the
 * original's `-c:v copy -an`, but as a job, not inside the request). The clip gets a new raw object
 * (`clips/{id}/noaudio.mp4`) and `has_audio = false`; the previous raw object is removed. A render
 * made earlier keeps its own audio until the clip is rendered again.
 */
import { getClip, updateClip } from '../db/repos/clips.ts';
import { rawTargetOf } from '../library/clip-objects.ts';
import { storageKeys } from '../storage/keys.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { mediaInput, mediaOutput, progressSlice } from '../processor/io.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export const NO_AUDIO_REVISION = 'noaudio';

export function removeClipAudioHandler(processorFor: ProcessorFor): JobHandler<'remove_clip_audio'> {
  return {
    async run(ctx) {
      const { env, scope } = ctx;
      const clip = await getClip(scope, ctx.input.clip_id, { includeDeleted: true });
      if (!clip) throw new PermanentJobError('not_found', 'The clip no longer exists');
      if (!clip.hasAudio)
        return { result: { clip_id: clip.id, has_audio: false, unchanged: true }, step: 'Already without audio' };
      const raw = rawTargetOf(scope, clip);
      if (!raw) throw new PermanentJobError('no_video', 'The clip has no video');
      const result = await callProcessor(async () =>
        processorFor(ctx).run(
          'remove-audio',
          {
            input: await mediaInput(env, scope, raw),
            output: await mediaOutput(
              env,
              scope,
              { kind: 'clip_raw', id: clip.id, revision: NO_AUDIO_REVISION },
              'video/mp4',
            ),
          },
          progressSlice((p, s) => ctx.progress(p, s), 2, 95, 'Removing the audio track'),
        ),
      );
      const newKey = storageKeys.clipRaw(scope, clip.id, NO_AUDIO_REVISION);
      await updateClip(scope, clip.id, { rawKey: newKey, hasAudio: false, duration: result.duration });
      if (clip.rawKey && clip.rawKey !== newKey) await env.MEDIA.delete(clip.rawKey);
      return {
        result: { clip_id: clip.id, has_audio: false, duration: result.duration, size_bytes: result.size_bytes },
        processingSeconds: result.duration,
        step: 'Audio removed',
      };
    },
  };
}
