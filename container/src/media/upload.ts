/**
 * Sends an output file to its signed PUT URL with an exact Content-Length (the Worker streams the
 * body into R2, which needs the length up front). One retry on a network error or 5xx.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ProcessorFailure } from '../errors.ts';
import { nodeRequest } from './node-http.ts';

/** An upload that stalls this long fails (its total time is bounded by the operation's). */
const UPLOAD_IDLE_TIMEOUT_MS = 60_000;

export interface UploadTarget {
  url: string;
  content_type: string;
}

async function putOnce(path: string, size: number, target: UploadTarget, signal?: AbortSignal): Promise<Response> {
  const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  return fetch(target.url, {
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
  let lastError = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const res = await putOnce(path, size, target, signal);
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return size;
      lastError = `upload answered ${res.status}`;
      if (res.status < 500) break;
    } catch (err) {
      if (signal?.aborted) throw new ProcessorFailure('internal', 'Operation was cancelled');
      lastError = err instanceof Error ? err.message : String(err);
    }
  }
  throw new ProcessorFailure('output_upload_failed', `Could not upload the output: ${lastError}`);
}

/**
 * Streams a body produced on the fly (no file) to the signed PUT URL with the exact Content-Length
 * announced up front. `produce` is called once per attempt (one retry on network errors and 5xx).
 * When producing fails (the input broke off), that failure is thrown, not an upload failure.
 */
export async function uploadStream(
  target: UploadTarget,
  size: number,
  produce: () => AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
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
      if (producerFailure)
        throw producerFailure instanceof ProcessorFailure
          ? producerFailure
          : new ProcessorFailure('internal', 'The output could not be produced');
      if (signal?.aborted) throw new ProcessorFailure('internal', 'Operation was cancelled');
      lastError = err instanceof Error ? err.message : String(err);
    }
  }
  throw new ProcessorFailure('output_upload_failed', `Could not upload the output: ${lastError}`);
}
