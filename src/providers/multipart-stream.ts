/**
 * A `multipart/form-data` body with one file part, built around a byte stream whose size is known
 * up front, so a video goes out with a real `Content-Length` and is never held in memory. In
 * Workers the envelope is piped through a `FixedLengthStream` (the runtime then sends the length
 * instead of chunked encoding); elsewhere (Node's fetch) the caller sets `Content-Length` itself.
 */
import { toHex } from '../../shared/encoding.ts';
import { safeFilename } from '../core/filenames.ts';

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

const encoder = new TextEncoder();

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `----cutroom${toHex(bytes)}`;
}

interface FixedLengthStreamLike {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}
type FixedLengthStreamCtor = new (length: number) => FixedLengthStreamLike;

export function multipartFileBody(file: MultipartFile, boundary = randomBoundary()): StreamedMultipart {
  if (!Number.isSafeInteger(file.size) || file.size < 0) throw new RangeError('size must be a non-negative integer');
  if (!/^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+$/.test(file.contentType)) throw new RangeError(`Invalid content type ${file.contentType}`);
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
    return { body: fixed.readable, contentType: `multipart/form-data; boundary=${boundary}`, contentLength, fixedLength: true };
  }
  return { body: envelope, contentType: `multipart/form-data; boundary=${boundary}`, contentLength, fixedLength: false };
}
