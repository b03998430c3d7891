/**
 * The smart cut's stage (media/cut.ts) without a child process, for MP4/MOV inputs whose index the
 * processor fully understands (as for the in-process copy cut):
 * 1. `planSmartStage`: `moov` read with ranged reads and gated in-process, the keyframe at or before
 *    `start` and the samples of [keyframe, end + margin) chosen from the sample tables (the same
 *    choice as the copy cut and as ffmpeg's stream copy);
 * 2. `writeSmartStage`: those samples' bytes fetched once (one ranged read per span) and written,
 *    as they arrive, into the stage as the ffmpeg path writes it — video alone, audio alone — with
 *    the video's packet list taken from the tables (what ffmpeg's framecrc listing gives on the
 *    other path).
 * The operation runs its ffprobe (codec parameters for the matched encoder) during step 2, so the
 * stage costs no process of its own. Anything the planner cannot cut answers `{ fallback }`.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessorFailure } from '../errors.ts';
import { ms } from '../media/output-file.ts';
import { log } from '../log.ts';
import type { ByteSource } from './byte-source.ts';
import { type CopyPlan, type PlannedTrack, planCopyCut } from './copy-plan.ts';
import type { GatedMovie } from './gate.ts';
import { loadMovie } from './load-movie.ts';
import { probeMovie } from './probe-movie.ts';
import type { MediaInfo } from '../media/probe.ts';
import { layoutSamples } from './sample-layout.ts';
import { Mp4Unsupported } from './unsupported.ts';
import { movieSpecFrom, writeMovieHead } from './write-movie.ts';
import type { OpContext } from '../operation.ts';
import type { CutPiece, CutStage, PieceInput, StageFetch, StagePacket } from '../media/smart-cut.ts';
import {
  MAX_PIECE_INPUT_BYTES,
  type PieceSamples,
  pieceSamples,
  type StageTrack,
  pieceInputMp4,
} from './piece-input.ts';

export interface PlannedStage {
  source: ByteSource;
  gated: GatedMovie & { fileSize: number };
  plan: CopyPlan;
}

/** Gates the input and chooses the stage's samples; `{ fallback }` for inputs the planner cannot cut. */
export async function planSmartStage(
  ctx: OpContext,
  url: string,
  start: number,
  stageEnd: number,
): Promise<PlannedStage | { fallback: string }> {
  const source = ctx.bytes(url);
  try {
    const gated = await loadMovie(source, ctx.config.limits, { video: true });
    if (start >= gated.duration) {
      throw new ProcessorFailure(
        'invalid_request',
        `start: ${start} s is past the end of the media (${ms(gated.duration)} s)`,
      );
    }
    // Other codecs: the ffmpeg path says why smart cannot splice them.
    const codec = gated.video?.entry.codec;
    if (codec !== 'h264' && codec !== 'hevc') return { fallback: `video codec ${codec ?? 'none'}` };
    return { source, gated, plan: planCopyCut(gated, start, Math.min(stageEnd, gated.duration)) };
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'smart stage falls back to ffmpeg', { reason: err.message });
    return { fallback: err.message };
  }
}

/**
 * The input's codec parameters as ffprobe would report them, read in-process (mp4/probe-movie.ts);
 * null where only ffprobe can say.
 */
export function inProcessInfo(gated: PlannedStage['gated']): MediaInfo | null {
  try {
    return probeMovie(gated);
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'smart cut parameters from ffprobe', { reason: err.message });
    return null;
  }
}

/** Video packets of the staged track as ffmpeg reads them back: decode order, seconds from the stage's first shown frame. */
function stagePackets(track: PlannedTrack): StagePacket[] {
  const { durations, compositionOffsets, sync, timescale, edit } = track.output;
  const packets: StagePacket[] = [];
  let dts = -edit.mediaTime;
  for (let i = 0; i < durations.length; i++) {
    const pts = dts + (compositionOffsets?.[i] ?? 0);
    packets.push({ pts: pts / timescale, dts: dts / timescale, keyframe: !sync || sync[i] === 1 });
    dts += durations[i]!;
  }
  return packets;
}

/**
 * A destination of the stage's one read: the source byte ranges it takes (rising), filled in order.
 * `accept` gets the next bytes of part `next`; `finished` is called once every part is complete.
 */
interface Receiver {
  parts: readonly { start: number; end: number }[];
  next: number;
  accept(bytes: Uint8Array, part: number): Promise<void> | void;
  finished?(): Promise<void> | void;
}

/** Hands `block` (at source offset `at`) to the receiver's parts it overlaps. */
async function take(receiver: Receiver, block: Uint8Array, at: number): Promise<void> {
  const blockEnd = at + block.length;
  while (receiver.next < receiver.parts.length) {
    const part = receiver.parts[receiver.next]!;
    if (part.start >= blockEnd) return;
    const from = Math.max(part.start, at);
    const to = Math.min(part.end, blockEnd);
    if (from < to) await receiver.accept(block.subarray(from - at, to - at), receiver.next);
    if (part.end > blockEnd) return;
    if (++receiver.next === receiver.parts.length) await receiver.finished?.();
  }
}

