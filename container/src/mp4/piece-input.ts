/**
 * The decoder input of one re-encoded smart-cut piece (media/cut.ts step 3), made from the stage's
 * packets as soon as they have arrived instead of from the whole stage once it is complete, and
 * piped into an ffmpeg started when the cut was planned (its start-up overlaps the fetch):
 * the packets from the keyframe its decode starts on up to its last frame in decode order, minus
 * the pictures no other picture refers to (nal_ref_idc 0) that the piece does not show. Decoding a
 * frame before the cut costs as much as decoding one in it, and with B-frames about half the frames
 * before the cut are such pictures; the frames the piece shows decode to the same pixels either way.
 * The file keeps the stage's timing (its presentation starts on that keyframe), so the encoder gets
 * the same frames with the same times as from the stage.
 */
import { log } from '../log.ts';
import type { CutPiece, StagePacket } from '../media/smart-cut.ts';
import { descriptionAvcC, descriptionConfig, parseAvcC } from './avcc.ts';
import { isDisposablePicture } from './h264-sps.ts';
import { isDisposableHevcPicture, parseHvcC } from './hevc.ts';
import { trackSps } from './probe-movie.ts';
import { Mp4Unsupported } from './unsupported.ts';
import { movieSpecFrom, type MovieSpec, type OutputTrack, writeMovieHead } from './write-movie.ts';

/** A piece's packets are gathered in memory (a GOP at most); above this the encoder reads the stage instead. */
export const MAX_PIECE_INPUT_BYTES = 64 * 1024 * 1024;

/** Which stage samples a piece's decode needs: [first, end) in decode order, and those it shows. */
export interface PieceSamples {
  first: number;
  end: number;
  shown: Set<number>;
}

/** The samples a piece needs, or null when the stage's packets do not show exactly its frames. */
export function pieceSamples(
  packets: readonly StagePacket[],
  piece: CutPiece,
  frameDuration: number,
): PieceSamples | null {
  const eps = frameDuration / 4;
  const shown = new Set<number>();
  packets.forEach((p, i) => {
    if (p.pts >= piece.start - eps && p.pts < piece.end - eps) shown.add(i);
  });
  if (shown.size !== piece.frames) return null;
  const firstShown = Math.min(...shown);
  let first = firstShown;
  while (first > 0 && !packets[first]!.keyframe) first--;
  if (!packets[first]!.keyframe) return null;
  return { first, end: Math.max(...shown) + 1, shown };
}

/** The stage's video track as the planner sees it: its output track (times, sizes, description) and its packets. */
export interface StageTrack {
  output: OutputTrack;
  packets: readonly StagePacket[];
  movie: { creationTime: number; modificationTime: number };
}

/** Which pictures of a track nothing refers to, judged from its samples (false where unsure). */
function disposablePictures(stsd: Buffer): (sample: Uint8Array) => boolean {
  try {
    const avcC = descriptionAvcC(stsd);
    if (avcC) {
      const lengthSize = parseAvcC(avcC).lengthSizeMinusOne + 1;
      return (sample) => isDisposablePicture(sample, lengthSize);
    }
    const hvcC = descriptionConfig(stsd);
    if (hvcC) {
      const config = parseHvcC(hvcC);
      const [sps] = trackSps(stsd);
      if (sps?.codec === 'hevc')
        return (sample) => isDisposableHevcPicture(sample, config.lengthSize, sps.sps.maxSubLayersMinus1);
    }
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
  }
  // Nothing known about the pictures: keep them all.
  return () => false;
}

/** A piece's input as an MP4 (`moov` first), from its samples' bytes (`bytes[i]` is sample `needed.first + i`). */
export function pieceInputMp4(stage: StageTrack, needed: PieceSamples, bytes: readonly Uint8Array[]): Uint8Array[] {
  const { output, packets } = stage;
  const T = output.timescale;
  const disposable = disposablePictures(output.sampleDescription);
  const kept: number[] = [];
  for (let i = needed.first; i < needed.end; i++) {
    if (needed.shown.has(i) || !disposable(bytes[i - needed.first]!)) kept.push(i);
  }
  const ticks = (seconds: number) => Math.round(seconds * T);
  const dts = kept.map((i) => ticks(packets[i]!.dts));
  const durations = Uint32Array.from(kept, (i, j) =>
    j + 1 < kept.length ? dts[j + 1]! - dts[j]! : output.durations[i]!,
  );
  const compositionOffsets = output.compositionOffsets
    ? Int32Array.from(kept, (i) => output.compositionOffsets![i]!)
    : null;
  const first = kept[0]!;
  const startTicks = ticks(packets[first]!.pts);
  const lastShown = Math.max(...kept.map((i) => ticks(packets[i]!.pts)));
  const track: OutputTrack = {
    ...output,
    // Presentation starts on the keyframe, as the stage's starts on its own.
    edit: {
      mediaTime: compositionOffsets?.[0] ?? 0,
      segmentDuration: lastShown - startTicks + output.durations[first]!,
    },
    durations,
    compositionOffsets,
    sync: output.sync ? Uint8Array.from(kept, (i) => output.sync![i]!) : null,
    sizes: Uint32Array.from(kept, (i) => bytes[i - needed.first]!.length),
  };
  const spec: MovieSpec = movieSpecFrom(stage.movie, T);
  const { head } = writeMovieHead(
    spec,
    [track],
    [{ offsets: Float64Array.of(0), samplesPerChunk: Uint32Array.of(kept.length) }],
    track.sizes.reduce((n, s) => n + s, 0),
  );
  log('info', 'piece input made', { packets: kept.length, left_out: needed.end - needed.first - kept.length });
  return [head, ...kept.map((i) => bytes[i - needed.first]!)];
}
