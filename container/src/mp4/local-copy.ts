/**
 * A whole input as a local MP4 without a child process (for `concat`'s pieces): for MP4/MOV inputs
 * the processor understands, `moov` is read and gated in-process and every sample is written —
 * video first, then audio, as the ffmpeg path's stream copy writes them — from one streamed read of
 * the input. Anything else answers false and the caller remuxes with ffmpeg.
 */
import { log } from '../log.ts';
import { planCopyCut } from './copy-plan.ts';
import { loadMovie } from './load-movie.ts';
import { Mp4Unsupported } from './unsupported.ts';
import { writeMp4File } from './write-file.ts';
import { movieSpecFrom, videoBrands } from './write-movie.ts';
import type { OpContext } from '../operation.ts';

export async function copyWholeInProcess(ctx: OpContext, url: string, path: string): Promise<boolean> {
  const source = ctx.bytes(url);
  try {
    const gated = await loadMovie(source, ctx.config.limits, { video: true });
    const plan = planCopyCut(gated, 0, gated.duration);
    const tracks = [plan.video, ...(plan.audio ? [plan.audio] : [])];
    await writeMp4File(
      path,
      movieSpecFrom(gated.movie, plan.timescale, videoBrands(plan.video.source.entry.codec)),
      tracks,
      source,
    );
    log('info', 'whole copy done in-process', { samples: tracks.reduce((n, t) => n + t.output.sizes.length, 0) });
    return true;
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'whole copy falls back to ffmpeg', { reason: err.message });
    return false;
  }
}
