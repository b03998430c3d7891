/** `thumbnail`: one frame at time t (input-side seek, so only that neighbourhood is read), scaled. */
import { join } from 'node:path';
import { exists, ms, outputSize } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

function imageArgs(contentType: string): { ext: string; args: string[] } {
  if (contentType === 'image/png') return { ext: 'png', args: ['-c:v', 'png'] };
  if (contentType === 'image/webp') return { ext: 'webp', args: ['-c:v', 'libwebp', '-quality', '80'] };
  return { ext: 'jpg', args: ['-c:v', 'mjpeg', '-q:v', '3'] };
}

export const thumbnailOperation: Operation<'thumbnail'> = {
  name: 'thumbnail',
  outputTypes: IMAGE_TYPES,
  async run(request, ctx) {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    const video = info.video!;
    const frame = video.fps > 0 ? 1 / video.fps : 0.04;
    const { ext, args } = imageArgs(request.output.content_type);
    const out = join(ctx.tempDir, `thumbnail.${ext}`);
    // Near the end a seek can land past the last frame; step back until a frame comes out. The
    // last frame starts one frame before the end: a time before that is kept as asked (posters
    // of the last frame seek half a frame before its start).
    const lastUseful = Math.max(0, info.duration - frame);
    const candidates = [...new Set([Math.min(request.time, lastUseful), Math.max(0, info.duration - 1), 0])];
    let time = candidates[0] ?? 0;
    ctx.progress(20, 'decoding');
    for (const t of candidates) {
      time = t;
      await ctx.ffmpeg([
        ...ctx.input(source, ['-ss', t.toFixed(3)]),
        '-map',
        `0:${video.index}`,
        '-frames:v',
        '1',
        '-vf',
        `scale=${request.width}:-2`,
        ...args,
        '-f',
        'image2',
        '-update',
        '1',
        out,
      ]);
      if (await exists(out)) break;
    }
    await outputSize(out, 'thumbnail');
    const { written: image, size } = await ctx.deliver(out, request.output);
    return {
      time: ms(time),
      width: image.video?.width ?? request.width,
      height: image.video?.height ?? 0,
      size_bytes: size,
    };
  },
};
