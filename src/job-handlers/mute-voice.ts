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
import { cachedVoiceIntervals, readySourceVideo, rememberVoiceDetection } from '../pipeline/source-video.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

const OUTPUT = 'muted.mp4';

export function muteVoiceHandler(processorFor: ProcessorFor): JobHandler<'mute_voice'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const processor = processorFor(ctx);
      const video = await readySourceVideo(scope, input.source_video_id);
      const cached = await cachedVoiceIntervals(scope, video.id, input.detect);
      const outputKey = jobOutputKey(scope, ctx.job.id, OUTPUT);
      await ctx.recordOutputs([outputKey]);
      const step = cached ? `Found ${cached.segments.length} voice segments. Muting...` : 'Detecting voice segments...';
      await ctx.progress(5, step, true);
      // Without a cached detection, one `mute` operation detects and mutes from one read of the video.
      const muted = await callProcessor(async () =>
        processor.run(
          'mute',
          {
            input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
            ...(cached
              ? { intervals: cached.segments.map((s) => ({ start: s.start, end: s.end })) }
              : { detect: input.detect }),
            margins: input.margins,
            mode: input.mode,
            keep_percentage: input.keep_percentage,
            ...(input.fade_duration !== null ? { fade_duration: input.fade_duration } : {}),
            output: await mediaOutput(env, scope, jobOutput(ctx.job.id, OUTPUT), 'video/mp4'),
          },
          (e) => ctx.progress(5 + e.percent * 0.93, e.percent < 40 && !cached ? step : 'Muting...'),
        ),
      );
      const voice =
        cached ??
        (muted.detection ? await rememberVoiceDetection(scope, video.id, input.detect, muted.detection) : null);
      if (!voice)
        throw new PermanentJobError('processor_error', 'The processor muted without reporting the speech it detected');
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
