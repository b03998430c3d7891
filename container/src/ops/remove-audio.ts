/** `remove-audio`: the video stream copied as is, no audio track. */
import { join } from 'node:path';
import type { RemoveAudioRequest, RemoveAudioResult } from '../../../src/processor/contract.ts';
import { MP4_FASTSTART, ms } from '../media/output-file.ts';
import { type Operation, parseMediaInput, parseMediaOutput, urlSource } from '../operation.ts';
import { onlyKeys, required } from '../validation.ts';

export const VIDEO_TYPES = ['video/mp4'] as const;

export const removeAudioOperation: Operation<'remove-audio'> = {
  name: 'remove-audio',
  parse(body, env): RemoveAudioRequest {
    onlyKeys(body, '', ['input', 'output']);
    return {
      input: required(body, 'input', '', (v, p) => parseMediaInput(v, p, env)),
      output: required(body, 'output', '', (v, p) => parseMediaOutput(v, p, env, VIDEO_TYPES)),
    };
  },
  async run(request, ctx): Promise<RemoveAudioResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    ctx.expectWholeRead(source);
    const out = join(ctx.tempDir, 'output.mp4');
    await ctx.ffmpeg(
      [...ctx.input(source), '-map', `0:${info.video!.index}`, '-c:v', 'copy', '-an', '-sn', '-dn', ...MP4_FASTSTART, out],
      { expectedDuration: info.duration, onProgress: (f) => ctx.progress(5 + f * 80, 'copying') },
    );
    const { written, size } = await ctx.deliver(out, request.output);
    return { duration: ms(written.duration), size_bytes: size };
  },
};
