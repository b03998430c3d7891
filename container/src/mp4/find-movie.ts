/**
 * Finds and reads the `moov` box of an MP4/MOV with ranged reads: the first read takes the head of
 * the file (where `moov` sits in our uploads: faststart); otherwise the top-level boxes are walked,
 * jumping over `mdat` by its size, and the tail that holds `moov` is read (usually one more read).
 * Fragmented files (`moof`, `sidx`, `styp`, or `mvex` in `moov`) and anything that is not
 * ISO-BMFF from its first byte are unsupported: the ffmpeg path (and its gate) takes them.
 */
import type { ByteSource } from './byte-source.ts';
import { type BoxHeader, readBoxHeader } from './box.ts';
import { unsupported } from './unsupported.ts';

/** The first read: the head of a faststart file holds `ftyp` and `moov` (64 KiB per minute of 1080p30). */
export const HEAD_READ_BYTES = 512 * 1024;
/** Boxes that may precede `moov` at the top level; anything else is not a plain MP4/MOV. */
const TOP_LEVEL = new Set([
  'ftyp',
  'moov',
  'mdat',
  'free',
  'skip',
  'wide',
  'uuid',
  'pdin',
  'meta',
  'junk',
  'pnot',
  'PICT',
]);
const FRAGMENTED = new Set(['moof', 'sidx', 'styp', 'mfra', 'ssix', 'prft', 'emsg']);
const MAX_TOP_LEVEL_BOXES = 256;

export interface MovieBox {
  /** The whole `moov` box (header included). */
  moov: Buffer;
  /** File offset of `moov`. */
  moovStart: number;
  fileSize: number;
  /** `ftyp` major brand ('qt  ' for QuickTime), or null without `ftyp`. */
  majorBrand: string | null;
}

export interface FindMovieOptions {
  /** Larger `moov` boxes are unsupported (the ffmpeg path reads them instead). */
  maxMoovBytes: number;
}

export async function findMovie(source: ByteSource, options: FindMovieOptions): Promise<MovieBox> {
  const head = await source.read(0, HEAD_READ_BYTES);
  const fileSize = source.size() ?? head.length;
  if (head.length < 16 || fileSize < head.length) unsupported('too short for an MP4');
  // Where `window` starts in the file: the bytes read last.
  let window = head;
  let windowStart = 0;
  let majorBrand: string | null = null;
  let at = 0;
  for (let count = 0; count < MAX_TOP_LEVEL_BOXES; count++) {
    if (at + 8 > fileSize) unsupported('no moov box');
    const headerBytes = Math.min(16, fileSize - at);
    if (at < windowStart || at + headerBytes > windowStart + window.length) {
      // The next header lies outside what we have: read from there (moov is usually all that is left).
      window = await source.read(at, Math.min(HEAD_READ_BYTES, fileSize - at));
      windowStart = at;
      if (window.length < headerBytes) unsupported('the file is shorter than its size');
    }
    const local: BoxHeader = readBoxHeader(window, at - windowStart, fileSize - windowStart);
    const box = { ...local, start: at };
    if (count === 0 && box.type !== 'ftyp' && box.type !== 'moov' && box.type !== 'wide' && box.type !== 'free')
      unsupported('not an MP4/MOV file');
    if (FRAGMENTED.has(box.type)) unsupported('fragmented MP4');
    if (!TOP_LEVEL.has(box.type)) unsupported(`unexpected top-level box "${box.type}"`);
    if (box.type === 'ftyp') {
      if (box.size < box.headerSize + 8) unsupported('ftyp is too short');
      if (at - windowStart + box.headerSize + 4 <= window.length) {
        majorBrand = window.toString(
          'latin1',
          at - windowStart + box.headerSize,
          at - windowStart + box.headerSize + 4,
        );
      }
    }
    if (box.type === 'moov') {
      if (box.size > options.maxMoovBytes) unsupported(`moov of ${box.size} bytes is over the in-process limit`);
      const offset = at - windowStart;
      const moov =
        offset + box.size <= window.length
          ? window.subarray(offset, offset + box.size)
          : await source.read(at, box.size);
      if (moov.length !== box.size) unsupported('moov is cut off');
      return { moov, moovStart: at, fileSize, majorBrand };
    }
    at += box.size;
  }
  return unsupported('too many top-level boxes');
}
