/**
 * Sends an output to its write capability on the storage host (shared/processor/storage.ts), always
 * with exact lengths (the Worker streams bodies into R2, which needs them up front).
 * - Up to the part size: one PUT (one retry on a network error or 5xx).
 * - Larger: an R2 multipart upload through the same host: create, then parts of exactly the part
 *   size (the last one smaller), each retried on its own, then complete. Any failure aborts the
 *   upload, so no half-written object is ever assembled.
 * No request body is ever larger than the part size, whatever the output's size.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import {
  multipartCreated,
  objectStored,
  type PartStored,
  partStored,
  STORAGE_QUERY,
} from '../../../shared/processor/storage.ts';
import { ProcessorFailure } from '../errors.ts';
import { log } from '../log.ts';
import { nodeRequest } from './node-http.ts';
import { connectionUrl, storagePartBytes } from './storage-route.ts';

/** An upload that stalls this long fails (its total time is bounded by the operation's). */
const UPLOAD_IDLE_TIMEOUT_MS = 60_000;
/** Tries of each part and each step of a multipart upload. */
const ATTEMPTS = 3;
/** Pause before the n-th retry: n × this. */
const RETRY_PAUSE_MS = 500;
/** Answers of the storage host are a few bytes of JSON. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface UploadTarget {
  url: string;
  content_type: string;
}

const cancelled = () => new ProcessorFailure('internal', 'Operation was cancelled');
const uploadFailed = (detail: string) =>
  new ProcessorFailure('output_upload_failed', `Could not upload the output: ${detail}`);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** The storage path or R2 having a moment: worth another try. */
const retryable = (status: number) => status >= 500 || status === 429 || status === 408;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt));

async function putOnce(path: string, size: number, target: UploadTarget, signal?: AbortSignal): Promise<Response> {
  const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  return fetch(connectionUrl(target.url), {
    method: 'PUT',
    headers: { 'content-type': target.content_type, 'content-length': String(size) },
    body,
    // Node's fetch needs this for a streamed body.
    duplex: 'half',
    redirect: 'error',
    signal,
  } as RequestInit & { duplex: 'half' });
}

export async function uploadFile(path: string, target: UploadTarget, signal?: AbortSignal): Promise<number> {
  const { size } = await stat(path);
  if (size > storagePartBytes()) {
    return multipartUpload(
      target,
      size,
      async (start, length) => () =>
        createReadStream(path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 }),
      signal,
    );
  }
  let lastError = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const res = await putOnce(path, size, target, signal);
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return size;
      lastError = `upload answered ${res.status}`;
      if (res.status < 500) break;
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      lastError = messageOf(err);
    }
  }
  throw uploadFailed(lastError);
}

/**
 * Streams a body produced on the fly (no file) with the exact Content-Length announced up front.
 * Up to the part size, `produce` is called once per attempt (one retry on network errors and 5xx);
 * above it, once, and each part is held in memory until it is stored (the next one filling
 * meanwhile), so a part can be retried without producing the output again. When producing fails
 * (the input broke off), that failure is thrown, not an upload failure.
 */
export async function uploadStream(
  target: UploadTarget,
  size: number,
  produce: () => AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
  if (size > storagePartBytes()) return multipartUpload(target, size, partsOf(produce(), size), signal);
  let lastError = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    let producerFailure: unknown = null;
    const source = produce();
    const checked = (async function* () {
      let sent = 0;
      try {
        for await (const piece of source) {
          sent += piece.length;
          if (sent > size) throw new ProcessorFailure('internal', 'The output came out longer than announced');
          yield piece;
        }
        if (sent !== size) throw new ProcessorFailure('internal', 'The output came out shorter than announced');
      } catch (err) {
        producerFailure = err;
        throw err;
      }
    })();
    try {
      const res = await nodeRequest(target.url, {
        method: 'PUT',
        headers: { 'content-type': target.content_type, 'content-length': String(size) },
        body: checked,
        signal,
        idleMs: UPLOAD_IDLE_TIMEOUT_MS,
      });
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return size;
      lastError = `upload answered ${status}`;
      if (status < 500) break;
    } catch (err) {
      if (producerFailure) throw asProducerFailure(producerFailure);
      if (signal?.aborted) throw cancelled();
      lastError = messageOf(err);
    }
  }
  throw uploadFailed(lastError);
}

function asProducerFailure(err: unknown): ProcessorFailure {
  return err instanceof ProcessorFailure ? err : new ProcessorFailure('internal', 'The output could not be produced');
}

// ─── Multipart ───────────────────────────────────────────────────────────────────────────────

/** A part's bytes, given afresh for each attempt. */
type PartBody = () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
/** The part holding [start, start + length) of the output, once it can be sent (parts are asked for in order). */
type PartBodies = (start: number, length: number) => Promise<PartBody>;

