/**
 * Planning a frame-accurate cut that re-encodes as little as possible. Given the video packets of
 * a locally staged copy of the cut (decode order, times relative to the stage), it splits the cut
 * [start, end) into at most three pieces:
 *
 *   head  [first frame ≥ start, next keyframe K)  re-encoded (the frames before K need the GOP's start)
 *   tail  [K, X)                                  stream-copied from the source
 *   end   [X, end)                                re-encoded, only when B-frames make [K, end) not
 *                                                 copyable exactly (see below)
 *
 * Why an `end` piece: with B-frames, the frames shown just before `end` can depend on a P-frame shown
 * after it, which decodes earlier. Copying packets by decode order then either drops needed frames
 * or shows extra ones. X is the last point where the decode-order prefix from K holds exactly the
 * frames shown in [K, X); the few frames in [X, end) are re-encoded instead.
 *
 * A plan is refused (the caller falls back to a full re-encode and says why) when copying could
 * show wrong pictures: an open GOP at K (frames after K in decode order shown before K).
 */

export interface StagePacket {
  /** Seconds, relative to the stage. */
  pts: number;
  dts: number;
  keyframe: boolean;
}

/**
 * A local copy of the cut from the keyframe at or before its start (written by ffmpeg's stream copy,
 * or in-process for MP4: mp4/smart-stage.ts). Video and audio are separate files: the concat
 * demuxer would take a file's start time from its audio.
 */
export interface CutStage {
  /** Source time of the stage's first frame. */
  keyframe: number;
  video: string;
  audio: string | null;
  /** The staged video's packets, decode order, stage time. */
  packets: StagePacket[];
  /** The staged video track's timescale (ticks per second). */
  timescale: number;
  /**
   * In-process stages are planned from the sample tables before their bytes are fetched: this starts
   * the fetch, with an input of its own for each piece to re-encode (ffmpeg stages are complete).
   */
  fetch?(pieces: readonly CutPiece[], frameDuration: number): StageFetch;
}

/** A re-encoded piece's decoder input: the packets its frames need, as an MP4 (mp4/piece-input.ts). */
export interface PieceInput {
  /** Stage time (seconds) of its first shown frame: its time 0. */
  start: number;
  /** Its bytes, once its packets have arrived. */
  bytes: Promise<Uint8Array[]>;
}

export interface StageFetch {
  /** The stage files are complete. */
  written: Promise<void>;
  /** Per plan piece: its own input, or null where the stage file serves. */
  inputs: (PieceInput | null)[];
}

export interface CutPiece {
  kind: 'encode' | 'copy';
  /** Display time of the piece's first frame, seconds (stage time). */
  start: number;
  /** Display time just after its last frame. */
  end: number;
  frames: number;
}

export interface SmartCutPlan {
  /** Time of the first output frame (the first frame at or after the requested start). */
  firstFrame: number;
  /** Just after the last output frame. */
  endTime: number;
  pieces: CutPiece[];
  /** pts − dts of the copied keyframe (B-frame reorder delay), seconds; encoded pieces get the same. */
  reorderDelay: number;
  /** For the copied piece: stop at the first packet whose dts reaches this (stage time), if any. */
  copyOutpointDts: number | null;
  totalFrames: number;
  /** Typical frame duration measured from the packets (median pts step), seconds. */
  frameDuration: number;
}

export type PlanOutcome = { ok: true; plan: SmartCutPlan } | { ok: false; reason: string };

/** Median step between consecutive frame times (robust to a few irregular frames). */
export function measureFrameDuration(packets: readonly StagePacket[]): number | null {
  const times = packets.map((p) => p.pts).sort((a, b) => a - b);
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const step = times[i]! - times[i - 1]!;
    if (step > 1e-6) steps.push(step);
  }
  if (steps.length === 0) return null;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}

