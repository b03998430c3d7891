/**
 * Bits of H.264/H.265 syntax: a NAL unit's payload without its emulation prevention bytes (and
 * back), and fixed-width and Exp-Golomb fields read and written most significant bit first.
 * Reading past the end is `Mp4Unsupported` (the caller falls back).
 */
import { unsupported } from './unsupported.ts';

/** The NAL unit's payload with emulation prevention bytes (00 00 03) removed. */
export function rbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const byte = nal[i]!;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

/** Exp-Golomb and fixed-width fields, most significant bit first. */
export class BitReader {
  private bit = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Bits read so far. */
  get position(): number {
    return this.bit;
  }

  seek(bit: number): void {
    this.bit = bit;
  }

  /** Where the RBSP trailing bits start: the last 1 bit (rbsp_stop_one_bit). */
  stopBit(): number {
    for (let i = this.bytes.length - 1; i >= 0; i--) {
      const byte = this.bytes[i]!;
      if (byte) return i * 8 + 7 - Math.log2(byte & -byte);
    }
    return unsupported('no RBSP stop bit');
  }

  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      if (this.bit >= this.bytes.length * 8) unsupported('a parameter set is cut off');
      value = value * 2 + ((this.bytes[this.bit >> 3]! >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) unsupported('an Exp-Golomb code over 32 bits');
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

/** The colour description of a video signal (H.264 E.1.1, H.265 E.2.1). */
export interface VideoSignal {
  /** video_full_range_flag; null when the VUI has no video signal type. */
  fullRange: boolean | null;
  colour: { primaries: number; transfer: number; matrix: number } | null;
}

/**
 * The start of a VUI both codecs share, read after vui_parameters_present_flag: aspect ratio,
 * overscan, then the video signal type with its colour description.
 */
export function readVideoSignal(bits: BitReader): VideoSignal {
  const signal: VideoSignal = { fullRange: null, colour: null };
  if (bits.flag() && bits.u(8) === 255) bits.u(32); // aspect_ratio_idc, Extended_SAR
  if (bits.flag()) bits.u(1); // overscan
  if (bits.flag()) {
    bits.u(3); // video_format
    signal.fullRange = bits.flag();
    if (bits.flag()) signal.colour = { primaries: bits.u(8), transfer: bits.u(8), matrix: bits.u(8) };
  }
  return signal;
}

/** A payload as a NAL unit carries it: 03 inserted after every 00 00 that precedes a byte ≤ 3. */
export function escapeRbsp(payload: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of payload) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

/** Writes fields; `bytes()` ends them with the RBSP trailing bits (a 1, then zeros to a byte). */
export class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    return this.u(length, 0).u(length + 1, code);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** Copies bits [from, to) of `source`. */
  copy(source: BitReader, from: number, to: number): this {
    source.seek(from);
    for (let i = from; i < to; i++) this.bits.push(source.u(1));
    return this;
  }

  bytes(): Uint8Array {
    const bits = [...this.bits, 1];
    while (bits.length % 8) bits.push(0);
    const out = new Uint8Array(bits.length / 8);
    for (let i = 0; i < bits.length; i++) out[i >> 3]! |= bits[i]! << (7 - (i & 7));
    return out;
  }
}
