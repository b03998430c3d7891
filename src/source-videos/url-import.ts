/**
 * Source videos imported from a URL (after Cloudflare Stream's `/copy` and Postiz's upload from a
 * URL): the route checks the URL and queues `import_source_video`; the job streams the body into an
 * R2 multipart upload from the Worker (the processor has no internet in production), then the video
 * is probed as an upload is.
 *
 * - SSRF: every request goes through src/core/outbound-url.ts: https only, public hosts only
 *   (resolved addresses checked), redirects followed by hand, at most IMPORT_MAX_REDIRECTS, each
 *   target checked again.
 * - Bounds: bytes (the request's `max_size_bytes`, at most MAX_UPLOAD_BYTES; a declared
 *   Content-Length over it fails at once, a body that grows over it fails when it does), time (the
 *   origin must answer within IMPORT_RESPONSE_TIMEOUT_MS and never fall silent for
 *   IMPORT_IDLE_TIMEOUT_MS; the whole import ends IMPORT_MAX_SECONDS after it was asked for),
 *   duration (checked by the probe).
 * - Resumable: each whole part is recorded in D1 once R2 holds it. A delivery that runs out of time
 *   hands the job on (OperationPendingError, no retry spent); a failed attempt is retried. Either
 *   way the next attempt asks for `Range: bytes=<stored>-` with `If-Range: <validator>`; an origin
 *   that answers 206 from that byte is continued, any other answer (200: no ranges, or the file
 *   changed) restarts from the first byte.
 */
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import {
  CANCEL_POLL_SECONDS,
  IMPORT_HANDOFF_GRACE_MS,
  IMPORT_IDLE_TIMEOUT_MS,
  IMPORT_MAX_DURATION_SECONDS,
  IMPORT_MAX_REDIRECTS,
  IMPORT_PART_BYTES,
  IMPORT_RESPONSE_TIMEOUT_MS,
  MAX_UPLOAD_BYTES,
} from '../core/limits.ts';
import {
  DnsUnavailableError,
  OutboundUrlError,
  checkOutboundTarget,
  fetchFollowingRedirects,
  outboundPolicy,
} from '../core/outbound-url.ts';
import { SNIFF_BYTES, checkDeclaredVideo } from '../core/sniff.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import {
  type SourceVideoRow,
  clearUploadParts,
  countUploadedBytes,
  deleteSourceVideoRows,
  insertSourceVideo,
  listUploadParts,
  markProcessingStatement,
  recordImportedPart,
  setImportUpload,
} from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import { OperationPendingError, PermanentJobError, TransientJobError } from '../jobs/errors.ts';
import { checkJobLimits, enqueueJob } from '../jobs/producer.ts';
import { storageKeys } from '../storage/keys.ts';
import { leadingBytes, planPartSize } from './uploads.ts';

// ─── Asking for an import ────────────────────────────────────────────────────────────────────

export interface NewImport {
  url: string;
  name: string;
  description: string | null;
  maxSizeBytes: number | null;
  maxDurationSeconds: number | null;
}

/** The URL as it will be fetched, or 422 `url_refused` saying why not (503 when DNS cannot tell now). */
export async function acceptedImportUrl(env: Bindings, raw: string): Promise<URL> {
  try {
    return await checkOutboundTarget(raw, outboundPolicy(env));
  } catch (err) {
    if (err instanceof OutboundUrlError) {
      const message = `url ${err.message}`;
      throw new ApiError(422, 'url_refused', message, { details: [{ path: 'url', message }] });
    }
    if (err instanceof DnsUnavailableError)
      throw new ApiError(503, 'unavailable', `The URL could not be checked now (${err.message}); try again`);
    throw err;
  }
}

/** The file name the URL's last path segment suggests (downloads use it), if it has one. */
function filenameOf(url: URL): string | null {
  const last = url.pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  return /\.[a-z0-9]{2,5}$/i.test(name) ? name.slice(-255) : null;
}

/** Creates the video (`pending_upload`, no upload session) and its import job, or neither. */
export async function createImport(
  env: Bindings,
  scope: ProfileScope,
  input: NewImport,
): Promise<{ video: SourceVideoRow; job: JobRow }> {
  await checkJobLimits(scope, env);
  const url = await acceptedImportUrl(env, input.url);
  const id = newId('sourceVideo');
  const video = await insertSourceVideo(scope, {
    id,
    name: input.name,
    description: input.description,
    contentType: 'video/mp4', // until the bytes are sniffed
    declaredSizeBytes: input.maxSizeBytes ?? MAX_UPLOAD_BYTES,
    originalFilename: filenameOf(url),
    storageKey: storageKeys.sourceVideo(scope, id),
    uploadExpiresAt: null,
    maxDurationSeconds: Math.min(input.maxDurationSeconds ?? IMPORT_MAX_DURATION_SECONDS, IMPORT_MAX_DURATION_SECONDS),
    importUrl: url.href,
  });
  try {
    const job = await enqueueJob(
      scope,
      env,
      'import_source_video',
      { source_video_id: id },
      { resourceType: 'source_video', resourceId: id, step: 'Queued for import' },
    );
    return { video, job };
  } catch (err) {
    await deleteSourceVideoRows(scope, id);
    throw err;
  }
}

