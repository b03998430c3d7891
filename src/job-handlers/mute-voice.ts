/**
 * `mute_voice` (`/mute-voice`, docs/compatibility.md#mute-voice): speech found by voice detection (cached on the
 * source video when it ran with the same parameters) is muted over the whole video — hard, ducked
 * to `keep_percentage`, or with the original's exponential fades — with the video stream copied,
 * into the job output `muted.mp4`. Deterministic output, so a redelivery overwrites the same object.
 */
import { jobOutput, jobOutputKey, videoInfoOf } from '../storage/job-outputs.ts';
import { safeFilename } from '../core/filenames.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { readySourceVideo, voiceIntervals } from '../pipeline/source-video.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

const OUTPUT = 'muted.mp4';

export function muteVoiceHandler(processorFor: ProcessorFor): JobHandler<'mute_voice'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const processor = processorFor(ctx);
      const video = await readySourceVideo(scope, input.source_video_id);
      await ctx.progress(5, 'Detecting voice segments...', true);
      const voice = await voiceIntervals(env, scope, processor, video.id, input.detect, (e) =>
        ctx.progress(5 + e.percent * 0.45, 'Detecting voice segments...'),
      );
      await ctx.throwIfCancelled();

      const outputKey = jobOutputKey(scope, ctx.job.id, OUTPUT);
      await ctx.recordOutputs([outputKey]);
      await ctx.progress(50, `Found ${voice.segments.length} voice segments. Muting...`, true);
      const muted = await callProcessor(async () =>
        processor.run(
          'mute',
          {
            input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
            intervals: voice.segments.map((s) => ({ start: s.start, end: s.end })),
            margins: input.margins,
            mode: input.mode,
            keep_percentage: input.keep_percentage,
            ...(input.fade_duration !== null ? { fade_duration: input.fade_duration } : {}),
            output: await mediaOutput(env, scope, jobOutput(ctx.job.id, OUTPUT), 'video/mp4'),
          },
          (e) => ctx.progress(50 + e.percent * 0.48, `Found ${voice.segments.length} voice segments. Muting...`),
        ),
      );
      return {
        result: {
          status: 'success',
          final_video_output: OUTPUT,
          voice_segments: voice.segments,
          segments_muted: muted.intervals.length,
          muted_intervals: muted.intervals,
          total_voice_duration: voice.total_voice_duration,
          mode: input.mode,
          keep_percentage: input.keep_percentage,
          video_copied: muted.video_copied,
          duration: muted.duration,
          video_info: videoInfoOf(video),
          voice_detection_cached: voice.cached,
          main_output: OUTPUT,
          download_filename: safeFilename(`${input.output_name}_voice_muted.mp4`),
        },
        outputKeys: [outputKey],
        processingSeconds: video.duration,
        step: `Muted ${muted.intervals.length} voice segment(s)`,
      };
    },
  };
}
