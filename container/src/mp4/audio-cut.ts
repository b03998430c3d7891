/**
 * A smart cut's audio without re-encoding it: the staged audio's frames that cover [from, to) (stage
 * time), with the frames before `from` that prime the decoder, in a file whose edit list starts the
 * presentation exactly at `from`. Sample-accurate like the re-encode it replaces, without a
 * generation loss, and without an encoder competing with the video pieces for the cores.
 */
import { log } from '../log.ts';
import { fileByteSource } from './byte-source.ts';
import { planAudioCut } from './copy-plan.ts';
import { loadMovie } from './load-movie.ts';
import { Mp4Unsupported, unsupported } from './unsupported.ts';
import { writeMp4File } from './write-file.ts';
import { movieSpecFrom } from './write-movie.ts';
import type { OpContext } from '../operation.ts';

/** Writes `out`; false when the stage is not an MP4 the processor can cut (the caller re-encodes). */
export async function copyAudioCut(
  ctx: OpContext,
  stageAudio: string,
  from: number,
  to: number,
  out: string,
): Promise<boolean> {
  const stage = await fileByteSource(stageAudio);
  try {
    const gated = await loadMovie(stage, ctx.config.limits, { audio: true });
    const track = planAudioCut(gated, from, to);
    if (!track) return unsupported('no audio in the span');
    await writeMp4File(out, movieSpecFrom(gated.movie, track.output.timescale), [track], stage);
    return true;
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'cut audio is re-encoded', { reason: err.message });
    return false;
  } finally {
    await stage.close();
  }
}
