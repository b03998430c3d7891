/**
 * `analyze_video` (`/analyze`): the best segments for a target duration, in the original's shape
 * `{video_info, segments, total_selected_duration}` (docs/compatibility.md#routes-processing). Gemini (with `context_text`, when a
 * key is configured; calls billed to the ledger, the analysis stored under the job so a redelivery
 * does not pay again) or the processor's highlights scoring.
 */
import { jobOutputKey, pruneJobObjects, videoInfoOf } from '../storage/job-outputs.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { findCandidates } from '../pipeline/candidates.ts';
import { readySourceVideo } from '../pipeline/source-video.ts';
import { totalDuration } from '../pipeline/variant-selection.ts';

export function analyzeVideoHandler(processorFor: ProcessorFor): JobHandler<'analyze_video'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const video = await readySourceVideo(scope, input.source_video_id);
      await ctx.progress(2, 'Analysing the video', true);
      const set = await findCandidates({
        env,
        scope,
        processor: processorFor(ctx),
        jobId: ctx.job.id,
        attempt: ctx.attempt,
        video: { id: video.id, duration: video.duration },
        target: input.target_duration,
        variantCount: 1,
        engine: input.engine,
        contextText: input.context_text,
        recordOutputs: ctx.recordOutputs,
        onProgress: (p, step) => ctx.progress(2 + p * 0.95, step),
      });
      const outputKeys = await pruneJobObjects(
        env,
        scope,
        ctx.job.id,
        set.gemini ? [jobOutputKey(scope, ctx.job.id, 'gemini-analysis.json')] : [],
      );
      return {
        result: {
          status: 'success',
          video_info: videoInfoOf(video),
          segments: set.selected,
          total_selected_duration: totalDuration(set.selected),
          engine_used: set.engine_used,
          candidates_count: set.all.length,
          ...(set.fallback_reason ? { engine_fallback_reason: set.fallback_reason } : {}),
          ...(set.gemini ? { gemini: set.gemini } : {}),
        },
        outputKeys,
        processingSeconds: video.duration,
        step: `${set.selected.length} segment(s) selected`,
      };
    },
  };
}
