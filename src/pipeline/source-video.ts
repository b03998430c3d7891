/**
 * The source video a job works on, re-checked in the job's profile when the job runs. An upload
 * that is still being probed makes the job wait (JobDeferredError: no retry is spent); a failed or
 * deleted one fails the job with the reason.
 */
import { SPEECH_MUTE_MARGINS } from '../../shared/processor/operations.ts';
import { roundMs } from '../../shared/seconds.ts';
import { widenIntervals } from '../../shared/time-ranges.ts';
import {
  type SourceVideoSummary,
  getSourceVideoSummary,
  getVoiceDetection,
  setVoiceDetection,
} from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import type {
  DetectVoiceParams,
  DetectVoiceResult,
  ProcessorClient,
  ProgressEvent,
  VoiceSegment,
} from '../processor/contract.ts';
import { mediaInput } from '../processor/io.ts';
import { JobDeferredError, PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export async function readySourceVideo(
  scope: ProfileScope,
  id: string,
): Promise<SourceVideoSummary & { duration: number }> {
  const video = await getSourceVideoSummary(scope, id);
  if (!video) throw new PermanentJobError('not_found', `The source video ${id} no longer exists`);
  if (video.status === 'failed') {
    throw new PermanentJobError(
      video.errorCode ?? 'invalid_media',
      `The source video could not be used: ${video.errorMessage ?? 'it failed to process'}`,
    );
  }
  if (video.status !== 'ready' || video.duration === null) {
    throw new JobDeferredError('source_not_ready', `Waiting for the source video ${video.name} to be probed`, 2);
  }
  return video as SourceVideoSummary & { duration: number };
}

/** The original's Silero defaults (docs/compatibility.md#voice-detection). */
export const DEFAULT_VOICE_PARAMS: DetectVoiceParams = {
  threshold: 0.5,
  min_speech_duration: 0.25,
  min_silence_duration: 0.1,
  padding: 0,
};

/** True when a cached detection ran with these parameters. */
export const sameVoiceParams = (a: Record<string, number>, b: DetectVoiceParams) =>
  (Object.keys(b) as (keyof DetectVoiceParams)[]).every((k) => Math.abs((a[k] ?? Number.NaN) - b[k]) < 1e-9);

/** A detection as cached on its video, under the parameters asked for (so the same request hits). */
export function voiceDetectionRecord(params: DetectVoiceParams, result: DetectVoiceResult) {
  return {
    params: { ...params },
    segments: result.segments,
    total_voice_duration: result.total_voice_duration,
    duration: result.duration,
    engine: result.engine,
    computed_at: new Date().toISOString(),
  };
}

export interface VoiceIntervals {
  segments: VoiceSegment[];
  total_voice_duration: number;
  engine: string | null;
  /** True when the video's cached detection was used (no processor call). */
  cached: boolean;
}

/** The video's cached detection, when it ran with these parameters. */
export async function cachedVoiceIntervals(
  scope: ProfileScope,
  videoId: string,
  params: DetectVoiceParams,
): Promise<VoiceIntervals | null> {
  const cached = await getVoiceDetection(scope, videoId);
  if (!cached?.voice || !sameVoiceParams(cached.voice.params, params)) return null;
  const segments = cached.voice.segments.map((s) => ({ ...s, duration: s.duration ?? s.end - s.start }));
  return {
    segments,
    total_voice_duration: cached.voice.total_voice_duration ?? segments.reduce((n, s) => n + s.duration, 0),
    engine: cached.voice.engine ?? null,
    cached: true,
  };
}

/** Caches a fresh detection (`detect-voice`, or the one `mute` made) on its video, and answers it. */
export async function rememberVoiceDetection(
  scope: ProfileScope,
  videoId: string,
  params: DetectVoiceParams,
  result: DetectVoiceResult,
): Promise<VoiceIntervals> {
  await setVoiceDetection(scope, videoId, voiceDetectionRecord(params, result));
  return {
    segments: result.segments,
    total_voice_duration: result.total_voice_duration,
    engine: result.engine,
    cached: false,
  };
}

/**
 * Speech in a source video: the cached detection when it ran with the same parameters, else a
 * `detect-voice` run whose result is cached on the video for next time.
 */
export async function voiceIntervals(
  env: Bindings,
  scope: ProfileScope,
  processor: ProcessorClient,
  videoId: string,
  params: DetectVoiceParams,
  onProgress?: (event: ProgressEvent) => Promise<void>,
): Promise<VoiceIntervals> {
  const cached = await cachedVoiceIntervals(scope, videoId, params);
  if (cached) return cached;
  const input = await mediaInput(env, scope, { kind: 'source_video', id: videoId });
  const result: DetectVoiceResult = await callProcessor(() =>
    processor.run('detect-voice', { input, ...params }, onProgress),
  );
  return rememberVoiceDetection(scope, videoId, params, result);
}

/**
 * Detected speech as it is muted: each span widened by the speech margins, close spans merged, so
 * the quiet end of a word is muted with it (docs/voice-detection.md#muting-speech).
 */
export function speechToMute(speech: readonly { start: number; end: number }[], duration: number) {
  return widenIntervals(speech, SPEECH_MUTE_MARGINS, duration);
}

/** The intervals of `speech` inside [start, end], relative to `start` (for muting while cutting). */
export function intervalsWithin(speech: readonly { start: number; end: number }[], start: number, end: number) {
  const out: { start: number; end: number }[] = [];
  for (const s of speech) {
    const a = Math.max(s.start, start);
    const b = Math.min(s.end, end);
    if (b > a) out.push({ start: roundMs(a - start), end: roundMs(b - start) });
  }
  return out;
}
