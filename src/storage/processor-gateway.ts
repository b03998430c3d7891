/**
 * The processor's storage host (shared/processor/storage.ts): one handler, `(request, env) →
 * Response`, for every read and write the media processor makes. Production runs it as the
 * MediaProcessor container's outbound handler for `STORAGE_HOST` (src/processor/container.ts), in
 * the Workers runtime with the R2 binding, so the processor's bytes never cross the public edge;
 * the dev Worker serves it at `STORAGE_DEV_PATH` for a local processor (`serveDevStorageRoute`).
 *
 * Each request names an object by a capability: a media token issued for the storage surface
 * (`signedMediaUrl`/`signedUploadUrl` with `surface: 'storage'`, by src/processor/io.ts), bound to
 * one object of one profile, a method, a size, a content type and an expiry. Public `/media` tokens
 * are refused here, and these are refused there. Every body is at most `STORAGE_PART_BYTES`, so an
 * output of any size goes up as an R2 multipart upload of bounded parts.
 */
import {
  STORAGE_DEV_PATH,
  STORAGE_MAX_PARTS,
  STORAGE_MIN_PART_BYTES,
  STORAGE_OBJECT_PATH,
  STORAGE_ORIGIN,
  STORAGE_PART_BYTES,
  STORAGE_QUERY,
  completeRequest,
} from '../../shared/processor/storage.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError, badRequest, errorBody, validationError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { MAX_JSON_BODY_BYTES } from '../core/limits.ts';
import { createDb } from '../db/client.ts';
import { serveObject } from './serve-object.ts';
import { declaredBody, ensureWritable } from './signed-put.ts';
import { type VerifiedMediaToken, verifyMediaToken } from './signed-urls.ts';

const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
const notAllowed = (method: string) =>
  new ApiError(405, 'method_not_allowed', `${method} is not a storage operation on this object`);

/** The request body, checked to be exactly its declared length as it streams into R2. */
function fixedLengthBody(request: Request, length: number): ReadableStream<Uint8Array> | Uint8Array {
  if (!request.body || length === 0) return new Uint8Array(0);
  return request.body.pipeThrough(new FixedLengthStream(length));
}

/** R2 refusing an upload id (unknown, completed or aborted) is the caller's problem, not ours. */
function uploadFailure(err: unknown, what: string): ApiError {
  const message = err instanceof Error ? err.message : String(err);
  if (/NoSuchUpload|upload does not exist|not found/i.test(message)) {
    return new ApiError(409, 'conflict', 'The multipart upload is not open (unknown, completed or aborted)');
  }
  if (/part|etag/i.test(message)) return badRequest(`The multipart upload could not ${what}: ${message}`);
  return badRequest(`The upload did not complete: ${message}`);
}

async function storeWhole(request: Request, env: Bindings, token: VerifiedMediaToken): Promise<Response> {
  const { length, contentType } = declaredBody(token, request, STORAGE_PART_BYTES);
  await ensureWritable(token);
  let object: R2Object;
  try {
    object = await env.MEDIA.put(token.key, fixedLengthBody(request, length), {
      httpMetadata: { contentType: contentType ?? 'application/octet-stream' },
    });
  } catch (err) {
    // The stream broke or did not match its Content-Length; R2 stored nothing.
    throw uploadFailure(err, 'store the body');
  }
  return Response.json({ size_bytes: object.size, etag: object.httpEtag });
}

async function createUpload(env: Bindings, token: VerifiedMediaToken): Promise<Response> {
  await ensureWritable(token);
  const upload = await env.MEDIA.createMultipartUpload(token.key, {
    httpMetadata: { contentType: token.contentType ?? 'application/octet-stream' },
  });
  return Response.json({ upload_id: upload.uploadId });
}

function partNumberOf(raw: string | null, token: VerifiedMediaToken): number {
  const n = Number(raw);
  if (!raw || !/^\d{1,5}$/.test(raw) || n < 1 || n > STORAGE_MAX_PARTS)
    throw badRequest(`${STORAGE_QUERY.partNumber} must be 1–${STORAGE_MAX_PARTS}`);
  // Every part before this one holds at least the minimum part size: a part that could only start
  // past the signed size cannot belong to this object.
  if (token.maxBytes !== undefined && (n - 1) * STORAGE_MIN_PART_BYTES >= Math.max(1, token.maxBytes)) {
    throw new ApiError(
      413,
      'payload_too_large',
      `Part ${n} would start past the ${token.maxBytes} bytes this link allows`,
    );
  }
  return n;
}

async function storePart(
  request: Request,
  env: Bindings,
  token: VerifiedMediaToken,
  uploadId: string,
  rawPartNumber: string | null,
): Promise<Response> {
  const partNumber = partNumberOf(rawPartNumber, token);
  const { length } = declaredBody(token, request, STORAGE_PART_BYTES);
  try {
    const part = await env.MEDIA.resumeMultipartUpload(token.key, uploadId).uploadPart(
      partNumber,
      fixedLengthBody(request, length),
    );
    return Response.json({ part_number: part.partNumber, etag: part.etag });
  } catch (err) {
    throw uploadFailure(err, 'store the part');
  }
}

