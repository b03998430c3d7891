/**
 * `multipart/form-data` (RFC 7578) both ways, streamed, so a multi-gigabyte file never sits in
 * memory (plain WebStreams: it runs in workerd and in Node, where the test fakes use it too):
 *
 * - reading (`parseMultipart`): `request.formData()` buffers the whole body; this reads it chunk by
 *   chunk and hands each part out with its body as a stream, so a file field can flow straight into
 *   storage. Usage: `for await (const part of parseMultipart(body, boundary)) { … }`. Each part's
 *   `body` must be consumed (or cancelled) before the next part is produced; `text()` reads a small
 *   field with a cap.
 * - writing (`multipartFileBody`): one file part around a byte stream whose size is known up front,
 *   so the upload goes out with a real `Content-Length` (the Postiz media upload).
 */
import { toHex } from '../../shared/encoding.ts';
import { safeFilename } from './filenames.ts';
import { MAX_FORM_FIELD_BYTES } from './limits.ts';
import { concatBytes } from './streams.ts';

export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface MultipartPart {
  /** The form field name (`name=` of Content-Disposition). */
  name: string;
  filename: string | null;
  contentType: string | null;
  body: ReadableStream<Uint8Array>;
  /** Reads the whole part as UTF-8, failing when it is longer than `maxBytes`. */
  text(maxBytes?: number): Promise<string>;
}

/** The boundary of a `multipart/form-data` Content-Type, or null. */
export function multipartBoundary(contentType: string | null | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

const CRLF = new Uint8Array([13, 10]);
const MAX_HEADER_BYTES = 16 * 1024;
const encoder = new TextEncoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.length === 0 ? b : concatBytes([a, b]);
}

