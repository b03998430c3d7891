/**
 * `tts_add_to_videos` (`/tts/add-to-videos`, docs/compatibility.md#tts): ONE voice-over mixed into several
 * owned videos (clips or source videos, never paths), each with the video stream-copied and its
 * own sound ducked under the voice (the processor's `audio` op). Each result is a job output
 * `video-{n}.mp4` (downloaded as `{name}{output_suffix}.mp4`); the clips themselves are not
 * changed. A video that cannot be used fails alone, as in the original; a transient failure
 * retries the job, which skips the videos already done.
 */
import { getClip } from '../db/repos/clips.ts';
import { getSourceVideoSummary } from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import { jobOutput, jobOutputKey, pruneJobObjects } from '../storage/job-outputs.ts';
import { safeFilename } from '../core/filenames.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { type MediaTarget, mediaTargetSchema } from '../storage/signed-urls.ts';
import { storageKeys } from '../storage/keys.ts';
import { synthesizeVoiceover, voiceoverFacts } from '../voiceover/synthesize.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

const AUDIO = 'voiceover.mp3';

interface Resolved {
  target: MediaTarget;
  name: string;
}

/** The clip's current raw video as a media target (its key names the revision). */
export function clipRawTarget(scope: ProfileScope, clip: { id: string; rawKey: string | null }): MediaTarget | null {
  if (!clip.rawKey) return null;
  const prefix = storageKeys.clipPrefix(scope, clip.id);
  if (!clip.rawKey.startsWith(prefix) || !clip.rawKey.endsWith('.mp4')) return null;
  const parsed = mediaTargetSchema.safeParse({
    kind: 'clip_raw',
    id: clip.id,
    revision: clip.rawKey.slice(prefix.length, -'.mp4'.length),
  });
  return parsed.success ? parsed.data : null;
}

async function resolve(
  scope: ProfileScope,
  item: { clip_id: string } | { source_video_id: string },
): Promise<Resolved> {
  if ('clip_id' in item) {
    const clip = await getClip(scope, item.clip_id);
    if (!clip) throw new PermanentJobError('not_found', `Clip ${item.clip_id} no longer exists`);
    const target = clipRawTarget(scope, clip);
    if (!target) throw new PermanentJobError('invalid_state', `Clip ${item.clip_id} has no video yet`);
    return { target, name: clip.variantName ?? clip.id };
  }
  const video = await getSourceVideoSummary(scope, item.source_video_id);
  if (!video) throw new PermanentJobError('not_found', `Source video ${item.source_video_id} no longer exists`);
  if (video.status !== 'ready')
    throw new PermanentJobError('invalid_state', `Source video ${item.source_video_id} is ${video.status}, not ready`);
  return {
    target: { kind: 'source_video', id: video.id },
    name: (video.originalFilename ?? video.name).replace(/\.[a-z0-9]{1,5}$/i, ''),
  };
}

export function ttsAddToVideosHandler(processorFor: ProcessorFor): JobHandler<'tts_add_to_videos'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const processor = processorFor(ctx);
      const vo = await synthesizeVoiceover(env, scope, {
        text: input.tts_text,
        jobId: ctx.job.id,
        ...(input.voice ? { voice: input.voice } : {}),
        removeSilence: input.remove_silence,
        minSilence: input.min_silence_duration,
        padding: input.silence_padding,
        output: jobOutput(ctx.job.id, AUDIO),
        recordOutputs: ctx.recordOutputs,
        processor,
        onProgress: (p, step) => ctx.progress(p * 0.3, step),
      });
      const audio = await mediaInput(env, scope, vo.audioTarget);

      const processed: Record<string, unknown>[] = [];
      const keep = [vo.audioKey, ...vo.cacheKeys];
      let seconds = vo.duration;
      for (const [i, item] of input.videos.entries()) {
        await ctx.throwIfCancelled();
        const name = `video-${i + 1}.mp4`;
        const original = { ...item };
        const step = `Adding the voice-over to video ${i + 1} of ${input.videos.length}`;
        try {
          const { target, name: stem } = await resolve(scope, item);
          const key = jobOutputKey(scope, ctx.job.id, name);
          await ctx.recordOutputs([key]);
          const mixed = await callProcessor(async () =>
            processor.run(
              'audio',
              {
                video: await mediaInput(env, scope, target),
                audio,
                mode: 'mix',
                duck_to: input.duck_to,
                ducking: input.ducking,
                output: await mediaOutput(env, scope, jobOutput(ctx.job.id, name), 'video/mp4'),
              },
              (e) => ctx.progress(30 + (70 * (i + e.percent / 100)) / input.videos.length, step),
            ),
          );
          keep.push(key);
          seconds += mixed.duration;
          processed.push({
            original,
            with_tts_output: name,
            download_filename: safeFilename(`${stem}${input.output_suffix}.mp4`),
            duration: mixed.duration,
            video_copied: mixed.video_copied,
            status: 'success',
          });
        } catch (err) {
          if (!(err instanceof PermanentJobError)) throw err;
          processed.push({ original, status: 'failed', error: err.message, error_code: err.code });
        }
      }
      const successful = processed.filter((p) => p.status === 'success').length;
      if (!successful) {
        throw new PermanentJobError(
          'no_video_processed',
          `No video could take the voice-over: ${processed.map((p) => p.error).join('; ')}`,
        );
      }
      const outputKeys = await pruneJobObjects(env, scope, ctx.job.id, keep);
      const first = processed.find((p) => p.status === 'success')!;
      return {
        result: {
          status: 'success',
          processed_videos: processed,
          total: processed.length,
          successful,
          audio_output: AUDIO,
          srt: vo.srt,
          voiceover: {
            ...voiceoverFacts(vo),
            duck_to: input.duck_to,
            ducking: input.ducking,
          },
          silence_removal: vo.silence_removal,
          main_output: first.with_tts_output,
          download_filename: first.download_filename,
        },
        outputKeys,
        processingSeconds: seconds,
        step: `Voice-over added to ${successful} of ${processed.length} video(s)`,
      };
    },
  };
}
