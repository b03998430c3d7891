/**
 * Direct uploads of source videos into R2 through signed URLs (after Cloudflare Stream direct
 * uploads and Mux: declare size and type up front, get URLs, complete; no asset until complete).
 *
 * - Up to `SINGLE_UPLOAD_MAX_BYTES`: one signed PUT URL.
 * - Above (or when asked): an R2 multipart upload. The client fetches signed part URLs page by page,
 *   PUTs each part (every part but the last exactly `part_size` bytes, as R2 requires), can ask
 *   which parts arrived and send only the rest (resume), then completes. Parts are recorded in D1
 *   because the R2 binding cannot list the parts of an upload.
 * - Completing checks that every byte arrived, sniffs the magic bytes, and enqueues the probe job.
 */
import type { Bindings } from '../core/env.ts';
import { ApiError, conflict } from '../core/errors.ts';
import {
  type SourceVideoRow,
  type SourceVideoSummary,
  type UploadPartRow,
  clearUploadParts,
  countUploadedBytes,
  insertSourceVideo,
  listUploadParts,
  markProcessingStatement,
  markSourceVideoFailed,
  recordUploadPart,
  releaseUploadPart,
  claimUploadPart,
  getSourceVideoSummary,
} from '../db/repos/source-videos.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { newId } from '../core/ids.ts';
import { joinUrl } from '../core/urls.ts';
import {
  DEFAULT_PART_BYTES,
  MAX_PARTS,
  MAX_PART_BYTES,
  MAX_UPLOAD_BYTES,
  MIN_PART_BYTES,
  SINGLE_UPLOAD_MAX_BYTES,
  UPLOAD_PART_CLAIM_SECONDS,
  UPLOAD_SESSION_SECONDS,
  UPLOAD_URL_TTL_SECONDS,
} from '../core/limits.ts';
import { type JobSpec, checkJobLimits, enqueueJobs } from '../jobs/producer.ts';
import { signedUploadUrl } from '../storage/signed-urls.ts';
import { SNIFF_BYTES, checkDeclaredVideo } from '../core/sniff.ts';
import { storageKeys } from '../storage/keys.ts';

const MiB = 1024 * 1024;

export const sourceVideosPath = '/api/v1/segments/source-videos';

function apiUrl(env: Pick<Bindings, 'PUBLIC_URL'>, path: string): string {
  return joinUrl(env.PUBLIC_URL || '', `${sourceVideosPath}${path}`);
}

/** Part size for a file: the requested or default size, grown so the file fits in 10 000 parts. */
export function planPartSize(sizeBytes: number, requested?: number): number {
  const fit = Math.ceil(Math.ceil(sizeBytes / MAX_PARTS) / MiB) * MiB;
  return Math.min(MAX_PART_BYTES, Math.max(MIN_PART_BYTES, requested ?? DEFAULT_PART_BYTES, fit));
}

export const partCountOf = (sizeBytes: number, partSize: number) => Math.max(1, Math.ceil(sizeBytes / partSize));

export function expectedPartBytes(sizeBytes: number, partSize: number, partNumber: number): number {
  const count = partCountOf(sizeBytes, partSize);
  return partNumber < count ? partSize : sizeBytes - partSize * (count - 1);
}

// ─── Creating an upload ──────────────────────────────────────────────────────────────────────

export interface NewUpload {
  name: string;
  description: string | null;
  sizeBytes: number;
  contentType: string;
  filename: string | null;
  maxDurationSeconds: number | null;
  /** Multipart even when the file would fit one PUT (e.g. for resumability on a weak link). */
  multipart: boolean;
  partSizeBytes?: number;
}

