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
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessorFailure } from '../errors.ts';
import { ms } from '../media/output-file.ts';
import { log } from '../log.ts';
import type { ByteSource } from './byte-source.ts';
import { type CopyPlan, type PlannedTrack, planCopyCut } from './copy-plan.ts';
import type { GatedMovie } from './gate.ts';
import { loadMovie } from './load-movie.ts';
import { layoutSamples } from './sample-layout.ts';
import { Mp4Unsupported } from './unsupported.ts';
import { movieSpecFrom, writeMovieHead } from './write-movie.ts';
import type { OpContext } from '../operation.ts';
import type { CutStage, StagePacket } from '../media/smart-cut.ts';

export interface PlannedStage {
  source: ByteSource;
  gated: GatedMovie;
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
    if (gated.video?.entry.codec !== 'h264') return { fallback: `video codec ${gated.video?.entry.codec ?? 'none'}` };
    return { source, gated, plan: planCopyCut(gated, start, Math.min(stageEnd, gated.duration)) };
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'smart stage falls back to ffmpeg', { reason: err.message });
    return { fallback: err.message };
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

/** One stage file being written: its head, then its samples' bytes as the shared read passes them. */
interface StageFile {
  path: string;
  file: FileHandle;
  parts: { start: number; end: number }[];
  /** The next part to fill, and where its bytes go in the file. */
  next: number;
  position: number;
  size: number;
}

/** Writes the bytes of `block` (at source offset `at`) that belong to this file's parts. */
async function take(out: StageFile, block: Uint8Array, at: number): Promise<void> {
  const blockEnd = at + block.length;
  while (out.next < out.parts.length) {
    const part = out.parts[out.next]!;
    if (part.start >= blockEnd) return;
    const from = Math.max(part.start, at);
    const to = Math.min(part.end, blockEnd);
    if (from < to) {
      await out.file.write(block, from - at, to - from, out.position);
      out.position += to - from;
    }
    if (part.end > blockEnd) return;
    out.next++;
  }
}

/** Fetches the stage's bytes once and writes `stage.mp4` (video) and `stage-audio.mp4` (audio) from that one read. */
export async function writeSmartStage(ctx: OpContext, planned: PlannedStage): Promise<CutStage> {
  const { plan, gated, source } = planned;
  const tracks = [plan.video, ...(plan.audio ? [plan.audio] : [])];
  const samplesOf = (t: PlannedTrack) => ({
    offsets: t.source.samples.offset.subarray(t.range.first, t.range.end),
    sizes: t.output.sizes,
  });
  // One read covers both tracks (each file's samples lie inside the spans of both together).
  const { spans } = layoutSamples(tracks.map(samplesOf));
  const spec = movieSpecFrom(gated.movie, plan.timescale);
  const names = ['stage.mp4', 'stage-audio.mp4'];
  const outputs: StageFile[] = [];
  try {
    for (const [i, track] of tracks.entries()) {
      const layout = layoutSamples([samplesOf(track)]);
      const { head, totalBytes } = writeMovieHead(spec, [track.output], layout.chunks, layout.payloadBytes);
      const path = join(ctx.tempDir, names[i]!);
      const file = await open(path, 'w');
      outputs.push({
        path,
        file,
        parts: layout.parts as { start: number; end: number }[],
        next: 0,
        position: head.length,
        size: totalBytes,
      });
      await file.write(head, 0, head.length, 0);
    }
    for (const span of spans) {
      let at = span.start;
      for await (const block of source.stream(span.start, span.end - span.start)) {
        for (const out of outputs) await take(out, block, at);
        at += block.length;
      }
    }
    if (outputs.some((out) => out.next < out.parts.length || out.position !== out.size))
      throw new Error('a stage file came out short');
  } finally {
    await Promise.all(outputs.map((out) => out.file.close()));
  }
  log('info', 'smart stage written in-process', { requests: spans.length });
  return {
    keyframe: plan.keyframeTime,
    video: outputs[0]!.path,
    audio: outputs[1]?.path ?? null,
    packets: stagePackets(plan.video),
    timescale: plan.video.output.timescale,
  };
}
