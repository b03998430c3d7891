/**
 * The original's direct form upload (`POST /segments/source-videos`, multipart `video`, `name`,
 * `description`), streamed: the file part goes through the streaming multipart parser into R2 in
 * 10 MiB parts, never into memory as a whole. Its first bytes are sniffed before anything is stored,
 * so a text file renamed .mp4 is refused with nothing written. Then the same probe job as a
 * signed-URL upload.
 */
import type { Bindings } from '../core/env.ts';
import { ApiError, badRequest } from '../core/errors.ts';
import {
  type SourceVideoSummary,
  deleteSourceVideoRows,
  getSourceVideoSummary,
  insertSourceVideo,
  updateSourceVideoDetails,
} from '../db/repos/source-videos.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { newId } from '../core/ids.ts';
import { peek, prepend } from '../core/streams.ts';
import { hashingStream } from '../core/hashing-stream.ts';
import { nameProblem, textProblem, withoutFormatting } from '../core/names.ts';
import { MultipartError, type MultipartPart, multipartBoundary, parseMultipart } from '../core/multipart.ts';
import { checkJobLimits } from '../jobs/producer.ts';
import { ALLOWED_VIDEO_TYPES, SNIFF_BYTES, checkDeclaredVideo } from '../core/sniff.ts';
import { StreamTooLargeError, streamToR2 } from '../storage/stream-to-r2.ts';
import { storageKeys } from '../storage/keys.ts';
import { MAX_UPLOAD_BYTES, UPLOAD_SESSION_SECONDS } from '../core/limits.ts';
import { startProbe } from '../source-videos/uploads.ts';

export const MAX_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 5000;

export interface StoredVideo {
  id: string;
  key: string;
  size: number;
  contentType: string;
}

function cleanName(raw: string | undefined): string | undefined {
  const name = raw?.trim();
  return name ? name : undefined;
}

/**
 * Stores one multipart file part as a new source video of the profile (status `pending_upload`
 * until `startProbe`). `transform` may wrap the part's bytes (e.g. to hash them on the way).
 */