export async function createUpload(env: Bindings, scope: ProfileScope, input: NewUpload): Promise<SourceVideoRow> {
  if (input.sizeBytes > MAX_UPLOAD_BYTES) {
    throw new ApiError(413, 'payload_too_large', `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes`);
  }
  const multipart = input.multipart || input.sizeBytes > SINGLE_UPLOAD_MAX_BYTES;
  const partSize = multipart ? planPartSize(input.sizeBytes, input.partSizeBytes) : null;
  if (partSize && partCountOf(input.sizeBytes, partSize) > MAX_PARTS) {
    throw new ApiError(
      413,
      'payload_too_large',
      `The file needs more than ${MAX_PARTS} parts of ${MAX_PART_BYTES} bytes`,
    );
  }
  const id = newId('sourceVideo');
  const key = storageKeys.sourceVideo(scope, id);
  const upload = multipart
    ? await env.MEDIA.createMultipartUpload(key, { httpMetadata: { contentType: input.contentType } })
    : null;
  try {
    return await insertSourceVideo(scope, {
      id,
      name: input.name,
      description: input.description,
      contentType: input.contentType,
      declaredSizeBytes: input.sizeBytes,
      originalFilename: input.filename,
      storageKey: key,
      multipartUploadId: upload?.uploadId ?? null,
      partSizeBytes: partSize,
      uploadExpiresAt: new Date(Date.now() + UPLOAD_SESSION_SECONDS * 1000).toISOString(),
      maxDurationSeconds: input.maxDurationSeconds,
    });
  } catch (err) {
    await upload?.abort().catch(() => {});
    throw err;
  }
}

// ─── Instructions and status ─────────────────────────────────────────────────────────────────

export interface SingleUploadInstructions {
  method: 'PUT';
  upload_url: string;
  /** Send exactly these headers (and `Content-Length: size_bytes`). */
  headers: { 'Content-Type': string };
  size_bytes: number;
  expires_at: string;
  status_url: string;
  complete_url: string;
  abort_url: string;
}

export interface MultipartUploadInstructions {
  method: 'multipart';
  size_bytes: number;
  part_size: number;
  part_count: number;
  /** GET (Bearer): signed part URLs, paginated (`?from=&limit=&missing=true`). */
  parts_url: string;
  /** GET (Bearer): which parts arrived. */
  status_url: string;
  complete_url: string;
  abort_url: string;
  /** When the upload session ends (unfinished uploads are then removed). */
  expires_at: string;
}

export type UploadInstructions = SingleUploadInstructions | MultipartUploadInstructions;

function isOpen(row: Pick<SourceVideoRow, 'status' | 'uploadExpiresAt'>): boolean {
  return row.status === 'pending_upload' && !!row.uploadExpiresAt && Date.parse(row.uploadExpiresAt) > Date.now();
}

function requireOpen(row: Pick<SourceVideoRow, 'status' | 'uploadExpiresAt'>) {
  if (row.status !== 'pending_upload') throw conflict(`The upload is finished (video is ${row.status})`);
  if (!isOpen(row)) throw conflict('The upload session has expired; start a new upload');
}

export async function uploadInstructions(
  env: Bindings,
  scope: ProfileScope,
  row: SourceVideoSummary,
): Promise<UploadInstructions> {
  const links = {
    status_url: apiUrl(env, `/${row.id}/upload`),
    complete_url: apiUrl(env, `/${row.id}/complete`),
    abort_url: apiUrl(env, `/${row.id}/abort`),
  };
  if (row.multipartUploadId && row.partSizeBytes) {
    return {
      method: 'multipart',
      size_bytes: row.declaredSizeBytes,
      part_size: row.partSizeBytes,
      part_count: partCountOf(row.declaredSizeBytes, row.partSizeBytes),
      parts_url: apiUrl(env, `/${row.id}/upload/parts`),
      ...links,
      expires_at: row.uploadExpiresAt ?? new Date().toISOString(),
    };
  }
  const signed = await signedUploadUrl(
    env,
    scope,
    { kind: 'source_video', id: row.id },
    {
      ttlSeconds: uploadUrlTtl(row),
      maxBytes: row.declaredSizeBytes,
      exactBytes: true,
      contentType: row.contentType,
    },
  );
  return {
    method: 'PUT',
    upload_url: signed.url,
    headers: { 'Content-Type': row.contentType },
    size_bytes: row.declaredSizeBytes,
    expires_at: signed.expiresAt,
    ...links,
  };
}

/** URLs never outlive the upload session. */
function uploadUrlTtl(row: Pick<SourceVideoRow, 'uploadExpiresAt'>): number {
  const left = row.uploadExpiresAt ? Math.floor((Date.parse(row.uploadExpiresAt) - Date.now()) / 1000) : 0;
  return Math.max(1, Math.min(UPLOAD_URL_TTL_SECONDS, left));
}

