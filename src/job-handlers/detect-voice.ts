/**
 * `detect_voice`: speech intervals of a ready source video, cached on the video so
 * `GET …/{id}/voice` and `POST /detect-voice` answer from D1 next time (for the same parameters).
 */
import { getSourceVideoSummary, setVoiceDetection } from '../db/repos/source-videos.ts';
import { readySourceVideo, voiceDetectionRecord } from '../pipeline/source-video.ts';
import { mediaInput } from '../processor/io.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export function detectVoiceHandler(processorFor: ProcessorFor): JobHandler<'detect_voice'> {
  return {
    async run(ctx) {
      const { env, scope } = ctx;
      const id = ctx.input.source_video_id;
      // An upload still being probed (POST /detect-voice with a file) makes the job wait for it.
      await readySourceVideo(scope, id);

      const input = await mediaInput(env, scope, { kind: 'source_video', id });
      await ctx.progress(5, 'Detecting speech', true);
      const result = await callProcessor(() =>
        processorFor(ctx).run('detect-voice', { input, ...ctx.input.params }, async (e) => {
          await ctx.progress(5 + e.percent * 0.9, 'Detecting speech');
        }),
      );
      const voice = voiceDetectionRecord(ctx.input.params, result);
      if (!(await getSourceVideoSummary(scope, id)))
        throw new PermanentJobError('not_found', 'The source video was deleted meanwhile');
      await setVoiceDetection(scope, id, voice);
      return {
        result: {
          source_video_id: id,
          ...voice,
          // The original's /detect-voice answer (docs/compatibility.md#routes-processing).
          status: 'success',
          voice_segments: voice.segments,
          segments_count: voice.segments.length,
          threshold_used: ctx.input.params.threshold,
        },
        processingSeconds: result.duration,
        step: `${result.segments.length} speech interval(s)`,
      };
    },
  };
}
