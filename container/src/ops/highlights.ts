/**
 * `highlights`: local scoring of windows (motion, scene change, brightness, docs/compatibility.md#motion-scoring) so
 * analysis works without a Gemini key. One decoding pass to small grey frames at a fixed rate; the
 * scoring and selection are the analysis module's (container/src/analysis/highlights.ts).
 */
import type { HighlightsResult } from '../../../shared/processor/operations.ts';
import {
  type AnalysisFrame,
  analyzeHighlights,
  HIGHLIGHT_FRAME_HEIGHT,
  HIGHLIGHT_FRAME_WIDTH,
  HIGHLIGHT_SAMPLE_FPS,
} from '../analysis/highlights.ts';
import { ms } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

export const highlightsOperation: Operation<'highlights'> = {
  name: 'highlights',
  async run(request, ctx): Promise<HighlightsResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    ctx.expectWholeRead(source);
    const frameBytes = HIGHLIGHT_FRAME_WIDTH * HIGHLIGHT_FRAME_HEIGHT;
    const frames: AnalysisFrame[] = [];
    let pending: Buffer = Buffer.alloc(0);
    await ctx.ffmpeg(
      [
        ...ctx.input(source),
        '-map',
        `0:${info.video!.index}`,
        '-an',
        '-vf',
        `fps=${HIGHLIGHT_SAMPLE_FPS},scale=${HIGHLIGHT_FRAME_WIDTH}:${HIGHLIGHT_FRAME_HEIGHT}:flags=area,format=gray`,
        '-f',
        'rawvideo',
        'pipe:1',
      ],
      {
        onStdout: (chunk) => {
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          while (pending.length >= frameBytes) {
            frames.push({
              time: frames.length / HIGHLIGHT_SAMPLE_FPS,
              gray: new Uint8Array(pending.subarray(0, frameBytes)),
            });
            pending = pending.subarray(frameBytes);
          }
          ctx.progress(5 + Math.min(1, frames.length / HIGHLIGHT_SAMPLE_FPS / info.duration) * 85, 'scoring motion');
        },
      },
    );
    const analysis = analyzeHighlights(frames, {
      duration: info.duration,
      target_duration: request.target_duration,
      variant_count: request.variant_count ?? 1,
      ...(request.window !== undefined ? { window: request.window } : {}),
    });
    return { duration: ms(info.duration), ...analysis };
  },
};