export interface UploadStatus {
  status: SourceVideoRow['status'];
  method: 'PUT' | 'multipart';
  size_bytes: number;
  received_bytes: number;
  part_size: number | null;
  part_count: number | null;
  received_parts: number[];
  missing_parts: number[];
  expires_at: string | null;
}

/** Which bytes arrived: for multipart the recorded parts; for a single PUT whether the object exists. */
export async function uploadStatus(env: Bindings, scope: ProfileScope, row: SourceVideoSummary): Promise<UploadStatus> {
  if (row.multipartUploadId && row.partSizeBytes) {
    const parts = await listUploadParts(scope, row.id);
    const count = partCountOf(row.declaredSizeBytes, row.partSizeBytes);
    const received = new Set(parts.map((p) => p.partNumber));
    const missing: number[] = [];
    for (let n = 1; n <= count; n++) if (!received.has(n)) missing.push(n);
    return {
      status: row.status,
      method: 'multipart',
      size_bytes: row.declaredSizeBytes,
      received_bytes: countUploadedBytes(parts),
      part_size: row.partSizeBytes,
      part_count: count,
      received_parts: [...received].sort((a, b) => a - b),
      missing_parts: missing,
      expires_at: row.uploadExpiresAt,
    };
  }
  const head = row.status === 'pending_upload' ? await env.MEDIA.head(row.storageKey) : null;
  const received = row.status === 'pending_upload' ? (head?.size ?? 0) : (row.fileSizeBytes ?? row.declaredSizeBytes);
  return {
    status: row.status,
    method: 'PUT',
    size_bytes: row.declaredSizeBytes,
    received_bytes: received,
    part_size: null,
    part_count: null,
    received_parts: [],
    missing_parts: [],
    expires_at: row.uploadExpiresAt,
  };
}

export interface PartUrl {
  part_number: number;
  size_bytes: number;
  url: string;
}

/** One page of signed part URLs, from part `from`, optionally only the parts not yet received. */
export async function partUrls(
  env: Bindings,
  scope: ProfileScope,
  row: SourceVideoSummary,
  page: { from: number; limit: number; missingOnly: boolean },
): Promise<{ parts: PartUrl[]; next_from: number | null; expires_at: string }> {
  requireOpen(row);
  if (!row.multipartUploadId || !row.partSizeBytes) throw conflict('This upload is a single PUT; use its upload_url');
  const count = partCountOf(row.declaredSizeBytes, row.partSizeBytes);
  const received = page.missingOnly
    ? new Set((await listUploadParts(scope, row.id)).map((p) => p.partNumber))
    : new Set<number>();
  const numbers: number[] = [];
  let n = page.from;
  for (; n <= count && numbers.length < page.limit; n++) if (!received.has(n)) numbers.push(n);
  const ttlSeconds = uploadUrlTtl(row);
  const signed = await Promise.all(
    numbers.map((partNumber) =>
      signedUploadUrl(
        env,
        scope,
        { kind: 'source_video', id: row.id },
        {
          ttlSeconds,
          maxBytes: expectedPartBytes(row.declaredSizeBytes, row.partSizeBytes!, partNumber),
          exactBytes: true,
          part: { uploadId: row.multipartUploadId!, partNumber },
        },
      ),
    ),
  );
  const parts: PartUrl[] = numbers.map((partNumber, i) => ({
    part_number: partNumber,
    size_bytes: expectedPartBytes(row.declaredSizeBytes, row.partSizeBytes!, partNumber),
    url: signed[i]!.url,
  }));
  const expiresAt = signed[0]?.expiresAt ?? '';
  while (n <= count && received.has(n)) n++;
  return {
    parts,
    next_from: n <= count ? n : null,
    expires_at: expiresAt || new Date(Date.now() + uploadUrlTtl(row) * 1000).toISOString(),
  };
}

// ─── Receiving bytes (PUT /media/<token> for a source video) ─────────────────────────────────

/**
 * Streams one PUT body into the video's object (single upload) or into one part (multipart).
 * The caller has already checked the token, Content-Length and Content-Type.
 *
 * Bytes are received once: what `complete` sniffs and the probe reads is the only content the
 * video can ever have (docs/uploads.md#received-once). A single upload is written with an R2
 * conditional put (only if no object exists at its key, checked when the write commits), so a
 * second PUT, even one started before the first finished or before `complete`, stores nothing
 * and answers 409. A part is claimed in D1 before its bytes are read; a second PUT of the same
 * part answers 409.
 */