/** Cuts a produced stream of exactly `size` bytes into parts, each read into memory when asked for. */
function partsOf(stream: AsyncIterable<Uint8Array>, size: number): PartBodies {
  const source = stream[Symbol.asyncIterator]();
  let leftover: Uint8Array | null = null;
  let produced = 0;
  return async (start, length) => {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    try {
      while (filled < length) {
        let piece = leftover;
        leftover = null;
        if (!piece) {
          const next = await source.next();
          if (next.done) throw new ProcessorFailure('internal', 'The output came out shorter than announced');
          piece = next.value;
          produced += piece.length;
          if (produced > size) throw new ProcessorFailure('internal', 'The output came out longer than announced');
        }
        const take = Math.min(piece.length, length - filled);
        buffer.set(piece.subarray(0, take), filled);
        filled += take;
        if (take < piece.length) leftover = piece.subarray(take);
      }
      if (start + length === size && (leftover || !(await source.next()).done)) {
        throw new ProcessorFailure('internal', 'The output came out longer than announced');
      }
    } catch (err) {
      throw asProducerFailure(err);
    }
    return () => [buffer];
  };
}

function stepUrl(target: UploadTarget, query: Record<string, string>): string {
  const url = new URL(target.url);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.href;
}

async function readAnswer(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_ANSWER_BYTES) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseAnswer<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw uploadFailed(`the storage host answered ${what} with something unexpected`);
  return parsed.data;
}

/** One request of a multipart upload, retried on network errors and retryable statuses. */
async function step<T>(
  what: string,
  url: string,
  init: { method: 'PUT' | 'POST'; headers?: Record<string, string>; body?: PartBody },
  schema: z.ZodType<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  let lastError = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (attempt > 1) await pause(attempt - 1);
    if (signal?.aborted) throw cancelled();
    try {
      const res = await nodeRequest(url, {
        method: init.method,
        headers: init.headers ?? {},
        body: init.body?.(),
        signal,
        idleMs: UPLOAD_IDLE_TIMEOUT_MS,
      });
      const text = await readAnswer(res);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return parseAnswer(schema, text, what);
      lastError = `${what} answered ${status}`;
      if (!retryable(status)) break;
    } catch (err) {
      if (err instanceof ProcessorFailure) throw err;
      if (signal?.aborted) throw cancelled();
      lastError = `${what}: ${messageOf(err)}`;
    }
  }
  throw uploadFailed(lastError);
}

function jsonBody(value: unknown): { headers: Record<string, string>; body: PartBody } {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) },
    body: () => [bytes],
  };
}

async function multipartUpload(
  target: UploadTarget,
  size: number,
  bodies: PartBodies,
  signal: AbortSignal | undefined,
): Promise<number> {
  const partBytes = storagePartBytes();
  const count = Math.ceil(size / partBytes);
  const created = await step(
    'creating the upload',
    stepUrl(target, { [STORAGE_QUERY.create]: '' }),
    { method: 'POST', headers: { 'content-length': '0' } },
    multipartCreated,
    signal,
  );
  const uploadId = created.upload_id;
  const stored: PartStored[] = [];
  let inFlight: Promise<PartStored> | null = null;
  try {
    for (let n = 1; n <= count; n++) {
      const start = (n - 1) * partBytes;
      const length = Math.min(partBytes, size - start);
      // This part's bytes are read while the previous part is on its way.
      const body = await bodies(start, length);
      if (inFlight) stored.push(await inFlight);
      const url = stepUrl(target, { [STORAGE_QUERY.uploadId]: uploadId, [STORAGE_QUERY.partNumber]: String(n) });
      inFlight = step(
        `part ${n}`,
        url,
        {
          method: 'PUT',
          headers: { 'content-type': target.content_type, 'content-length': String(length) },
          body,
        },
        partStored,
        signal,
      );
      // Observed at the next part or below; a failure meanwhile is not an unhandled rejection.
      inFlight.catch(() => undefined);
    }
    if (inFlight) stored.push(await inFlight);
    const done = await step(
      'completing the upload',
      stepUrl(target, { [STORAGE_QUERY.uploadId]: uploadId }),
      { method: 'POST', ...jsonBody({ parts: stored }) },
      objectStored,
      signal,
    );
    if (done.size_bytes !== size) throw uploadFailed(`the stored object has ${done.size_bytes} bytes, not ${size}`);
    log('info', 'output stored in parts', { bytes: size, parts: count });
    return size;
  } catch (err) {
    await inFlight?.catch(() => undefined);
    await abortUpload(target, uploadId);
    throw err;
  }
}

/** Best effort: what is not aborted here R2 drops by itself after a week. */
async function abortUpload(target: UploadTarget, uploadId: string): Promise<void> {
  try {
    const res = await fetch(connectionUrl(stepUrl(target, { [STORAGE_QUERY.uploadId]: uploadId })), {
      method: 'DELETE',
      redirect: 'error',
      signal: AbortSignal.timeout(UPLOAD_IDLE_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) log('warn', 'aborting a multipart output failed', { status: res.status });
  } catch (err) {
    log('warn', 'aborting a multipart output failed', { error: messageOf(err) });
  }
}