function parseHeaders(block: string): { name: string; filename: string | null; contentType: string | null } {
  let disposition = '';
  let contentType: string | null = null;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') disposition = value;
    else if (key === 'content-type') contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) throw new MultipartError('A part has no form-data Content-Disposition');
  const param = (p: string) => {
    const m =
      new RegExp(`;\\s*${p}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ??
      new RegExp(`;\\s*${p}=([^;\\s]+)`, 'i').exec(disposition);
    return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
  };
  const name = param('name');
  if (name === null) throw new MultipartError('A part has no field name');
  return { name, filename: param('filename'), contentType };
}

/**
 * Buffers the stream just enough to find delimiters. Bytes that cannot be the start of a delimiter
 * are handed on at once, so memory stays at about one network chunk plus the delimiter length.
 */
class ByteSource {
  private buffer: Uint8Array = new Uint8Array(0);
  private done = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  // No parameter property: Node loads this file (through the test fakes) by type stripping alone.
  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.reader = reader;
  }

  get buffered(): Uint8Array {
    return this.buffer;
  }

  /** Pulls one more chunk; false at the end of the stream. */
  async fill(): Promise<boolean> {
    if (this.done) return false;
    const { value, done } = await this.reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    if (value.length) this.buffer = concat(this.buffer, value);
    return true;
  }

  take(n: number): Uint8Array {
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async cancel(reason?: unknown) {
    this.done = true;
    await this.reader.cancel(reason).catch(() => {});
  }
}

export async function* parseMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
): AsyncGenerator<MultipartPart, void, undefined> {
  const source = new ByteSource(body.getReader());
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  try {
    // Preamble: the first delimiter may come without the leading CRLF.
    const opening = encoder.encode(`--${boundary}`);
    for (;;) {
      const at = indexOf(source.buffered, opening);
      if (at !== -1) {
        source.take(at + opening.length);
        break;
      }
      if (source.buffered.length > MAX_HEADER_BYTES) throw new MultipartError('No multipart boundary found');
      if (!(await source.fill())) throw new MultipartError('The body ended before the first boundary');
    }

    for (;;) {
      // After a delimiter: "--" ends the body, CRLF starts a part.
      while (source.buffered.length < 2) {
        if (!(await source.fill())) throw new MultipartError('The body ended after a boundary');
      }
      const tail = source.take(2);
      if (tail[0] === 45 && tail[1] === 45) return;
      if (tail[0] !== CRLF[0] || tail[1] !== CRLF[1]) throw new MultipartError('Malformed boundary line');

      const headerEnd = encoder.encode('\r\n\r\n');
      let end: number;
      for (;;) {
        // Headers of a part with no headers at all would start with the blank line itself.
        if (source.buffered[0] === 13 && source.buffered[1] === 10) {
          end = -2;
          break;
        }
        end = indexOf(source.buffered, headerEnd);
        if (end !== -1) break;
        if (source.buffered.length > MAX_HEADER_BYTES) throw new MultipartError('Part headers are too long');
        if (!(await source.fill())) throw new MultipartError('The body ended inside part headers');
      }
      const headerBytes = end === -2 ? new Uint8Array(0) : source.take(end);
      source.take(end === -2 ? 2 : 4);
      const meta = parseHeaders(new TextDecoder().decode(headerBytes));

      let finished = false;
      let failure: unknown = null;
      /** Skips to the next delimiter: what is left of a part the consumer did not read. */
      const skipRest = async () => {
        while (!finished) {
          const at = indexOf(source.buffered, delimiter);
          if (at !== -1) {
            source.take(at + delimiter.length);
            finished = true;
            return;
          }
          const safe = source.buffered.length - (delimiter.length - 1);
          if (safe > 0) source.take(safe);
          if (!(await source.fill())) {
            failure ??= new MultipartError('The body ended inside a part');
            return;
          }
        }
      };
      // pull and cancel may overlap (a cancel while a read waits for the network); both touch the
      // one reader underneath, so they run one at a time.
      let cancelled = false;
      let busy: Promise<unknown> = Promise.resolve();
      const exclusive = (fn: () => Promise<void>) => {
        const run = busy.then(fn);
        busy = run.catch(() => {});
        return run;
      };
      const partBody = new ReadableStream<Uint8Array>(
        {
          pull: (controller) =>
            exclusive(async () => {
              if (cancelled || finished) return;
              try {
                for (;;) {
                  const buf = source.buffered;
                  const at = indexOf(buf, delimiter);
                  if (at !== -1) {
                    if (at > 0) controller.enqueue(source.take(at));
                    source.take(delimiter.length);
                    finished = true;
                    controller.close();
                    return;
                  }
                  // Everything except a possible delimiter prefix at the end is body.
                  const safe = buf.length - (delimiter.length - 1);
                  if (safe > 0) {
                    controller.enqueue(source.take(safe));
                    return;
                  }
                  if (!(await source.fill())) throw new MultipartError('The body ended inside a part');
                  if (cancelled) return;
                }
              } catch (err) {
                if (cancelled) return;
                failure = err;
                controller.error(err);
              }
            }),
          cancel: () => {
            cancelled = true;
            return exclusive(skipRest);
          },
        },
        { highWaterMark: 0 },
      );

      yield {
        ...meta,
        body: partBody,
        async text(maxBytes = MAX_FORM_FIELD_BYTES) {
          const reader = partBody.getReader();
          const chunks: Uint8Array[] = [];
          let total = 0;
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            total += value.length;
            if (total > maxBytes) {
              await reader.cancel();
              throw new MultipartError(`Field "${meta.name}" is longer than ${maxBytes} bytes`);
            }
            chunks.push(value);
          }
          return new TextDecoder().decode(concatBytes(chunks));
        },
      };

      // The consumer may have skipped (part of) the body: move on to the next delimiter.
      if (!failure) await exclusive(skipRest);
      if (failure) throw failure;
    }
  } finally {
    await source.cancel();
  }
}

// ─── Writing ─────────────────────────────────────────────────────────────────────────────────

export interface MultipartFile {
  fieldName?: string;
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
  /** Exact byte length of `body`; a mismatch errors the stream instead of sending a lie. */
  size: number;
}

export interface StreamedMultipart {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: number;
  /** True when the runtime's FixedLengthStream carries the length (Workers). */
  fixedLength: boolean;
}

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `----cutroom${toHex(bytes)}`;
}

interface FixedLengthStreamLike {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}
type FixedLengthStreamCtor = new (length: number) => FixedLengthStreamLike;

/**
 * In Workers the envelope is piped through a `FixedLengthStream` (the runtime then sends the length
 * instead of chunked encoding); elsewhere (Node's fetch) the caller sets `Content-Length` itself.
 */
export function multipartFileBody(file: MultipartFile, boundary = randomBoundary()): StreamedMultipart {
  if (!Number.isSafeInteger(file.size) || file.size < 0) throw new RangeError('size must be a non-negative integer');
  if (!/^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+$/.test(file.contentType))
    throw new RangeError(`Invalid content type ${file.contentType}`);
  const field = (file.fieldName ?? 'file').replace(/[^A-Za-z0-9_-]/g, '_');
  const head = encoder.encode(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${field}"; filename="${safeFilename(file.filename, 'upload', 'ascii')}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const contentLength = head.byteLength + file.size + tail.byteLength;

  const reader = file.body.getReader();
  let phase: 'head' | 'file' | 'done' = 'head';
  let sent = 0;
  const envelope = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (phase === 'head') {
        phase = 'file';
        controller.enqueue(head);
        return;
      }
      if (phase !== 'file') return;
      const { done, value } = await reader.read();
      if (done) {
        phase = 'done';
        if (sent !== file.size) {
          controller.error(new Error(`upload body was ${sent} bytes, expected ${file.size}`));
          return;
        }
        controller.enqueue(tail);
        controller.close();
        return;
      }
      sent += value.byteLength;
      if (sent > file.size) {
        phase = 'done';
        controller.error(new Error(`upload body is longer than the declared ${file.size} bytes`));
        await reader.cancel().catch(() => {});
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });

  const FixedLength = (globalThis as { FixedLengthStream?: FixedLengthStreamCtor }).FixedLengthStream;
  if (typeof FixedLength === 'function') {
    const fixed = new FixedLength(contentLength);
    envelope.pipeTo(fixed.writable).catch(() => {
      // The fetch that reads `fixed.readable` reports the failure.
    });
    return {
      body: fixed.readable,
      contentType: `multipart/form-data; boundary=${boundary}`,
      contentLength,
      fixedLength: true,
    };
  }
  return {
    body: envelope,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    fixedLength: false,
  };
}
