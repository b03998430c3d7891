/**
 * `extract_segment`: cuts a segment into its own object with the requested mode (smart by default:
 * frame-accurate, re-encoding only the cut's edges). The route moved the segment to `extracting`;
 * this job leaves it `ready`, or `failed` with the reason. Idempotent: a cut already made with the
 * same mode for the same times is not made again.
 */
import { markExtractFailed } from '../db/repos/segments.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { progressSlice } from '../processor/io.ts';
import { extractSegment } from './segment-extraction.ts';

export function extractSegmentHandler(processorFor: ProcessorFor): JobHandler<'extract_segment'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      await ctx.progress(2, 'Cutting the segment', true);
      const { segment, result } = await extractSegment(env, scope, processorFor(ctx), input.segment_id, {
        mode: input.mode,
        reuseAnyMode: false,
        onProgress: progressSlice((p, s) => ctx.progress(p, s), 2, 98, 'Cutting the segment'),
      });
      return {
        result: {
          segment_id: segment.id,
          extract_status: segment.extractStatus,
          mode: input.mode,
          mode_used: result?.mode_used ?? segment.extractMode,
          fallback_reason: result?.fallback_reason ?? null,
          duration: segment.extractedDuration,
          unchanged: result === null,
        },
        processingSeconds: result ? segment.endTime - segment.startTime : 0,
        step: result ? `Extracted (${result.mode_used})` : 'Already extracted',
      };
    },

    async onFailure(ctx, _code, message) {
      await markExtractFailed(ctx.scope, ctx.input.segment_id, message);
    },
  };
}
