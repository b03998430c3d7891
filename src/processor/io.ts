/**
 * What library job handlers hand the processor: signed URLs for inputs (GET with Range) and outputs
 * (PUT into R2 under the job's profile), and progress mapped onto a slice of the job's progress.
 */
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import type { MediaInput, MediaOutput, ProgressEvent } from './contract.ts';
import { type MediaTarget, signedMediaUrl, signedUploadUrl } from '../storage/signed-urls.ts';

/** Inputs and outputs live as long as the slowest processor step may take. */
export const PROCESSOR_URL_TTL_SECONDS = 2 * 3600;
/** Bound on derived videos (cuts, variants, renders); R2 takes at most 5 GiB in one PUT. */
export const MAX_VIDEO_OUTPUT_BYTES = 4 * 1024 ** 3;
export const MAX_IMAGE_OUTPUT_BYTES = 10 * 1024 * 1024;
export const MAX_AUDIO_OUTPUT_BYTES = 512 * 1024 * 1024;

export async function mediaInput(env: Bindings, scope: ProfileScope, target: MediaTarget): Promise<MediaInput> {
  return { url: (await signedMediaUrl(env, scope, target, { ttlSeconds: PROCESSOR_URL_TTL_SECONDS })).url };
}

export async function mediaOutput(env: Bindings, scope: ProfileScope, target: MediaTarget, contentType: 'video/mp4' | 'image/jpeg' | 'audio/mpeg'): Promise<MediaOutput> {
  const maxBytes = contentType === 'video/mp4' ? MAX_VIDEO_OUTPUT_BYTES : contentType === 'image/jpeg' ? MAX_IMAGE_OUTPUT_BYTES : MAX_AUDIO_OUTPUT_BYTES;
  const signed = await signedUploadUrl(env, scope, target, { ttlSeconds: PROCESSOR_URL_TTL_SECONDS, maxBytes, contentType });
  return { url: signed.url, content_type: contentType };
}

export type ProgressSink = (percent: number, step: string) => Promise<void>;

/** Maps a processor call's 0–100 onto [from, to] of the job. */
export function progressSlice(report: ProgressSink, from: number, to: number, step: string) {
  return async (event: ProgressEvent) => {
    await report(from + ((to - from) * Math.max(0, Math.min(100, event.percent))) / 100, step);
  };
}
