/**
 * Inputs shared by the processing routes: the video a job works on (an uploaded file, which became
 * a source video of the profile, or an owned `source_video_id`) and the zod fields every route
 * reuses.
 */
import { z } from '@hono/zod-openapi';
import type { SourceVideoSummary } from '../../db/repos/source-videos.ts';
import type { ProfileScope } from '../../db/scope.ts';
import type { Bindings } from '../../core/env.ts';
import { ApiError, conflict } from '../../core/errors.ts';
import { idSchema } from '../../core/ids.ts';
import { formNumber, optionalText } from '../../http/form-fields.ts';
import type { JobRequest } from '../../http/job-request.ts';
import { ownedSourceVideo } from '../../http/owned.ts';

export const sourceVideoIdField = idSchema('sourceVideo', 'must be a source video id (vid_…)');

/** A number field with a default and a range (forms send strings). */
export const numberField = (def: number, min: number, max: number) =>
  formNumber.optional().default(def).pipe(z.number().min(min).max(max));

/** The original clamped some fields instead of refusing them (variant_count 1..10, …). */
export const clampedNumber = (def: number, min: number, max: number, integer = false) =>
  formNumber
    .optional()
    .default(def)
    .transform((n) => {
      const v = Math.min(max, Math.max(min, n));
      return integer ? Math.round(v) : v;
    });

export const outputNameField = optionalText(100).pipe(
  z
    .string()
    .regex(/^[^/\\\u0000-\u001f]*$/, 'must be a file name, not a path')
    .nullable(),
);

export interface JobVideo {
  id: string;
  /** The video row when it already existed (an upload is still pending its probe). */
  existing: SourceVideoSummary | null;
  uploaded: boolean;
}

/**
 * The video a job works on: the uploaded `fileField`, or the owned `source_video_id` in `idValue`
 * (404 when it is not this profile's; 409 when it failed or was never uploaded).
 */
export async function jobVideo(
  scope: ProfileScope,
  request: JobRequest,
  fileField: string,
  idValue: string | null | undefined,
  idField = 'source_video_id',
): Promise<JobVideo> {
  const uploaded = request.videos.get(fileField);
  if (uploaded && idValue) {
    throw new ApiError(400, 'validation_failed', `Send either the \`${fileField}\` file or \`${idField}\`, not both`, {
      details: [{ path: idField, message: 'not allowed with a file upload' }],
    });
  }
  if (uploaded) return { id: uploaded.sourceVideoId, existing: null, uploaded: true };
  if (!idValue) {
    throw new ApiError(400, 'validation_failed', `Send the \`${fileField}\` file or \`${idField}\``, {
      details: [{ path: fileField, message: `Required (or ${idField})` }],
    });
  }
  const video = await ownedSourceVideo(scope, idValue);
  if (video.status === 'failed')
    throw conflict(
      `The source video failed to process (${video.errorCode ?? 'unknown'}): ${video.errorMessage ?? ''}`.trim(),
    );
  if (video.status === 'pending_upload') throw conflict('The source video has not been uploaded yet');
  return { id: video.id, existing: video, uploaded: false };
}

/** Budget estimates need a duration; an upload is not probed yet, so assume this much. */
export const ASSUMED_UPLOAD_DURATION_SECONDS = 60;

export function geminiEnabled(env: Bindings, contextText: string | null): boolean {
  return !!contextText && !!env.GEMINI_API_KEY;
}