/** A piece input being gathered: its samples' bytes in memory, made into its MP4 once complete. */
function pieceReceiver(
  plan: CopyPlan,
  stage: StageTrack,
  needed: PieceSamples,
  done: (bytes: Uint8Array[]) => void,
): Receiver {
  const { offset } = plan.video.source.samples;
  const base = plan.video.range.first;
  const parts: { start: number; end: number }[] = [];
  const bytes: Buffer[] = [];
  const filled: number[] = [];
  for (let i = needed.first; i < needed.end; i++) {
    const start = offset[base + i]!;
    parts.push({ start, end: start + stage.output.sizes[i]! });
    bytes.push(Buffer.allocUnsafe(stage.output.sizes[i]!));
    filled.push(0);
  }
  return {
    parts,
    next: 0,
    accept(block, part) {
      bytes[part]!.set(block, filled[part]);
      filled[part]! += block.length;
    },
    finished() {
      if (filled.some((n, i) => n !== bytes[i]!.length)) throw new Error('a piece input came out short');
      done(pieceInputMp4(stage, needed, bytes));
    },
  };
}

/** One stage file being written: its head, then its samples' bytes as the shared read passes them. */
async function fileReceiver(
  path: string,
  head: Buffer,
  parts: Receiver['parts'],
): Promise<Receiver & { close(): Promise<void>; complete(): boolean }> {
  const file = await open(path, 'w');
  let position = head.length;
  let expected = head.length;
  for (const part of parts) expected += part.end - part.start;
  await file.write(head, 0, head.length, 0);
  return {
    parts,
    next: 0,
    async accept(block) {
      await file.write(block, 0, block.length, position);
      position += block.length;
    },
    close: () => file.close(),
    complete: () => position === expected,
  };
}

/**
 * The stage as the planner needs it before a byte of it is fetched (its packets come from the
 * sample tables), and `fetch`, which starts the one read of its bytes: the stage files, and the
 * inputs of the pieces to re-encode, each ready as soon as its packets have arrived — so a head
 * encode starts while the rest of the cut is still arriving.
 */
export type InProcessStage = Required<CutStage>;

export function openSmartStage(ctx: OpContext, planned: PlannedStage): InProcessStage {
  const { plan, gated } = planned;
  const packets = stagePackets(plan.video);
  const video = join(ctx.tempDir, 'stage.mp4');
  const audio = plan.audio ? join(ctx.tempDir, 'stage-audio.mp4') : null;
  let fetched: StageFetch | null = null;
  const fetch = (pieces: readonly CutPiece[], frameDuration: number): StageFetch => {
    if (fetched) return fetched;
    const stageTrack: StageTrack = { output: plan.video.output, packets, movie: gated.movie };
    const inputs: (PieceInput | null)[] = [];
    const receivers: Receiver[] = [];
    const waiting: ((err: unknown) => void)[] = [];
    for (const piece of pieces) {
      const needed = piece.kind === 'encode' ? pieceSamples(packets, piece, frameDuration) : null;
      let size = 0;
      for (let s = needed?.first ?? 0; needed && s < needed.end; s++) size += plan.video.output.sizes[s]!;
      if (!needed || size > MAX_PIECE_INPUT_BYTES) {
        inputs.push(null);
        continue;
      }
      const bytes = new Promise<Uint8Array[]>((resolve, reject) => {
        waiting.push(reject);
        receivers.push(pieceReceiver(plan, stageTrack, needed, resolve));
      });
      bytes.catch(() => undefined);
      inputs.push({ start: packets[needed.first]!.pts, bytes });
    }
    const written = writeSmartStage(planned, [video, audio], receivers);
    // A failed read fails the inputs still waiting for its bytes.
    written.catch((err: unknown) => {
      for (const reject of waiting) reject(err);
    });
    fetched = { written, inputs };
    return fetched;
  };
  return {
    keyframe: plan.keyframeTime,
    video,
    audio,
    packets,
    timescale: plan.video.output.timescale,
    fetch,
  };
}

/**
 * Fetches the stage's bytes once (one ranged read per span) and writes `stage.mp4` (video) and
 * `stage-audio.mp4` (audio) from that one read, handing the same bytes to `extra` receivers.
 */
async function writeSmartStage(
  planned: PlannedStage,
  [videoPath, audioPath]: [string, string | null],
  extra: Receiver[],
): Promise<void> {
  const { plan, gated, source } = planned;
  const tracks = [plan.video, ...(plan.audio ? [plan.audio] : [])];
  const samplesOf = (t: PlannedTrack) => ({
    offsets: t.source.samples.offset.subarray(t.range.first, t.range.end),
    sizes: t.output.sizes,
  });
  // One read covers both tracks (each file's samples lie inside the spans of both together).
  const { spans } = layoutSamples(tracks.map(samplesOf));
  const spec = movieSpecFrom(gated.movie, plan.timescale);
  const paths = [videoPath, audioPath];
  const files: Awaited<ReturnType<typeof fileReceiver>>[] = [];
  try {
    for (const [i, track] of tracks.entries()) {
      const layout = layoutSamples([samplesOf(track)]);
      const { head } = writeMovieHead(spec, [track.output], layout.chunks, layout.payloadBytes);
      files.push(await fileReceiver(paths[i]!, head, layout.parts as { start: number; end: number }[]));
    }
    const receivers = [...files, ...extra];
    for (const span of spans) {
      let at = span.start;
      for await (const block of source.stream(span.start, span.end - span.start)) {
        for (const receiver of receivers) await take(receiver, block, at);
        at += block.length;
      }
    }
    if (receivers.some((r) => r.next < r.parts.length) || files.some((f) => !f.complete()))
      throw new Error('a stage file came out short');
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
  log('info', 'smart stage written in-process', { requests: spans.length });
}
