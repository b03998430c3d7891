/**
 * `frames`: JPEG frames every `interval` seconds, at most `max_width` wide, in one decoding pass
 * (the original seeked once per frame with OpenCV). Feeds the AI frame analysis.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FramesResult } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../errors.ts';
import { ms } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

/** JPEG quality 1–100 to ffmpeg's mjpeg qscale 2 (best) – 31 (worst). */
export function jpegQscale(quality: number): number {
  return Math.round(2 + ((100 - quality) * 29) / 99);
}

export const framesOperation: Operation<'frames'> = {
  name: 'frames',
  async run(request, ctx): Promise<FramesResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source, { video: true });
    const start = Math.min(request.start ?? 0, info.duration);
    const end = Math.min(request.end ?? info.duration, info.duration);
    const span = Math.max(0, end - start);
    const count = Math.min(request.max_frames, Math.max(1, Math.floor(span / request.interval) + 1));
    if (start === 0) ctx.expectWholeRead(source);
    const pattern = join(ctx.tempDir, 'frame-%05d.jpg');
    await ctx.ffmpeg(
      [
        ...ctx.input(source, ['-ss', start.toFixed(3), '-t', span.toFixed(3)]),
        '-map',
        `0:${info.video!.index}`,
        // The first frame at or after each multiple of the interval (fps= would keep the last
        // frame of each interval instead). Timestamps restart at 0 at the seek point.
        '-vf',
        `select='gte(t,selected_n*${request.interval})',scale='min(${request.max_width},iw)':-2`,
        '-fps_mode',
        'vfr',
        '-frames:v',
        String(count),
        '-c:v',
        'mjpeg',
        '-q:v',
        String(jpegQscale(request.quality ?? 80)),
        '-f',
        'image2',
        pattern,
      ],
      { expectedDuration: span, onProgress: (f) => ctx.progress(5 + f * 85, 'decoding') },
    );
    const names = (await readdir(ctx.tempDir)).filter((n) => n.startsWith('frame-')).sort();
    if (names.length === 0) throw new ProcessorFailure('invalid_media', 'No frames could be decoded from the input');
    const first = await ctx.inspect(join(ctx.tempDir, names[0]!));
    const frames: FramesResult['frames'] = [];
    for (const [i, name] of names.entries()) {
      const data = await readFile(join(ctx.tempDir, name));
      frames.push({
        time: ms(start + i * request.interval),
        width: first.video?.width ?? 0,
        height: first.video?.height ?? 0,
        jpeg_base64: data.toString('base64'),
      });
    }
    return { frames };
  },
};