export async function storeVideoPart(
  env: Bindings,
  scope: ProfileScope,
  part: MultipartPart,
  fields: { name?: string; description?: string },
  maxBytes: number,
  transform?: (stream: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>,
): Promise<StoredVideo> {
  // Sniffed before any transform, so refusing cancels the part itself (and nothing is left reading it).
  const { head, rest } = await peek(part.body, SNIFF_BYTES);
  const declared = part.contentType?.split(';')[0]?.trim().toLowerCase() ?? null;
  const verdict = checkDeclaredVideo(head, declared && declared in ALLOWED_VIDEO_TYPES ? declared : null);
  if (!verdict.ok) {
    await rest.cancel();
    throw new ApiError(400, 'invalid_media', verdict.message);
  }
  const id = newId('sourceVideo');
  const key = storageKeys.sourceVideo(scope, id);
  const contentType = verdict.container.contentType;
  // The multipart header's file name was not typed as a name: its control characters go, quietly.
  const filename = part.filename ? withoutFormatting(part.filename) : '';
  // The row exists before any byte is stored, so the orphan sweep never removes a live upload.
  await insertSourceVideo(scope, {
    id,
    name: (fields.name ?? (filename || 'Untitled video')).slice(0, MAX_NAME_LENGTH),
    description: fields.description ?? null,
    contentType,
    declaredSizeBytes: maxBytes,
    originalFilename: filename ? filename.slice(0, 255) : null,
    storageKey: key,
    uploadExpiresAt: new Date(Date.now() + UPLOAD_SESSION_SECONDS * 1000).toISOString(),
  });
  try {
    const { size } = transform
      ? await streamToR2(env.MEDIA, key, transform(prepend(head, rest)), { contentType, maxBytes })
      : await streamToR2(env.MEDIA, key, rest, { contentType, head, maxBytes });
    if (size === 0) throw badRequest('The video file is empty');
    return { id, key, size, contentType };
  } catch (err) {
    await deleteSourceVideoRows(scope, id);
    if (err instanceof StreamTooLargeError)
      throw new ApiError(413, 'payload_too_large', `The video is larger than ${maxBytes} bytes`);
    throw err;
  }
}

export interface FormUploadResult {
  video: SourceVideoSummary;
  job: JobRow;
}

/** A streamed upload's declared size: required (411), a whole number, at most MAX_UPLOAD_BYTES (413). */
export function uploadLength(header: string | null | undefined): number {
  if (header === null || header === undefined) throw new ApiError(411, 'length_required', 'Content-Length is required');
  const length = Number(header);
  if (!Number.isSafeInteger(length) || length < 0) throw badRequest('Content-Length is not a valid number');
  if (length > MAX_UPLOAD_BYTES)
    throw new ApiError(413, 'payload_too_large', `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes`);
  return length;
}

/** A form upload read and stored, not yet probed: its fields and the SHA-256 of its bytes. */
export interface FormUpload {
  stored: StoredVideo;
  name: string;
  description: string | null;
  sha256: string;
}

/**
 * Reads the form and streams its video into storage (hashing it on the way), checks the fields;
 * 400 (with nothing kept) when something is wrong. `probeFormUpload` finishes it, `discard` drops it.
 */
export async function readFormUpload(env: Bindings, scope: ProfileScope, request: Request): Promise<FormUpload> {
  const boundary = multipartBoundary(request.headers.get('Content-Type'));
  if (!boundary) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'Send multipart/form-data with fields `video` (file), `name` and optional `description`, or use POST /uploads',
    );
  }
  const length = uploadLength(request.headers.get('Content-Length'));
  if (!request.body) throw badRequest('The request has no body');
  // Refuse before reading anything when the profile cannot start another job.
  await checkJobLimits(scope, env);

  const fields: { name?: string; description?: string } = {};
  let stored: StoredVideo | null = null;
  let digest: (() => Promise<string>) | undefined;
  try {
    for await (const part of parseMultipart(request.body, boundary)) {
      if (part.name === 'video') {
        if (stored) throw badRequest('Send exactly one `video` file');
        if (part.filename === null) throw badRequest('`video` must be a file field');
        stored = await storeVideoPart(env, scope, part, fields, length, (body) => {
          const hashed = hashingStream(body);
          digest = hashed.digest;
          return hashed.stream;
        });
      } else if (part.name === 'name') {
        fields.name = cleanName(await part.text(4 * MAX_NAME_LENGTH));
      } else if (part.name === 'description') {
        fields.description = await part.text(4 * MAX_DESCRIPTION_LENGTH);
      } else {
        await part.body.cancel();
      }
    }
  } catch (err) {
    if (stored) await discard(env, scope, stored);
    if (err instanceof MultipartError) throw badRequest(`Malformed multipart body: ${err.message}`);
    throw err;
  }

  const issues: { path: string; message: string }[] = [];
  if (!stored) issues.push({ path: 'video', message: 'Required' });
  if (!fields.name) issues.push({ path: 'name', message: 'Required' });
  else if (fields.name.length > MAX_NAME_LENGTH)
    issues.push({ path: 'name', message: `At most ${MAX_NAME_LENGTH} characters` });
  else if (nameProblem(fields.name)) issues.push({ path: 'name', message: nameProblem(fields.name)! });
  if (fields.description !== undefined && fields.description.length > MAX_DESCRIPTION_LENGTH) {
    issues.push({ path: 'description', message: `At most ${MAX_DESCRIPTION_LENGTH} characters` });
  } else if (fields.description !== undefined && textProblem(fields.description)) {
    issues.push({ path: 'description', message: textProblem(fields.description)! });
  }
  if (issues.length || !stored) {
    if (stored) await discard(env, scope, stored);
    throw new ApiError(
      400,
      'validation_failed',
      `Invalid form data: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { details: issues },
    );
  }

  return { stored, name: fields.name!, description: fields.description ?? null, sha256: await digest!() };
}

/** Names the stored video and starts its probe. The caller discards the upload if this fails. */
export async function probeFormUpload(
  env: Bindings,
  scope: ProfileScope,
  upload: FormUpload,
): Promise<FormUploadResult> {
  const { stored } = upload;
  await updateSourceVideoDetails(scope, stored.id, { name: upload.name, description: upload.description });
  const job = await startProbe(env, scope, stored.id, { fileSizeBytes: stored.size, contentType: stored.contentType });
  const video = await getSourceVideoSummary(scope, stored.id);
  if (!video) throw new ApiError(404, 'not_found', 'Source video not found');
  return { video, job };
}

/** Removes a stored upload that will not be used (its row and its object). */
export async function discard(env: Bindings, scope: ProfileScope, stored: StoredVideo) {
  await deleteSourceVideoRows(scope, stored.id);
  await env.MEDIA.delete(stored.key);
}