export function planSmartCut(packets: readonly StagePacket[], start: number, end: number): PlanOutcome {
  const frameDuration = measureFrameDuration(packets);
  if (!frameDuration) return { ok: false, reason: 'too few video frames to measure the frame rate' };
  const eps = frameDuration / 4;
  const byPts = [...packets].sort((a, b) => a.pts - b.pts);
  const shown = byPts.filter((p) => p.pts >= start - eps && p.pts < end - eps);
  const first = shown[0];
  if (!first) return { ok: false, reason: 'no video frames in the requested range' };
  const last = shown[shown.length - 1]!;
  const endTime = last.pts + frameDuration;
  const keyframe = shown.find((p) => p.keyframe);

  // No keyframe inside the cut: the whole cut is one re-encoded piece (it is shorter than a GOP).
  if (!keyframe) {
    return {
      ok: true,
      plan: {
        firstFrame: first.pts,
        endTime,
        pieces: [{ kind: 'encode', start: first.pts, end: endTime, frames: shown.length }],
        reorderDelay: 0,
        copyOutpointDts: null,
        totalFrames: shown.length,
        frameDuration,
      },
    };
  }

  const keyIndex = packets.indexOf(keyframe);
  for (let i = keyIndex + 1; i < packets.length; i++) {
    if (packets[i]!.pts < keyframe.pts - eps)
      return {
        ok: false,
        reason: 'open GOP at the cut keyframe (frames after it in decode order are shown before it)',
      };
  }
  const reorderDelay = Math.max(0, keyframe.pts - keyframe.dts);

  // Longest decode-order prefix from K that holds exactly the frames shown in [K, X), X ≤ end.
  // `shownFromKey` is display order from K; the prefix is closed when its size equals the number of
  // frames shown up to its latest frame.
  const shownFromKey = byPts.filter((p) => p.pts >= keyframe.pts - eps).map((p) => p.pts);
  let closedCount = 0;
  let closedMaxPts = -Infinity;
  let maxPts = -Infinity;
  let shownUpTo = 0;
  for (let i = keyIndex, count = 1; i < packets.length; i++, count++) {
    maxPts = Math.max(maxPts, packets[i]!.pts);
    if (maxPts >= end - eps) break;
    while (shownUpTo < shownFromKey.length && shownFromKey[shownUpTo]! <= maxPts + eps) shownUpTo++;
    if (shownUpTo === count) {
      closedCount = count;
      closedMaxPts = maxPts;
    }
  }
  const copyFrames = closedCount;
  // The copied part shows until the next frame (not one typical frame later: a variable frame rate
  // can leave a longer gap, and the re-encoded end must start where its first frame really is).
  const copyEnd =
    copyFrames > 0
      ? (byPts.find((p) => p.pts > closedMaxPts + eps)?.pts ?? closedMaxPts + frameDuration)
      : keyframe.pts;
  const lastCopied = packets[keyIndex + copyFrames - 1];
  const afterCopy = packets[keyIndex + copyFrames];
  const headFrames = shown.filter((p) => p.pts < keyframe.pts - eps).length;
  const endFrames = shown.filter((p) => p.pts >= copyEnd - eps).length;

  const pieces: CutPiece[] = [];
  const add = (piece: CutPiece) => {
    const previous = pieces[pieces.length - 1];
    // Two encoded pieces side by side (nothing copyable between them) are one encode.
    if (previous?.kind === 'encode' && piece.kind === 'encode') {
      previous.end = piece.end;
      previous.frames += piece.frames;
    } else pieces.push(piece);
  };
  if (headFrames > 0) add({ kind: 'encode', start: first.pts, end: keyframe.pts, frames: headFrames });
  if (copyFrames > 0) add({ kind: 'copy', start: keyframe.pts, end: copyEnd, frames: copyFrames });
  if (endFrames > 0) add({ kind: 'encode', start: copyEnd, end: endTime, frames: endFrames });
  return {
    ok: true,
    plan: {
      firstFrame: first.pts,
      endTime,
      pieces,
      reorderDelay,
      // Halfway between the last copied packet and the next in decode time: no rounding can move it.
      copyOutpointDts: copyFrames > 0 && afterCopy && lastCopied ? (lastCopied.dts + afterCopy.dts) / 2 : null,
      totalFrames: headFrames + copyFrames + endFrames,
      frameDuration,
    },
  };
}
