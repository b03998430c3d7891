/**
 * The smart cut's stage (media/cut.ts) without a child process, for MP4/MOV inputs whose index the
 * processor fully understands (as for the in-process copy cut):
 * 1. `planSmartStage`: `moov` read with ranged reads and gated in-process, the keyframe at or before
 *    `start` and the samples of [keyframe, end + margin) chosen from the sample tables (the same
 *    choice as the copy cut and as ffmpeg's stream copy);
 * 2. `writeSmartStage`: those samples' bytes fetched once (one ranged read per span) into the temp
 *    dir at their own offsets, then the stage written from there as the ffmpeg path writes it —
 *    video alone, audio alone — and the video's packet list taken from the tables (what ffmpeg's
 *    framecrc listing gives on the other path).
 * The operation runs its ffprobe (codec parameters for the matched encoder) during step 2, so the
 * stage costs no process of its own. Anything the planner cannot cut answers `{ fallback }`.
 */
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessorFailure } from '../errors.ts';
import { log } from '../log.ts';
import { type ByteSource, fileByteSource } from '../mp4/byte-source.ts';
import { type CopyPlan, type PlannedTrack, planCopyCut } from '../mp4/copy-plan.ts';
import type { GatedMovie } from '../mp4/gate.ts';
import { loadMovie } from '../mp4/load-movie.ts';
import { layoutSamples } from '../mp4/sample-layout.ts';
import { Mp4Unsupported } from '../mp4/unsupported.ts';
import { writeMp4File } from '../mp4/write-file.ts';
import type { OpContext } from '../operation.ts';
import type { CutStage, StagePacket } from './smart-cut.ts';

export interface PlannedStage {
  source: ByteSource;
  gated: GatedMovie;
  plan: CopyPlan;
}

/** Gates the input and chooses the stage's samples; `{ fallback }` for inputs the planner cannot cut. */
export async function planSmartStage(ctx: OpContext, url: string, start: number, stageEnd: number): Promise<PlannedStage | { fallback: string }> {
  const source = ctx.bytes(url);
  try {
    const gated = await loadMovie(source, ctx.config.limits, { video: true });
    if (start >= gated.duration) {
      throw new ProcessorFailure('invalid_request', `start: ${start} s is past the end of the media (${Math.round(gated.duration * 1000) / 1000} s)`);
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
export function stagePackets(track: PlannedTrack): StagePacket[] {
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

/** Fetches the stage's bytes once and writes `stage.mp4` (video) and `stage-audio.mp4` (audio) into the temp dir. */
export async function writeSmartStage(ctx: OpContext, planned: PlannedStage): Promise<CutStage> {
  const { plan, gated, source } = planned;
  const tracks = [plan.video, ...(plan.audio ? [plan.audio] : [])];
  const { spans } = layoutSamples(tracks.map((t) => ({ offsets: t.source.samples.offset.subarray(t.range.first, t.range.end), sizes: t.output.sizes })));
  // The source's bytes at their own offsets (a sparse file): both stage files are cut from it.
  const rawPath = join(ctx.tempDir, 'stage-source.bin');
  const raw = await open(rawPath, 'w');
  try {
    for (const span of spans) {
      let position = span.start;
      for await (const block of source.stream(span.start, span.end - span.start)) {
        await raw.write(block, 0, block.length, position);
        position += block.length;
      }
    }
  } finally {
    await raw.close();
  }
  const local = await fileByteSource(rawPath);
  const video = join(ctx.tempDir, 'stage.mp4');
  const audio = plan.audio ? join(ctx.tempDir, 'stage-audio.mp4') : null;
  try {
    const spec = { timescale: plan.timescale, creationTime: gated.movie.creationTime, modificationTime: gated.movie.modificationTime, brands: [] };
    await writeMp4File(video, spec, [plan.video], local);
    if (plan.audio && audio) await writeMp4File(audio, spec, [plan.audio], local);
  } finally {
    await local.close();
    await rm(rawPath, { force: true });
  }
  log('info', 'smart stage written in-process', { requests: spans.length });
  return { keyframe: plan.keyframeTime, video, audio, packets: stagePackets(plan.video), timescale: plan.video.output.timescale };
}
