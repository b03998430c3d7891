/**
 * `preview`: a few seconds from `start` as a small looping GIF (a hover preview), with a palette
 * made from those frames (palettegen → paletteuse) so flat colours stay flat.
 */
import { join } from 'node:path';
import { ms, outputSize } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

export const previewOperation: Operation<'preview'> = {
  name: 'preview',
  outputTypes: ['image/gif'],
  async run(request, ctx) {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    const start = Math.min(request.start, Math.max(0, info.duration - 0.1));
    const duration = Math.min(request.duration, info.duration - start);
    const out = join(ctx.tempDir, 'preview.gif');
    await ctx.ffmpeg(
      [
        ...ctx.input(source, ['-ss', start.toFixed(3), '-t', duration.toFixed(3)]),
        '-map',
        `0:${info.video!.index}`,
        '-vf',
        `fps=${request.fps},scale=${request.width}:-2,split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse`,
        '-loop',
        '0',
        '-f',
        'gif',
        out,
      ],
      { expectedDuration: duration, onProgress: (f) => ctx.progress(5 + f * 85, 'encoding') },
    );
    await outputSize(out, 'preview');
    const { written, size } = await ctx.deliver(out, request.output);
    return {
      duration: ms(duration),
      width: written.video?.width ?? request.width,
      height: written.video?.height ?? 0,
      size_bytes: size,
    };
  },
};
