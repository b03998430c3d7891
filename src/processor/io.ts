/**
 * What job handlers hand the processor: capabilities on its storage host (shared/processor/storage.ts)
 * for inputs (GET with Range) and outputs (written into R2 under the job's profile, in parts when
 * large), and progress mapped onto a slice of the job's progress.
 */
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import {
  MAX_AUDIO_OUTPUT_BYTES,
  MAX_IMAGE_OUTPUT_BYTES,
  MAX_VIDEO_OUTPUT_BYTES,
  PROCESSOR_URL_TTL_SECONDS,
} from '../core/limits.ts';
import type { MediaInput, MediaOutput, ProgressEvent } from './contract.ts';
import { type MediaTarget, signedMediaUrl, signedUploadUrl } from '../storage/signed-urls.ts';

/** Largest file the processor may store, by what it writes. */
export const MAX_OUTPUT_BYTES = {
  'video/mp4': MAX_VIDEO_OUTPUT_BYTES,
  'image/jpeg': MAX_IMAGE_OUTPUT_BYTES,
  'image/gif': MAX_IMAGE_OUTPUT_BYTES,
  'audio/mpeg': MAX_AUDIO_OUTPUT_BYTES,
} as const;
export type OutputContentType = keyof typeof MAX_OUTPUT_BYTES;

export async function mediaInput(env: Bindings, scope: ProfileScope, target: MediaTarget): Promise<MediaInput> {
  const signed = await signedMediaUrl(env, scope, target, {
    surface: 'storage',
    ttlSeconds: PROCESSOR_URL_TTL_SECONDS,
  });
  return { url: signed.url };
}

export async function mediaOutput(
  env: Bindings,
  scope: ProfileScope,
  target: MediaTarget,
  contentType: OutputContentType,
): Promise<MediaOutput> {
  const signed = await signedUploadUrl(env, scope, target, {
    surface: 'storage',
    ttlSeconds: PROCESSOR_URL_TTL_SECONDS,
    maxBytes: MAX_OUTPUT_BYTES[contentType],
    contentType,
  });
  return { url: signed.url, content_type: contentType };
}

export type ProgressSink = (percent: number, step: string) => Promise<void>;

/** Maps a processor call's 0–100 onto [from, to] of the job. */
export function progressSlice(report: ProgressSink, from: number, to: number, step: string) {
  return async (event: ProgressEvent) => {
    await report(from + ((to - from) * Math.max(0, Math.min(100, event.percent))) / 100, step);
  };
}
