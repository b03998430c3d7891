/**
 * Joins a smart cut's pieces in-process instead of with ffmpeg's concat demuxer (media/cut.ts step 4):
 * the re-encoded pieces and the stage's copied packets become one video track, the cut audio its
 * other track, laid out as one MP4 (`moov` first, both tracks interleaved in half-second runs) with
 * every piece's parameter sets in the sample entry. Its length is known before a byte is written,
 * so it streams straight into the upload (or into a file), after `describe` has read its `moov`
 * back for the verification. Timing follows the same rule as the concat path:
 * copied packets keep their decode and presentation times (shifted to the first frame), re-encoded
 * frames are shown where the frames they replace were and decode the stage's reorder delay earlier.
 * Anything unexpected in the pieces answers false and the caller joins with ffmpeg.
 */
import { open } from 'node:fs/promises';
import type { Limits } from '../config.ts';
import { log } from '../log.ts';
import type { MediaInfo } from '../media/probe.ts';
import { readBoxHeader } from './box.ts';
import { type ByteSource, fileByteSource } from './byte-source.ts';
import { gateMovie, type GatedMovie, type MediaTrack } from './gate.ts';
import { readMovie } from './movie.ts';
import { probeMovie, trackSps } from './probe-movie.ts';
import { loadMovie } from './load-movie.ts';
import { rescale } from './rescale.ts';
import type { VideoEntry } from './sample-entry.ts';
import { mediaStart, sliceTrack } from './track-slice.ts';
import { Mp4Unsupported, unsupported } from './unsupported.ts';
import { movieSpecFrom, type OutputTrack, videoBrands, writeMovieHead } from './write-movie.ts';
import type { OpContext } from '../operation.ts';
import { descriptionAvcC, descriptionWithParameterSets } from './avcc.ts';
import { HevcPieces } from './hevc-join.ts';
import type { CutStage, SmartCutPlan } from '../media/smart-cut.ts';

/** Output samples are interleaved in runs of about this many seconds per track. */
const INTERLEAVE_SECONDS = 0.5;

export interface SmartJoin {
  plan: SmartCutPlan;
  stage: CutStage;
  /** Per plan piece: the re-encoded file, or null for the copied piece. */
  pieces: (string | null)[];
  /** The cut's audio (its own MP4), or null. */
  audio: string | null;
}

/** The joined cut, laid out: its head (`ftyp`, `moov`, the `mdat` header) and where each sample comes from. */
export interface JoinedCut {
  head: Buffer;
  totalBytes: number;
  /** The whole file, head first (each call reads the samples afresh: an upload may retry). */
  bytes(): AsyncGenerator<Uint8Array>;
  /** The output as ffprobe would describe it, read back from its `moov`: once per SPS in its `avcC`/`hvcC`. */
  describe(limits: Limits): MediaInfo[];
}

/** A run of neighbouring samples of one input file, or one sample rewritten in memory. */
interface Run {
  file: number;
  offset: number;
  size: number;
  bytes?: Uint8Array;
}

/** One output sample and where its bytes are (in memory where the join rewrote it). */
interface Placed {
  track: 0 | 1;
  file: number;
  offset: number;
  size: number;
  bytes?: Uint8Array;
  /** Decode time, seconds (orders the interleaving). */
  time: number;
}

interface Opened {
  path: string;
  source: ByteSource & { close(): Promise<void> };
  gated: GatedMovie;
}