// ─── Fetching ────────────────────────────────────────────────────────────────────────────────

export interface ImportRun {
  env: Bindings;
  scope: ProfileScope;
  video: SourceVideoRow;
  /** When this delivery must hand the job on (ms since the epoch). */
  deadline: number;
  progress(percent: number, step: string): Promise<void>;
  throwIfCancelled(): Promise<void>;
}

/** Statuses worth asking again later; any other failure answer is final. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Start byte and total of a `Content-Range: bytes a-b/total` answer. */
function contentRange(header: string | null): { start: number; total: number | null } | null {
  const m = header ? /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim()) : null;
  return m ? { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) } : null;
}

async function request(run: ImportRun, url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), IMPORT_RESPONSE_TIMEOUT_MS);
  try {
    return await fetchFollowingRedirects(
      url,
      { method: 'GET', headers, signal: controller.signal },
      outboundPolicy(run.env),
      { maxRedirects: IMPORT_MAX_REDIRECTS },
    );
  } catch (err) {
    if (err instanceof OutboundUrlError) throw new PermanentJobError('url_refused', `The import URL ${err.message}`);
    if (err instanceof DnsUnavailableError) throw new TransientJobError('unavailable', err.message);
    const reason = controller.signal.aborted ? 'did not answer in time' : 'could not be reached';
    throw new TransientJobError('upstream_error', `The import URL ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The next chunk of the body, or a transient failure when the origin falls silent. */
async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientJobError('upstream_error', `The origin sent nothing for ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([reader.read(), silent]);
  } catch (err) {
    if (err instanceof TransientJobError) throw err;
    throw new TransientJobError('upstream_error', 'The connection to the origin was lost');
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

function tooLarge(cap: number, what: string): PermanentJobError {
  return new PermanentJobError('too_large', `The file at the URL is ${what}, over the import limit of ${cap} bytes`);
}

/** Drops what an earlier attempt stored: the next bytes start the file again. */
async function restart(run: ImportRun) {
  const { env, scope, video } = run;
  if (video.multipartUploadId)
    await env.MEDIA.resumeMultipartUpload(video.storageKey, video.multipartUploadId)
      .abort()
      .catch(() => {});
  await clearUploadParts(scope, video.id);
  await setImportUpload(scope, video.id, { multipartUploadId: null, partSizeBytes: null, importValidator: null });
  video.multipartUploadId = null;
  video.partSizeBytes = null;
  video.importValidator = null;
}

/**
 * Streams the URL's body into the video's object (continuing what earlier attempts stored), checks
 * that it is a video, and moves the video to `processing`. Throws PermanentJobError (refused URL,
 * too large, not a video, origin said no), TransientJobError (network, origin busy or silent) or
 * OperationPendingError (this delivery's time is up; the next one continues).
 */
export async function fetchIntoStorage(run: ImportRun): Promise<{ sizeBytes: number; resumedFrom: number }> {
  const { env, scope, video } = run;
  if (!video.importUrl) throw new PermanentJobError('invalid_state', 'The video was not imported from a URL');
  const cap = Math.min(video.declaredSizeBytes, MAX_UPLOAD_BYTES);

  const parts = video.multipartUploadId ? await listUploadParts(scope, video.id) : [];
  let stored = countUploadedBytes(parts);
  const headers: Record<string, string> = { accept: 'video/*, application/octet-stream;q=0.9, */*;q=0.5' };
  if (stored > 0) {
    headers.range = `bytes=${stored}-`;
    if (video.importValidator) headers['if-range'] = video.importValidator;
  }
  await run.progress(1, stored > 0 ? `Resuming the download at byte ${stored}` : 'Connecting');
  const { response } = await request(run, video.importUrl, headers);

  let total: number | null;
  if (stored > 0 && response.status === 206 && contentRange(response.headers.get('content-range'))?.start === stored) {
    total = contentRange(response.headers.get('content-range'))!.total;
  } else if (response.ok) {
    // No ranges, or the file changed (If-Range): the body is the whole file again.
    if (stored > 0) await restart(run);
    stored = 0;
    parts.length = 0;
    if (response.status === 206) {
      await response.body?.cancel();
      throw new TransientJobError('upstream_error', 'The origin answered a range that was not asked for');
    }
    const length = response.headers.get('content-length');
    total = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  } else {
    await response.body?.cancel();
    if (response.status === 416 && stored > 0) {
      await restart(run);
      throw new TransientJobError('upstream_error', 'The origin refused to resume; the import starts again');
    }
    const message = `The import URL answered HTTP ${response.status}`;
    if (RETRYABLE_STATUS.has(response.status)) throw new TransientJobError('upstream_error', message);
    throw new PermanentJobError('fetch_failed', message);
  }
  if (total !== null && total > cap) {
    await response.body?.cancel();
    throw tooLarge(cap, `${total} bytes`);
  }
  if (!response.body) throw new PermanentJobError('fetch_failed', 'The import URL answered without a body');

  let partSize = video.partSizeBytes;
  let upload = video.multipartUploadId
    ? env.MEDIA.resumeMultipartUpload(video.storageKey, video.multipartUploadId)
    : null;
  if (!upload || !partSize) {
    partSize = planPartSize(total ?? cap, IMPORT_PART_BYTES);
    upload = await env.MEDIA.createMultipartUpload(video.storageKey, {
      httpMetadata: { contentType: response.headers.get('content-type') ?? 'application/octet-stream' },
    });
    const validator = response.headers.get('etag') ?? response.headers.get('last-modified');
    // A weak ETag cannot be used with If-Range.
    const usable = validator && !validator.startsWith('W/') ? validator : null;
    await setImportUpload(scope, video.id, {
      multipartUploadId: upload.uploadId,
      partSizeBytes: partSize,
      importValidator: usable,
    });
  }

  const uploaded = parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
  const reader = response.body.getReader();
  let buffer = new Uint8Array(partSize);
  let filled = 0;
  let received = stored;
  const resumedFrom = stored;
  let cancelCheckedAt = Date.now();
  const flush = async () => {
    const partNumber = uploaded.length + 1;
    const part = await upload.uploadPart(partNumber, filled === buffer.length ? buffer : buffer.slice(0, filled));
    await recordImportedPart(scope, video.id, { partNumber, etag: part.etag, sizeBytes: filled });
    uploaded.push({ partNumber, etag: part.etag });
    stored += filled;
    filled = 0;
    buffer = new Uint8Array(partSize);
    const share = total ? stored / total : 0;
    await run.progress(Math.min(89, Math.round(2 + 87 * share)), `Downloaded ${stored} bytes`);
  };
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, IMPORT_IDLE_TIMEOUT_MS);
      if (done) break;
      received += value.length;
      if (received > cap) throw tooLarge(cap, `larger than that (${received} bytes and counting)`);
      let offset = 0;
      while (offset < value.length) {
        const n = Math.min(buffer.length - filled, value.length - offset);
        buffer.set(value.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === buffer.length) {
          await flush();
          await run.throwIfCancelled();
          // Out of time: what is stored stays, the next delivery asks for the rest.
          if (Date.now() >= run.deadline) throw new OperationPendingError('import');
        }
      }
      // A slow origin must not keep the delivery past its wall clock: hand on without the partial part.
      if (Date.now() >= run.deadline + IMPORT_HANDOFF_GRACE_MS) throw new OperationPendingError('import');
      // Nor delay a cancel until its part is whole.
      if (Date.now() - cancelCheckedAt >= CANCEL_POLL_SECONDS * 1000) {
        cancelCheckedAt = Date.now();
        await run.throwIfCancelled();
      }
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  // A body cut short is not stored as a (short) last part: the next attempt asks for the rest.
  if (total !== null && stored + filled !== total) {
    throw new TransientJobError('upstream_error', `The download ended after ${stored + filled} of ${total} bytes`);
  }
  if (filled > 0 || uploaded.length === 0) await flush();
  if (stored === 0) throw new PermanentJobError('invalid_media', 'The file at the URL is empty');

  await run.progress(90, 'Checking the file');
  await upload.complete(uploaded);
  const verdict = checkDeclaredVideo(await leadingBytes(env.MEDIA, video.storageKey, SNIFF_BYTES), null);
  if (!verdict.ok) {
    await env.MEDIA.delete(video.storageKey);
    throw new PermanentJobError('invalid_media', verdict.message.replace('uploaded file', 'file at the URL'));
  }
  await clearUploadParts(scope, video.id);
  await markProcessingStatement(scope, video.id, { fileSizeBytes: stored, contentType: verdict.container.contentType });
  return { sizeBytes: stored, resumedFrom };
}

/** Leaves a failed or cancelled import without stored bytes or an open multipart upload. */
export async function discardImport(env: Bindings, scope: ProfileScope, video: SourceVideoRow): Promise<void> {
  if (video.multipartUploadId)
    await env.MEDIA.resumeMultipartUpload(video.storageKey, video.multipartUploadId)
      .abort()
      .catch(() => {});
  await clearUploadParts(scope, video.id);
}
