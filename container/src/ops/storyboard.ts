/**
 * `storyboard`: one sprite sheet of `count` tiles, one per `interval` seconds, in a single decoding
 * pass (select → scale → tile) and one JPEG. The geometry is the caller's: it builds the WebVTT
 * from the same numbers.
 */
import { join } from 'node:path';
import { ProcessorFailure } from '../errors.ts';
import { outputSize } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';
import { jpegQscale } from './frames.ts';

export const storyboardOperation: Operation<'storyboard'> = {
  name: 'storyboard',
  outputTypes: ['image/jpeg'],
  async run(request, ctx) {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    const { interval, count, columns, tile_width: w, tile_height: h } = request;
    const rows = Math.ceil(count / columns);
    const span = Math.min(info.duration, count * interval);
    ctx.expectWholeRead(source);
    const out = join(ctx.tempDir, 'storyboard.jpg');
    const keyframesOnly = request.keyframes_only === true;
    // Exact: the first frame at or after each multiple of the interval (as `frames`). Keyframes
    // only: fps= keeps one frame per interval; round=up files a keyframe at x under slot ceil(x / i)
    // and the last one of a slot wins, so tile k is the last keyframe at or before k × interval
    // (the previous tile again when none fell in between), and tile k always stands for k × interval.
    const pick = keyframesOnly
      ? `fps=1/${interval}:round=up:eof_action=pass`
      : `select='gte(t,selected_n*${interval})'`;
    await ctx.ffmpeg(
      [
        ...ctx.input(source, [...(keyframesOnly ? ['-skip_frame', 'nokey'] : []), '-t', span.toFixed(3)]),
        '-map',
        `0:${info.video!.index}`,
        // The tile filter emits a partly filled sheet at the end of the input, its empty tiles black.
        '-vf',
        `${pick},scale=${w}:${h},setsar=1,tile=${columns}x${rows}`,
        '-fps_mode',
        'vfr',
        '-frames:v',
        '1',
        '-c:v',
        'mjpeg',
        '-q:v',
        String(jpegQscale(80)),
        '-f',
        'image2',
        '-update',
        '1',
        out,
      ],
      { expectedDuration: span, onProgress: (f) => ctx.progress(5 + f * 85, 'decoding') },
    );
    await outputSize(out, 'storyboard');
    const { written, size } = await ctx.deliver(out, request.output);
    if (written.video?.width !== columns * w || written.video?.height !== rows * h)
      throw new ProcessorFailure('internal', 'The storyboard sprite came out with another size than planned');
    return {
      tiles: Math.min(count, Math.floor(span / interval) + 1),
      width: written.video.width,
      height: written.video.height,
      size_bytes: size,
    };
  },
};