export async function receiveSourceVideoBytes(
  env: Bindings,
  scope: ProfileScope,
  videoId: string,
  body: ReadableStream<Uint8Array> | null,
  size: number,
  part: { uploadId: string; partNumber: number } | undefined,
): Promise<{ etag: string; size_bytes: number; part_number?: number }> {
  const row = await getSourceVideoSummary(scope, videoId);
  if (!row) throw new ApiError(404, 'not_found', 'Source video not found');
  requireOpen(row);
  const stream = body ?? new Blob([]).stream();
  if (part) {
    if (row.multipartUploadId !== part.uploadId)
      throw conflict('This part URL belongs to an upload that is no longer open');
    return receivePart(env, scope, row, stream, size, part.partNumber);
  }
  if (row.multipartUploadId) throw conflict('This upload is multipart; use the part URLs');
  const alreadyReceived = () =>
    conflict('This upload already received its bytes; complete it, or abort it and start a new upload');
  // Refuse a replay before reading its body; the conditional put below is what makes it atomic.
  if (await env.MEDIA.head(row.storageKey)) throw alreadyReceived();
  const object = await env.MEDIA.put(row.storageKey, stream, {
    httpMetadata: { contentType: row.contentType },
    onlyIf: { etagDoesNotMatch: '*' },
  });
  if (!object) throw alreadyReceived();
  return { etag: object.httpEtag, size_bytes: object.size };
}

async function receivePart(
  env: Bindings,
  scope: ProfileScope,
  row: SourceVideoSummary,
  stream: ReadableStream<Uint8Array>,
  size: number,
  partNumber: number,
): Promise<{ etag: string; size_bytes: number; part_number: number }> {
  const claim = crypto.randomUUID();
  const staleBefore = new Date(Date.now() - UPLOAD_PART_CLAIM_SECONDS * 1000).toISOString();
  if (!(await claimUploadPart(scope, row.id, partNumber, claim, staleBefore))) {
    throw conflict(`Part ${partNumber} was already received (or is being received); each part is sent once`);
  }
  let uploaded: R2UploadedPart;
  try {
    uploaded = await env.MEDIA.resumeMultipartUpload(row.storageKey, row.multipartUploadId!).uploadPart(
      partNumber,
      stream,
    );
  } catch (err) {
    await releaseUploadPart(scope, row.id, partNumber, claim);
    throw err;
  }
  if (!(await recordUploadPart(scope, row.id, claim, { partNumber, etag: uploaded.etag, sizeBytes: size }))) {
    throw conflict(`Part ${partNumber} was received by another request meanwhile`);
  }
  return { etag: uploaded.etag, size_bytes: size, part_number: partNumber };
}

// ─── Completing and aborting ─────────────────────────────────────────────────────────────────

function missingParts(row: SourceVideoSummary, parts: UploadPartRow[]): { missing: number[]; wrongSize: number[] } {
  const count = partCountOf(row.declaredSizeBytes, row.partSizeBytes!);
  const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
  const missing: number[] = [];
  const wrongSize: number[] = [];
  for (let n = 1; n <= count; n++) {
    const p = byNumber.get(n);
    if (!p) missing.push(n);
    else if (p.sizeBytes !== expectedPartBytes(row.declaredSizeBytes, row.partSizeBytes!, n)) wrongSize.push(n);
  }
  return { missing, wrongSize };
}

async function finishMultipart(env: Bindings, scope: ProfileScope, row: SourceVideoSummary): Promise<void> {
  const parts = await listUploadParts(scope, row.id);
  const { missing, wrongSize } = missingParts(row, parts);
  if (missing.length || wrongSize.length) {
    throw new ApiError(
      409,
      'conflict',
      `The upload is incomplete: ${missing.length} part(s) missing${wrongSize.length ? `, ${wrongSize.length} of the wrong size` : ''}`,
      {
        details: {
          missing_parts: missing.slice(0, 1000),
          wrong_size_parts: wrongSize.slice(0, 1000),
          received_bytes: countUploadedBytes(parts),
        },
      },
    );
  }
  try {
    await env.MEDIA.resumeMultipartUpload(row.storageKey, row.multipartUploadId!).complete(
      parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
    );
  } catch (err) {
    // A retried complete after an earlier success: the object is already whole.
    const existing = await env.MEDIA.head(row.storageKey);
    if (existing?.size === row.declaredSizeBytes) return;
    throw new ApiError(
      409,
      'conflict',
      'Storage rejected the parts; re-send the parts listed as missing and complete again',
      {
        details: { reason: err instanceof Error ? err.message : String(err) },
      },
    );
  }
}

