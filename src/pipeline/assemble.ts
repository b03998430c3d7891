/**
 * One variant from its pieces with the fewest encodes (the original encoded up to three times per
 * clip, docs/compatibility.md#w16 to #w18):
 * 1. each piece cut with `extract` in `smart` mode (stream copy except the partial GOPs at the
 *    cut points); speech to mute inside it is muted in the same pass (audio-only re-encode);
 * 2. the pieces joined with `concat` (stream copy when they match, which pieces of one source do);
 * 3. then ONE of: nothing (the joined file is the output); the `audio` op mixing a voice-over
 *    over the ducked source with the video stream-copied; or, only when subtitles are asked for,
 *    one `render` that burns them in and mixes the voice-over in the same encode.
 * Intermediate objects are named `{prefix}-…` under the job and reported for cleanup.
 */
import { roundMs } from '../../shared/seconds.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { jobOutput, jobOutputKey } from '../storage/job-outputs.ts';
import type { ProcessorClient, RenderPreset, SubtitleStyle, TimeRange } from '../processor/contract.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { type MediaTarget, storageKeyOf } from '../storage/signed-urls.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export interface Piece {
  source: MediaTarget;
  start: number;
  end: number;
  /** Speech to mute inside the piece, relative to its start. */
  mute?: TimeRange[];
}

export interface AssembleRequest {
  env: Bindings;
  scope: ProfileScope;
  processor: ProcessorClient;
  jobId: string;
  /** Names intermediates `{prefix}-s1.mp4`, `{prefix}-cut.mp4` (`[a-z0-9-]`). */
  prefix: string;
  pieces: Piece[];
  /** The joined video is trimmed to this many seconds. */
  maxDuration: number;
  /** Frame size and rate to normalise to when pieces differ (multi-video inserts). */
  normalize?: { width: number; height: number; fps: number };
  /** Frame rate for a subtitle render (the source's). */
  fps: number;
  voiceover?: { source: MediaTarget; duck_to: number } | null;
  subtitles?: { srt: string; style: SubtitleStyle } | null;
  output: MediaTarget;
  recordOutputs?: (keys: string[]) => Promise<void>;
  onProgress?: (percent: number, step: string) => Promise<void>;
}

export interface AssembledVariant {
  duration: number;
  width: number;
  height: number;
  size_bytes: number;
  /** How each stage ran: a reviewer can see no full re-encode happened without subtitles. */
  encodes: {
    extract_modes: string[];
    concat: 'copy' | 'encode';
    finish: 'none' | 'audio_mix_video_copied' | 'render';
  };
  /** Intermediate keys, to delete once the job's outputs are final. */
  intermediates: string[];
}

const VIDEO = 'video/mp4';

export function renderPresetFor(width: number, height: number, fps: number): RenderPreset {
  const big = width * height > 1920 * 1080;
  return {
    width,
    height,
    fps: Math.max(1, Math.min(120, Math.round(fps) || 30)),
    crf: 20,
    video_bitrate: big ? '20M' : '8M',
    audio_bitrate: '192k',
    video_profile: 'high',
    video_level: big ? '5.1' : '4.1',
    audio_sample_rate: 48000,
  };
}

export async function assembleVariant(req: AssembleRequest): Promise<AssembledVariant> {
  const { env, scope, processor, jobId } = req;
  const progress = async (percent: number, step: string) => req.onProgress?.(Math.max(0, Math.min(100, percent)), step);
  if (!req.pieces.length) throw new Error('assembleVariant needs at least one piece');
  const finish: AssembledVariant['encodes']['finish'] = req.subtitles
    ? 'render'
    : req.voiceover
      ? 'audio_mix_video_copied'
      : 'none';
  const pieceTargets = req.pieces.map((_, i) => jobOutput(jobId, `${req.prefix}-s${i + 1}.mp4`));
  const cutTarget = finish === 'none' ? req.output : jobOutput(jobId, `${req.prefix}-cut.mp4`);
  const intermediates = [
    ...pieceTargets.map((t) => storageKeyOf(scope, t)),
    ...(finish === 'none' ? [] : [jobOutputKey(scope, jobId, `${req.prefix}-cut.mp4`)]),
  ];
  await req.recordOutputs?.([...intermediates, storageKeyOf(scope, req.output)]);

  const extractModes: string[] = [];
  const share = 60 / req.pieces.length;
  for (const [i, piece] of req.pieces.entries()) {
    const base = i * share;
    const result = await callProcessor(async () =>
      processor.run(
        'extract',
        {
          input: await mediaInput(env, scope, piece.source),
          start: piece.start,
          end: piece.end,
          mode: 'smart',
          ...(piece.mute?.length ? { mute: { intervals: piece.mute, mode: 'hard' as const } } : {}),
          output: await mediaOutput(env, scope, pieceTargets[i]!, VIDEO),
        },
        (e) => progress(base + (e.percent * share) / 100, `Cutting segment ${i + 1} of ${req.pieces.length}`),
      ),
    );
    extractModes.push(result.mode_used);
  }

  await progress(60, 'Joining segments');
  const joined = await callProcessor(async () =>
    processor.run(
      'concat',
      {
        inputs: await Promise.all(pieceTargets.map((t) => mediaInput(env, scope, t))),
        ...(req.normalize ? { normalize: req.normalize } : {}),
        max_duration: req.maxDuration,
        output: await mediaOutput(env, scope, cutTarget, VIDEO),
      },
      (e) => progress(60 + e.percent * 0.1, 'Joining segments'),
    ),
  );
  let final = { duration: joined.duration, width: joined.width, height: joined.height, size_bytes: joined.size_bytes };

  if (finish === 'render') {
    await progress(70, 'Burning subtitles');
    const rendered = await callProcessor(async () =>
      processor.run(
        'render',
        {
          input: await mediaInput(env, scope, cutTarget),
          preset: renderPresetFor(joined.width, joined.height, req.fps),
          ...(req.voiceover
            ? { voiceover: { ...(await mediaInput(env, scope, req.voiceover.source)), duck_to: req.voiceover.duck_to } }
            : {}),
          subtitles: req.subtitles!,
          output: await mediaOutput(env, scope, req.output, VIDEO),
        },
        (e) => progress(70 + e.percent * 0.3, 'Burning subtitles'),
      ),
    );
    final = {
      duration: rendered.duration,
      width: rendered.width,
      height: rendered.height,
      size_bytes: rendered.size_bytes,
    };
  } else if (finish === 'audio_mix_video_copied') {
    await progress(70, 'Mixing the voice-over');
    const mixed = await callProcessor(async () =>
      processor.run(
        'audio',
        {
          video: await mediaInput(env, scope, cutTarget),
          audio: await mediaInput(env, scope, req.voiceover!.source),
          mode: 'mix',
          duck_to: req.voiceover!.duck_to,
          output: await mediaOutput(env, scope, req.output, VIDEO),
        },
        (e) => progress(70 + e.percent * 0.3, 'Mixing the voice-over'),
      ),
    );
    final = { ...final, duration: mixed.duration, size_bytes: mixed.size_bytes };
  }
  await progress(100, 'Variant ready');
  return {
    duration: roundMs(final.duration),
    width: final.width,
    height: final.height,
    size_bytes: final.size_bytes,
    encodes: { extract_modes: extractModes, concat: joined.mode_used, finish },
    intermediates,
  };
}
