/**
 * How the Postiz fake's `/upload` reads a multipart/form-data body carrying one file part: through
 * the service's own streaming parser (src/core/multipart.ts) on the Node request, hashing and
 * counting the file bytes as they arrive (never holding the file), keeping the first bytes for
 * sniffing, and counting on past a size cap while still draining the request.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { MultipartError, type MultipartPart, multipartBoundary, parseMultipart } from '../../src/core/multipart.ts';

export interface ReceivedFilePart {
  field: string;
  filename: string | null;
  content_type: string | null;
  size: number;
  sha256: string;
  /** First 16 bytes, hex (magic-number sniffing). */
  head_hex: string;
  /** True when the file exceeded `maxBytes` (its hash is then of the first bytes only). */
  truncated: boolean;
}

export type MultipartOutcome =
  | { ok: true; file: ReceivedFilePart }
  | { ok: false; reason: 'not_multipart' | 'no_file_part' | 'malformed' };

export interface ReadOptions {
  /** Called with the running total of body bytes received (progress, backpressure tests). */
  onBytes?: (received: number) => void;
  /** Pause this long after every chunk: a slow reader, to see whether the sender keeps pace or buffers. */
  readDelayMs?: number;
  /** While this answers true for the bytes received so far, stop reading (a stalled reader). */
  shouldPause?: (received: number) => boolean;
}

/**
 * The request body as a web stream, read no faster than `options` allows. Cancelling drains the
 * rest instead of destroying the request: destroying it would close the socket before the answer.
 */
function pacedBody(req: IncomingMessage, options: ReadOptions): ReadableStream<Uint8Array> {
  const reader = (Readable.toWeb(req) as ReadableStream<Uint8Array>).getReader();
  let received = 0;
  const next = async () => {
    const { value, done } = await reader.read();
    if (done) return null;
    received += value.length;
    options.onBytes?.(received);
    return value;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await next();
        if (!chunk) return controller.close();
        controller.enqueue(chunk);
        if (options.shouldPause?.(received)) {
          while (options.shouldPause(received)) await sleep(10);
        } else if (options.readDelayMs) {
          await sleep(options.readDelayMs);
        }
      },
      async cancel() {
        while (await next());
      },
    },
    { highWaterMark: 0 },
  );
}

async function receive(part: MultipartPart, maxBytes: number): Promise<ReceivedFilePart> {
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let size = 0;
  let truncated = false;
  const reader = part.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (head.length < 16) head = Buffer.concat([head, value.subarray(0, 16 - head.length)]);
    size += value.length;
    if (size > maxBytes) truncated = true;
    else hash.update(value);
  }
  return {
    field: part.name,
    filename: part.filename,
    content_type: part.contentType,
    size,
    sha256: hash.digest('hex'),
    head_hex: head.toString('hex'),
    truncated,
  };
}

export async function readSingleFilePart(
  req: IncomingMessage,
  maxBytes: number,
  options: ReadOptions = {},
): Promise<MultipartOutcome> {
  const boundary = multipartBoundary(req.headers['content-type']);
  if (!boundary) {
    req.resume();
    await once(req, 'end');
    return { ok: false, reason: 'not_multipart' };
  }
  // Like Postiz, only the first part counts; what follows it is read and dropped.
  let file: ReceivedFilePart | null = null;
  try {
    for await (const part of parseMultipart(pacedBody(req, options), boundary)) {
      if (file) await part.body.cancel();
      else file = await receive(part, maxBytes);
    }
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err;
    return file ? { ok: true, file } : { ok: false, reason: 'malformed' };
  }
  return file ? { ok: true, file } : { ok: false, reason: 'no_file_part' };
}

/** Magic-number sniffing like Postiz's `file-type` check (only what Postiz accepts). */
export function sniffMedia(headHex: string): { mime: string; ext: string } | null {
  const head = Buffer.from(headHex, 'hex');
  if (head.length >= 8 && head.toString('ascii', 4, 8) === 'ftyp') return { mime: 'video/mp4', ext: 'mp4' };
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { mime: 'image/png', ext: 'png' };
  if (head.toString('ascii', 0, 4) === 'GIF8') return { mime: 'image/gif', ext: 'gif' };
  if (head.toString('ascii', 0, 4) === 'RIFF' && head.toString('ascii', 8, 12) === 'WEBP')
    return { mime: 'image/webp', ext: 'webp' };
  return null;
}
