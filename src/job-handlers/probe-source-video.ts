/**
 * `probe_source_video`: after an upload completes, reads the video's metadata, renders a thumbnail
 * into R2 and computes its waveform (4000 bins, stored once), then marks the video ready and makes
 * its storyboard sprite, so the editor's scrubber is there when the video is first opened (a
 * storyboard failure is logged and left to the first request; the upload stays ready).
 * Idempotent: a redelivered job for a ready video changes nothing. Bad media fails the video with
 * the processor's error code; an unreachable processor is retried.
 */
import { getSourceVideoSummary, markSourceVideoFailed, markSourceVideoReady } from '../db/repos/source-videos.ts';
import { mediaInput, mediaOutput, progressSlice } from '../processor/io.ts';
import { storageKeys } from '../storage/keys.ts';
import { STORED_WAVEFORM_BINS, roundBin } from '../source-videos/waveform.ts';
import { ensureStoryboard, readyVideo, storyboardPlan } from '../source-videos/posters.ts';
import type { JobContext, JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { JobDeferredError, OperationPendingError, PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export const THUMBNAIL_WIDTH = 640;

export function probeSourceVideoHandler(processorFor: ProcessorFor): JobHandler<'probe_source_video'> {
  return {
    async run(ctx) {
      const { env, scope } = ctx;
      const id = ctx.input.source_video_id;
      const video = await getSourceVideoSummary(scope, id);
      if (!video) throw new PermanentJobError('not_found', 'The source video no longer exists');
      if (video.status === 'ready') {
        // A later delivery: the one that marked the video ready may have stopped before the storyboard.
        const storyboard = await storyboardAtProbe(ctx, processorFor(ctx));
        return {
          result: { source_video_id: id, status: 'ready', unchanged: true, storyboard },
          step: 'Already probed',
        };
      }
      if (video.status === 'failed') {
        throw new PermanentJobError(
          video.errorCode ?? 'failed',
          video.errorMessage ?? 'The source video has already failed',
        );
      }
      if (video.status !== 'processing')
        throw new PermanentJobError('invalid_state', 'The upload of this video has not completed');

      const processor = processorFor(ctx);
      const input = await mediaInput(env, scope, { kind: 'source_video', id });
      const report = (percent: number, step: string) => ctx.progress(percent, step);

      await ctx.progress(2, 'Reading metadata', true);
      const probe = await callProcessor(() =>
        processor.run('probe', { input }, progressSlice(report, 2, 30, 'Reading metadata')),
      );
      if (!probe.has_video) throw new PermanentJobError('no_video_stream', 'The file has no video stream');
      if (video.maxDurationSeconds !== null && probe.duration > video.maxDurationSeconds + 0.05) {
        throw new PermanentJobError(
          'limits_exceeded',
          `The video is ${probe.duration.toFixed(2)} s long, over the declared maximum of ${video.maxDurationSeconds} s`,
        );
      }
      await ctx.throwIfCancelled();

      await ctx.progress(30, 'Rendering thumbnail', true);
      const thumbnailKey = storageKeys.sourceThumbnail(scope, id);
      const thumbnailOutput = await mediaOutput(env, scope, { kind: 'source_thumbnail', id }, 'image/jpeg');
      // As the original: one second in, or the middle of shorter videos.
      const thumbnailTime = Math.min(1, probe.duration / 2);
      await callProcessor(() =>
        processor.run(
          'thumbnail',
          {
            input,
            time: thumbnailTime,
            width: Math.max(16, Math.min(THUMBNAIL_WIDTH, probe.width)),
            output: thumbnailOutput,
          },
          progressSlice(report, 30, 50, 'Rendering thumbnail'),
        ),
      );
      await ctx.throwIfCancelled();

      await ctx.progress(50, 'Computing waveform', true);
      const waveform = await callProcessor(() =>
        processor.run(
          'waveform',
          { input, bins: STORED_WAVEFORM_BINS },
          progressSlice(report, 50, 95, 'Computing waveform'),
        ),
      );

      const changed = await markSourceVideoReady(scope, id, {
        duration: probe.duration,
        width: probe.width,
        height: probe.height,
        fps: probe.fps,
        rotation: probe.rotation,
        videoCodec: probe.video_codec,
        audioCodec: probe.audio_codec,
        hasAudio: probe.has_audio,
        bitRate: probe.bit_rate,
        fileSizeBytes: probe.size_bytes ?? video.fileSizeBytes ?? video.declaredSizeBytes,
        thumbnailKey,
        waveform: waveform.peaks.map(roundBin),
      });
      if (!changed) {
        // Deleted (or failed) while we worked: its objects are gone or going; report, change nothing.
        const now = await getSourceVideoSummary(scope, id);
        if (!now) throw new PermanentJobError('not_found', 'The source video was deleted while it was being probed');
      }
      const storyboard = changed ? await storyboardAtProbe(ctx, processor) : 'skipped';
      return {
        result: {
          source_video_id: id,
          status: 'ready',
          duration: probe.duration,
          width: probe.width,
          height: probe.height,
          fps: probe.fps,
          rotation: probe.rotation,
          orientation: probe.orientation,
          // The original's /video-info fields (docs/compatibility.md#routes-processing): display size, rotation applied.
          aspect_ratio: probe.orientation,
          is_vertical: probe.height > probe.width,
          video_codec: probe.video_codec,
          audio_codec: probe.audio_codec,
          has_audio: probe.has_audio,
          waveform_bins: waveform.peaks.length,
          storyboard,
        },
        processingSeconds: probe.duration,
        step: 'Ready',
      };
    },

    async onFailure(ctx, code, message) {
      await markSourceVideoFailed(ctx.scope, ctx.input.source_video_id, code, message, ['processing']);
    },
  };
}

/**
 * The storyboard sprite of the video just marked ready, made now rather than on the first request.
 * Never fails the job: the video is ready, and the storyboard routes make the sprite on request.
 * A request already making it (the video was ready a moment ago) is left to finish it; a sprite
 * already stored (a later delivery) costs one R2 HEAD.
 */
async function storyboardAtProbe(
  ctx: JobContext<'probe_source_video'>,
  processor: ReturnType<ProcessorFor>,
): Promise<'made' | 'stored' | 'not_made'> {
  const id = ctx.input.source_video_id;
  await ctx.progress(96, 'Making storyboard', true);
  try {
    const row = await getSourceVideoSummary(ctx.scope, id);
    if (!row) return 'not_made';
    const video = readyVideo(row);
    const sprite = await ctx.timings.timed('storyboard', () =>
      ensureStoryboard(ctx.env, ctx.scope, video, storyboardPlan(video), { processor, waitMs: 0 }),
    );
    return sprite.made ? 'made' : 'stored';
  } catch (err) {
    // Not failures: the operation goes on in a later delivery (which lands in the branch for a ready video).
    if (err instanceof OperationPendingError || err instanceof JobDeferredError) throw err;
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'storyboard not made at probe; the first storyboard request makes it',
        job_id: ctx.job.id,
        source_video_id: id,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    return 'not_made';
  }
}