async function openMovie(
  ctx: OpContext,
  path: string,
  needs: { video?: boolean; audio?: boolean },
  opened: Opened[],
): Promise<Opened> {
  const source = await fileByteSource(path);
  try {
    const entry = { path, source, gated: await loadMovie(source, ctx.config.limits, needs) };
    opened.push(entry);
    return entry;
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** Presentation time (ticks from the track's first shown frame) of sample i. */
const ptsOf = (t: MediaTrack<VideoEntry>, i: number) => t.samples.dts[i]! + t.samples.cto[i]! - mediaStart(t);

/** Lays the joined cut out; null when the pieces are not what the planner expects. */
export async function joinSmartCut(ctx: OpContext, join: SmartJoin): Promise<JoinedCut | null> {
  const opened: Opened[] = [];
  try {
    const { plan, stage } = join;
    const T = stage.timescale;
    const stageMovie = await openMovie(ctx, stage.video, { video: true }, opened);
    const stageVideo = stageMovie.gated.video!;
    if (stageVideo.track.timescale !== T) unsupported('the stage timescale changed');
    const firstTicks = Math.round(plan.firstFrame * T);
    const delay = Math.round(plan.reorderDelay * T);
    const frameTicks = Math.max(1, Math.round(plan.frameDuration * T));

    // Video samples in decode order: times in output ticks (0 = the first shown frame).
    const dts: number[] = [];
    const pts: number[] = [];
    const sync: number[] = [];
    const placed: Placed[] = [];
    const stageStsd = stageVideo.track.description!.raw;
    const codec = stageVideo.entry.codec;
    // H.264 pieces keep their bytes (x264 took SPS/PPS id 7); H.265 pieces are renumbered here.
    const avcSets: Buffer[] = [];
    const hevc = codec === 'hevc' ? new HevcPieces(stageStsd) : null;
    for (const [i, piece] of plan.pieces.entries()) {
      const pieceStart = Math.round(piece.start * T) - firstTicks;
      const path = join.pieces[i];
      if (piece.kind === 'encode') {
        if (!path) unsupported('a re-encoded piece is missing');
        const { gated, source } = await openMovie(ctx, path, { video: true }, opened);
        const video = gated.video!;
        if (video.entry.codec !== codec) unsupported('a piece of another codec');
        if (video.track.timescale !== T) unsupported('a piece has another timescale');
        if (video.samples.count !== piece.frames)
          unsupported(`a piece has ${video.samples.count} frames, not ${piece.frames}`);
        const { offset, size } = video.samples;
        let rewritten: Uint8Array[] | null = null;
        if (hevc) {
          const samples = await Promise.all(Array.from(offset, (at, j) => source.read(at, size[j]!)));
          rewritten = hevc.piece(video.track.description!.raw, samples);
        } else {
          avcSets.push(descriptionAvcC(video.track.description!.raw) ?? unsupported('a piece without avcC'));
        }
        for (let j = 0; j < video.samples.count; j++) {
          const shown = pieceStart + ptsOf(video, j);
          // The pieces are encoded without reordering: shown in decode order, `delay` after decoding.
          pts.push(shown);
          dts.push(shown - delay);
          sync.push(!video.samples.sync || video.samples.sync[j] ? 1 : 0);
          placed.push({
            track: 0,
            file: opened.length - 1,
            offset: offset[j]!,
            size: rewritten?.[j]?.length ?? size[j]!,
            bytes: rewritten?.[j],
            time: (shown - delay) / T,
          });
        }
        continue;
      }
      // The copied piece: stage packets from its keyframe, in decode order.
      let k = -1;
      const wanted = Math.round(piece.start * T);
      for (let j = 0; j < stageVideo.samples.count && k < 0; j++) {
        if (ptsOf(stageVideo, j) === wanted && (!stageVideo.samples.sync || stageVideo.samples.sync[j])) k = j;
      }
      if (k < 0 || k + piece.frames > stageVideo.samples.count) unsupported('the copied keyframe is not in the stage');
      const keyframe = hevc
        ? hevc.keyframe(await stageMovie.source.read(stageVideo.samples.offset[k]!, stageVideo.samples.size[k]!))
        : null;
      for (let j = k; j < k + piece.frames; j++) {
        const at = stageVideo.samples.dts[j]! - mediaStart(stageVideo) - firstTicks;
        pts.push(ptsOf(stageVideo, j) - firstTicks);
        dts.push(at);
        sync.push(!stageVideo.samples.sync || stageVideo.samples.sync[j] ? 1 : 0);
        const bytes = j === k ? (keyframe ?? undefined) : undefined;
        placed.push({
          track: 0,
          file: 0,
          offset: stageVideo.samples.offset[j]!,
          size: bytes?.length ?? stageVideo.samples.size[j]!,
          bytes,
          time: at / T,
        });
      }
    }
    const count = dts.length;
    if (count !== plan.totalFrames) unsupported(`${count} frames joined instead of ${plan.totalFrames}`);
    for (let i = 1; i < count; i++)
      if (!(dts[i]! > dts[i - 1]!)) unsupported('decode times would not rise across a join');
    const durations = new Uint32Array(count);
    for (let i = 0; i + 1 < count; i++) durations[i] = dts[i + 1]! - dts[i]!;
    durations[count - 1] = frameTicks;
    const base = dts[0]!;
    const compositionOffsets = Int32Array.from(pts, (p, i) => p - dts[i]!);
    const description = hevc
      ? hevc.description(stageStsd)
      : (descriptionWithParameterSets(stageStsd, avcSets) ?? unsupported('the stage has no avcC'));
    const shownTicks = Math.round((plan.endTime - plan.firstFrame) * T);
    const videoOut: OutputTrack = {
      handler: 'vide',
      header: stageVideo.track.header,
      timescale: T,
      language: stageVideo.track.language,
      sampleDescription: description,
      // Media time 0 is the first decode time; the presentation starts on the first shown frame.
      edit: { mediaTime: -base, segmentDuration: shownTicks },
      durations,
      compositionOffsets,
      sync: Uint8Array.from(sync),
      sizes: Uint32Array.from(placed, (p) => p.size),
    };

    const tracks: OutputTrack[] = [videoOut];
    if (join.audio) {
      const audioMovie = await openMovie(ctx, join.audio, { audio: true }, opened);
      const audio = audioMovie.gated.audio!;
      const rate = audio.track.timescale;
      const edit = audio.track.edit;
      const shown = edit
        ? rescale(edit.segmentDuration, T, audioMovie.gated.movie.timescale)
        : rescale(audio.samples.end - mediaStart(audio), T, rate);
      tracks.push(
        sliceTrack(
          audio,
          { first: 0, end: audio.samples.count },
          { mediaTime: mediaStart(audio), segmentDuration: shown },
        ),
      );
      const file = opened.length - 1;
      for (let j = 0; j < audio.samples.count; j++) {
        placed.push({
          track: 1,
          file,
          offset: audio.samples.offset[j]!,
          size: audio.samples.size[j]!,
          time: (audio.samples.dts[j]! - mediaStart(audio)) / rate,
        });
      }
    }

    // Interleave: half-second runs, video before audio within a run; each track keeps its order.
    const order = placed.map((p, i) => ({ p, i, run: Math.floor(p.time / INTERLEAVE_SECONDS) }));
    order.sort((a, b) => a.run - b.run || a.p.track - b.p.track || a.i - b.i);
    const chunkOffsets: number[][] = [[], []];
    const chunkSamples: number[][] = [[], []];
    let payload = 0;
    let previous = -1;
    for (const { p } of order) {
      if (p.track === previous) chunkSamples[p.track]![chunkSamples[p.track]!.length - 1]!++;
      else {
        chunkOffsets[p.track]!.push(payload);
        chunkSamples[p.track]!.push(1);
      }
      previous = p.track;
      payload += p.size;
    }
    const chunks = tracks.map((_, t) => ({
      offsets: Float64Array.from(chunkOffsets[t]!),
      samplesPerChunk: Uint32Array.from(chunkSamples[t]!),
    }));
    const { head, totalBytes } = writeMovieHead(
      movieSpecFrom(stageMovie.gated.movie, T, videoBrands(codec)),
      tracks,
      chunks,
      payload,
    );
    // Neighbouring samples of one file are read together.
    const runs: Run[] = [];
    for (const { p } of order) {
      const last = runs[runs.length - 1];
      if (!p.bytes && last && !last.bytes && last.file === p.file && last.offset + last.size === p.offset)
        last.size += p.size;
      else runs.push({ file: p.file, offset: p.offset, size: p.size, bytes: p.bytes });
    }
    const paths = opened.map((o) => o.path);
    return {
      head,
      totalBytes,
      bytes: () => joinedBytes(head, paths, runs),
      describe: (limits) => describeJoined(head, totalBytes, limits),
    };
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'smart cut joined by ffmpeg', { reason: err.message });
    return null;
  } finally {
    await Promise.all(opened.map((o) => o.source.close()));
  }
}

async function* joinedBytes(head: Buffer, paths: readonly string[], runs: readonly Run[]): AsyncGenerator<Uint8Array> {
  const files = await Promise.all(paths.map((path) => fileByteSource(path)));
  try {
    yield head;
    for (const run of runs) {
      if (run.bytes) yield run.bytes;
      else yield* files[run.file]!.stream(run.offset, run.size);
    }
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
}

function describeJoined(head: Buffer, totalBytes: number, limits: Limits): MediaInfo[] {
  // ftyp, then moov (then the mdat header).
  const moov = readBoxHeader(head, readBoxHeader(head, 0, head.length).size, head.length);
  if (moov.type !== 'moov') return unsupported('no moov after ftyp');
  const movie = readMovie(head.subarray(moov.start, moov.start + moov.size));
  const gated = { ...gateMovie(movie, totalBytes, limits, { video: true }), fileSize: totalBytes };
  return trackSps(gated.video!.track.description!.raw).map((sps) => probeMovie(gated, sps));
}

/** Writes a joined cut to a file. */
export async function writeJoinedCut(joined: JoinedCut, path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    let position = 0;
    for await (const piece of joined.bytes()) {
      await file.write(piece, 0, piece.length, position);
      position += piece.length;
    }
  } finally {
    await file.close();
  }
}