export interface CompletedUpload {
  video: SourceVideoSummary;
  /** The probe job, or null when the upload had already been completed. */
  job: JobRow | null;
}

/** Rejects the object as not a video: deleted, and the video marked failed (`invalid_media`). */
async function rejectMedia(
  env: Bindings,
  scope: ProfileScope,
  row: SourceVideoSummary,
  message: string,
): Promise<never> {
  await env.MEDIA.delete(row.storageKey);
  await markSourceVideoFailed(scope, row.id, 'invalid_media', message);
  await clearUploadParts(scope, row.id);
  throw new ApiError(400, 'invalid_media', message, { details: { source_video_id: row.id } });
}

/** Reads the first bytes of an object for sniffing. */
export async function leadingBytes(bucket: R2Bucket, key: string, length = SNIFF_BYTES): Promise<Uint8Array> {
  const object = await bucket.get(key, { range: { offset: 0, length } });
  if (!object) return new Uint8Array(0);
  return new Uint8Array(await object.arrayBuffer());
}

/** The probe job of an uploaded video: pending_upload → processing in the same batch as the job row. */
export function probeJob(
  scope: ProfileScope,
  videoId: string,
  values: { fileSizeBytes: number; contentType: string },
): JobSpec<'probe_source_video'> {
  return {
    type: 'probe_source_video',
    input: { source_video_id: videoId },
    options: {
      resourceType: 'source_video',
      resourceId: videoId,
      step: 'Queued for probing',
      alongside: () => [markProcessingStatement(scope, videoId, values)],
    },
  };
}

/** pending_upload → processing with its probe job, atomically. */
export async function startProbe(
  env: Bindings,
  scope: ProfileScope,
  videoId: string,
  values: { fileSizeBytes: number; contentType: string },
): Promise<JobRow> {
  const [job] = await enqueueJobs(scope, env, [probeJob(scope, videoId, values)]);
  return job!;
}

export async function completeUpload(
  env: Bindings,
  scope: ProfileScope,
  row: SourceVideoSummary,
): Promise<CompletedUpload> {
  if (row.status === 'processing' || row.status === 'ready') return { video: row, job: null };
  if (row.status === 'failed') throw conflict(`The upload failed (${row.errorCode ?? 'unknown'}); start a new upload`);
  requireOpen(row);
  // Refuse before touching storage, so a 429 leaves the upload resumable as it was.
  await checkJobLimits(scope, env);
  if (row.multipartUploadId) await finishMultipart(env, scope, row);

  const head = await env.MEDIA.head(row.storageKey);
  if (!head) throw new ApiError(409, 'conflict', 'No bytes have been uploaded yet', { details: { received_bytes: 0 } });
  if (head.size !== row.declaredSizeBytes) {
    throw new ApiError(
      409,
      'conflict',
      `The upload is incomplete: ${head.size} of ${row.declaredSizeBytes} bytes arrived`,
      {
        details: { received_bytes: head.size },
      },
    );
  }
  const verdict = checkDeclaredVideo(await leadingBytes(env.MEDIA, row.storageKey), row.contentType);
  if (!verdict.ok) return rejectMedia(env, scope, row, verdict.message);

  const job = await startProbe(env, scope, row.id, { fileSizeBytes: head.size, contentType: row.contentType });
  await clearUploadParts(scope, row.id);
  const video = (await getSourceVideoSummary(scope, row.id)) ?? row;
  return { video, job };
}

/** Removes the bytes of an upload that has not completed (its row is removed by the caller). */
export async function discardUploadBytes(
  env: Bindings,
  row: Pick<SourceVideoRow, 'storageKey' | 'multipartUploadId'>,
): Promise<void> {
  if (row.multipartUploadId) {
    await env.MEDIA.resumeMultipartUpload(row.storageKey, row.multipartUploadId)
      .abort()
      .catch(() => {});
  }
  await env.MEDIA.delete(row.storageKey);
}
