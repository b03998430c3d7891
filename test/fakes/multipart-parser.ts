/**
 * Streaming reader for a multipart/form-data body carrying one file part, for the Postiz fake's
 * `/upload`: it hashes and counts the file bytes as they arrive (never holding the file), sniffs
 * the first bytes, and stops counting past a size cap while still draining the request.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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

export type MultipartOutcome = { ok: true; file: ReceivedFilePart } | { ok: false; reason: 'not_multipart' | 'no_file_part' | 'malformed' };

export function boundaryOf(contentType: string | undefined): string | null {
  const m = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export interface ReadOptions {
  /** Called with the running total of body bytes received (progress, backpressure tests). */
  onBytes?: (received: number) => void;
  /** Pause this long after every chunk: a slow reader, to see whether the sender keeps pace or buffers. */
  readDelayMs?: number;
  /** While this answers true for the bytes received so far, stop reading (a stalled reader). */
  shouldPause?: (received: number) => boolean;
}

export function readSingleFilePart(req: IncomingMessage, maxBytes: number, options: ReadOptions = {}): Promise<MultipartOutcome> {
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary) {
    req.resume();
    return new Promise((resolve) => req.on('end', () => resolve({ ok: false, reason: 'not_multipart' })));
  }
  const opening = Buffer.from(`--${boundary}\r\n`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const hash = createHash('sha256');
  let state: 'preamble' | 'body' | 'done' = 'preamble';
  let carry: Buffer = Buffer.alloc(0);
  let part: Omit<ReceivedFilePart, 'size' | 'sha256' | 'head_hex' | 'truncated'> | null = null;
  let size = 0;
  let head: Buffer = Buffer.alloc(0);
  let truncated = false;

  const consume = (bytes: Buffer) => {
    if (bytes.length === 0) return;
    if (head.length < 16) head = Buffer.concat([head, bytes.subarray(0, 16 - head.length)]);
    size += bytes.length;
    if (size > maxBytes) truncated = true;
    else hash.update(bytes);
  };

  return new Promise((resolve, reject) => {
    let failed: MultipartOutcome | null = null;
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      options.onBytes?.(received);
      if (options.shouldPause?.(received)) {
        req.pause();
        const poll = setInterval(() => {
          if (options.shouldPause?.(received)) return;
          clearInterval(poll);
          req.resume();
        }, 10);
      } else if (options.readDelayMs) {
        req.pause();
        setTimeout(() => req.resume(), options.readDelayMs);
      }
      if (state === 'done' || failed) return;
      carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      if (state === 'preamble') {
        const start = carry.indexOf(opening);
        const headerEnd = start < 0 ? -1 : carry.indexOf('\r\n\r\n', start + opening.length);
        if (headerEnd < 0) {
          if (carry.length > 64 * 1024) failed = { ok: false, reason: 'malformed' };
          return;
        }
        const headers = carry.subarray(start + opening.length, headerEnd).toString('utf8');
        const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
        const field = /\bname="([^"]*)"/i.exec(disposition)?.[1];
        if (field === undefined) {
          failed = { ok: false, reason: 'malformed' };
          return;
        }
        part = {
          field,
          filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
          content_type: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? null,
        };
        carry = carry.subarray(headerEnd + 4);
        state = 'body';
      }
      const end = carry.indexOf(delimiter);
      if (end >= 0) {
        consume(carry.subarray(0, end));
        carry = Buffer.alloc(0);
        state = 'done';
        return;
      }
      // Keep enough back to recognise a delimiter split across chunks.
      const safe = Math.max(0, carry.length - (delimiter.length - 1));
      consume(carry.subarray(0, safe));
      carry = carry.subarray(safe);
    });
    req.on('end', () => {
      if (failed) return resolve(failed);
      if (!part) return resolve({ ok: false, reason: 'no_file_part' });
      if (state !== 'done') return resolve({ ok: false, reason: 'malformed' });
      resolve({ ok: true, file: { ...part, size, sha256: hash.digest('hex'), head_hex: head.toString('hex'), truncated } });
    });
    req.on('error', reject);
  });
}

/** Magic-number sniffing like Postiz's `file-type` check (only what Postiz accepts). */
export function sniffMedia(headHex: string): { mime: string; ext: string } | null {
  const head = Buffer.from(headHex, 'hex');
  if (head.length >= 8 && head.toString('ascii', 4, 8) === 'ftyp') return { mime: 'video/mp4', ext: 'mp4' };
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { mime: 'image/png', ext: 'png' };
  if (head.toString('ascii', 0, 4) === 'GIF8') return { mime: 'image/gif', ext: 'gif' };
  if (head.toString('ascii', 0, 4) === 'RIFF' && head.toString('ascii', 8, 12) === 'WEBP') return { mime: 'image/webp', ext: 'webp' };
  return null;
}