async function completeUpload(
  request: Request,
  env: Bindings,
  token: VerifiedMediaToken,
  uploadId: string,
): Promise<Response> {
  const length = Number(request.headers.get('Content-Length') ?? Number.NaN);
  if (!(length <= MAX_JSON_BODY_BYTES)) throw new ApiError(411, 'length_required', 'A JSON body with Content-Length');
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    throw badRequest('The body is not JSON');
  }
  const parsed = completeRequest.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error, 'parts');
  await ensureWritable(token);
  let object: R2Object;
  try {
    object = await env.MEDIA.resumeMultipartUpload(token.key, uploadId).complete(
      parsed.data.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })),
    );
  } catch (err) {
    throw uploadFailure(err, 'complete');
  }
  if (token.maxBytes !== undefined && object.size > token.maxBytes) {
    await env.MEDIA.delete(token.key);
    throw new ApiError(
      413,
      'payload_too_large',
      `The object is ${object.size} bytes; this link allows ${token.maxBytes}`,
    );
  }
  return Response.json({ size_bytes: object.size, etag: object.httpEtag });
}

async function abortUpload(env: Bindings, token: VerifiedMediaToken, uploadId: string): Promise<Response> {
  try {
    await env.MEDIA.resumeMultipartUpload(token.key, uploadId).abort();
  } catch (err) {
    // Already gone is what the caller wanted.
    const failure = uploadFailure(err, 'abort');
    if (failure.status !== 409) throw failure;
  }
  return new Response(null, { status: 204 });
}

async function route(request: Request, env: Bindings): Promise<Response> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(STORAGE_OBJECT_PATH)) throw new ApiError(404, 'not_found', 'No such storage path');
  const token = await verifyMediaToken(env, createDb(env.DB), url.pathname.slice(STORAGE_OBJECT_PATH.length));
  if (token.surface !== 'storage') throw forbidden('This media link is invalid or has expired');
  const method = request.method;
  const uploadId = url.searchParams.get(STORAGE_QUERY.uploadId);
  if (method === 'GET' || method === 'HEAD') {
    if (token.method !== 'GET') throw forbidden('This capability does not allow reading');
    return serveObject(env.MEDIA, token.key, request, { maxAgeSeconds: 0 });
  }
  if (token.method !== 'PUT') throw forbidden('This capability does not allow writing');
  if (url.searchParams.has(STORAGE_QUERY.create)) {
    if (method !== 'POST') throw notAllowed(method);
    return createUpload(env, token);
  }
  if (uploadId !== null) {
    if (method === 'PUT')
      return storePart(request, env, token, uploadId, url.searchParams.get(STORAGE_QUERY.partNumber));
    if (method === 'POST') return completeUpload(request, env, token, uploadId);
    if (method === 'DELETE') return abortUpload(env, token, uploadId);
    throw notAllowed(method);
  }
  if (method === 'PUT') return storeWhole(request, env, token);
  throw notAllowed(method);
}

/** Every storage request of the processor, answered in the API's error shape when refused. */
export async function handleStorageRequest(request: Request, env: Bindings): Promise<Response> {
  const requestId = newId('request');
  try {
    return await route(request, env);
  } catch (err) {
    if (err instanceof ApiError) {
      const res = Response.json(errorBody(requestId, err.code, err.message, err.details), { status: err.status });
      for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    console.error(
      JSON.stringify({ level: 'error', msg: 'storage request failed', request_id: requestId, error: String(err) }),
    );
    return Response.json(errorBody(requestId, 'internal_error', 'Internal server error'), { status: 500 });
  }
}

/** True for the dev Worker's stand-in for the storage host (`{origin}{STORAGE_DEV_PATH}/…`). */
export function isDevStorageRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith(`${STORAGE_DEV_PATH}/`);
}

/**
 * The dev Worker's stand-in for the outbound handler: a local processor (`STORAGE_URL`) sends the
 * storage host's requests here, and they run through the same handler under the storage host's URL.
 */
export async function serveDevStorageRoute(request: Request, env: Bindings): Promise<Response> {
  const url = new URL(request.url);
  const target = `${STORAGE_ORIGIN}${url.pathname.slice(STORAGE_DEV_PATH.length)}${url.search}`;
  const started = Date.now();
  const res = await handleStorageRequest(new Request(target, request), env);
  // The Worker's own share of the request (for a write: the body streamed into local R2; the clock
  // moves only across I/O), so bench/jobs-storage.ts can tell it from the hops in front of it.
  res.headers.set('Server-Timing', `worker;dur=${Date.now() - started}`);
  return res;
}
