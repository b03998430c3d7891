/** `remove-audio`: the video stream copied as is, no audio track. */
import { join } from 'node:path';
import type { RemoveAudioResult } from '../../../shared/processor/operations.ts';
import { MP4_FASTSTART, ms } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

export const VIDEO_TYPES = ['video/mp4'] as const;

export const removeAudioOperation: Operation<'remove-audio'> = {
  name: 'remove-audio',
  outputTypes: VIDEO_TYPES,
  async run(request, ctx): Promise<RemoveAudioResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    ctx.expectWholeRead(source);
    const out = join(ctx.tempDir, 'output.mp4');
    await ctx.ffmpeg(
      [
        ...ctx.input(source),
        '-map',
        `0:${info.video!.index}`,
        '-c:v',
        'copy',
        '-an',
        '-sn',
        '-dn',
        ...MP4_FASTSTART,
        out,
      ],
      { expectedDuration: info.duration, onProgress: (f) => ctx.progress(5 + f * 80, 'copying') },
    );
    const { written, size } = await ctx.deliver(out, request.output);
    return { duration: ms(written.duration), size_bytes: size };
  },
};
