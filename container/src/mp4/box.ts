/**
 * ISO-BMFF boxes in a buffer: headers (32-bit, 64-bit `largesize`, size 0 = to the end) and a
 * bounds-checked field reader. Every size and count read from the file is checked against the bytes
 * actually there before it is used; anything that does not fit is `Mp4Unsupported`.
 */
import { unsupported } from './unsupported.ts';

export interface BoxHeader {
  type: string;
  /** Offset of the box in the buffer (or file) it was read from. */
  start: number;
  headerSize: number;
  /** Whole box, header included. */
  size: number;
}

/** Box types are four printable characters (© counts: QuickTime metadata uses it). */
const TYPE = /^[\x20-\x7e\xa9]{4}$/;

/**
 * The header at `at`, for a box that must end by `limit`. `limit` is where the enclosing box (or
 * the file) ends; a size-0 box runs to it.
 */
export function readBoxHeader(buf: Buffer, at: number, limit: number): BoxHeader {
  if (at + 8 > buf.length || at + 8 > limit) unsupported('a box header is cut off');
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  if (!TYPE.test(type)) unsupported('not an ISO-BMFF box');
  let headerSize = 8;
  if (size === 1) {
    if (at + 16 > buf.length) unsupported('a 64-bit box header is cut off');
    const large = buf.readBigUInt64BE(at + 8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) unsupported('a box size beyond 2^53');
    size = Number(large);
    headerSize = 16;
  } else if (size === 0) {
    size = limit - at;
  }
  if (size < headerSize || at + size > limit)
    unsupported(`box "${type}" claims ${size} bytes where ${limit - at} remain`);
  return { type, start: at, headerSize, size };
}

/** The boxes in buf[from, to), each fully inside. Trailing zero padding under 8 bytes is tolerated. */
export function childBoxes(buf: Buffer, from: number, to: number, maxCount = 100_000): BoxHeader[] {
  if (to > buf.length) unsupported('a box is cut off');
  const out: BoxHeader[] = [];
  let at = from;
  while (at + 8 <= to) {
    const header = readBoxHeader(buf, at, to);
    out.push(header);
    if (out.length > maxCount) unsupported('too many boxes');
    at += header.size;
  }
  for (; at < to; at++) if (buf[at] !== 0) unsupported('stray bytes after the last box');
  return out;
}

/** The single child of a type, or null; two of a kind that must be unique is unsupported. */
export function findChild(buf: Buffer, parent: BoxHeader, type: string): BoxHeader | null {
  const found = childBoxes(buf, parent.start + parent.headerSize, parent.start + parent.size).filter(
    (b) => b.type === type,
  );
  if (found.length > 1) unsupported(`more than one "${type}" box`);
  return found[0] ?? null;
}

/** Sequential big-endian fields inside [start, end) of a buffer; reading past the end is unsupported. */
export class FieldReader {
  private at: number;
  private readonly buf: Buffer;
  private readonly end: number;

  constructor(buf: Buffer, start: number, end: number) {
    if (end > buf.length || start > end) unsupported('a box is cut off');
    this.buf = buf;
    this.at = start;
    this.end = end;
  }

  /** The body of a box (after its header). */
  static body(buf: Buffer, box: BoxHeader): FieldReader {
    return new FieldReader(buf, box.start + box.headerSize, box.start + box.size);
  }

  get position(): number {
    return this.at;
  }

  remaining(): number {
    return this.end - this.at;
  }

  private take(n: number): number {
    if (n < 0 || this.at + n > this.end) unsupported('a box is shorter than its fields');
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(): number {
    return this.buf.readUInt8(this.take(1));
  }

  u16(): number {
    return this.buf.readUInt16BE(this.take(2));
  }

  i16(): number {
    return this.buf.readInt16BE(this.take(2));
  }

  u24(): number {
    const at = this.take(3);
    return (this.buf.readUInt16BE(at) << 8) | this.buf.readUInt8(at + 2);
  }

  u32(): number {
    return this.buf.readUInt32BE(this.take(4));
  }

  i32(): number {
    return this.buf.readInt32BE(this.take(4));
  }

  /** Unsigned 64-bit; values beyond 2^53 are unsupported (no real file has them). */
  u64(): number {
    const value = this.buf.readBigUInt64BE(this.take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) unsupported('a 64-bit field beyond 2^53');
    return Number(value);
  }

  i64(): number {
    const value = this.buf.readBigInt64BE(this.take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      unsupported('a 64-bit field beyond 2^53');
    return Number(value);
  }

  fourcc(): string {
    const at = this.take(4);
    return this.buf.toString('latin1', at, at + 4);
  }

  bytes(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  skip(n: number): void {
    this.take(n);
  }

  /** `count` fixed-size entries must fit in what is left: checked before anything is allocated. */
  expectEntries(count: number, entryBytes: number): void {
    if (!Number.isSafeInteger(count) || count < 0 || count * entryBytes > this.remaining()) {
      unsupported(`a table claims ${count} entries that do not fit in its box`);
    }
  }
}
