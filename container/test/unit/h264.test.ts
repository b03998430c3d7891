/**
 * H.264 syntax the smart cut reads in-process (mp4/h264-sps.ts) and the piece inputs it makes from
 * it (mp4/piece-input.ts), on hand-made parameter sets and packet layouts (no ffmpeg).
 */
import { describe, expect, it } from 'vitest';
import type { StagePacket } from '../../src/media/smart-cut.ts';
import { box, Fields, fullBox } from '../../src/mp4/box-writer.ts';
import { BitWriter, escapeRbsp } from '../../src/mp4/bits.ts';
import { isDisposablePicture, parseSps } from '../../src/mp4/h264-sps.ts';
import { readMovie } from '../../src/mp4/movie.ts';
import { pieceInputMp4, pieceSamples } from '../../src/mp4/piece-input.ts';
import { h264ProfileName, streamFields } from '../../src/mp4/probe-movie.ts';
import { readSampleTable } from '../../src/mp4/sample-table.ts';
import { Mp4Unsupported } from '../../src/mp4/unsupported.ts';
import type { OutputTrack } from '../../src/mp4/write-movie.ts';

/** A NAL unit from a header byte and RBSP fields, escaped as an encoder sends it. */
const nal = (header: number, fields: BitWriter) => Uint8Array.from([header, ...escapeRbsp(fields.bytes())]);

/** A High-profile 1080p SPS as x264 writes one: 1088 rows coded, 8 cropped, optional VUI colour. */
function highSps(
  vui?: { fullRange: boolean; colour?: [number, number, number] },
  { scaling = false, level = 40, id = 0 } = {},
): Uint8Array {
  const w = new BitWriter().u(8, 100).u(8, 0).u(8, level).ue(id);
  w.ue(1)
    .ue(0)
    .ue(0)
    .u(1, 0)
    .u(1, scaling ? 1 : 0);
  if (scaling) {
    // First list present with a few deltas (one of them ends the list early), the other seven absent.
    w.u(1, 1).se(3).se(-2).se(-9);
    for (let i = 1; i < 8; i++) w.u(1, 0);
  }
  w.ue(0).ue(0).ue(2).ue(4).u(1, 0).ue(119).ue(67).u(1, 1).u(1, 1);
  w.u(1, 1).ue(0).ue(0).ue(0).ue(4);
  if (!vui) return nal(0x67, w.u(1, 0));
  w.u(1, 1)
    .u(1, 1)
    .u(8, 1)
    .u(1, 0)
    .u(1, 1)
    .u(3, 5)
    .u(1, vui.fullRange ? 1 : 0);
  if (vui.colour) w.u(1, 1).u(8, vui.colour[0]).u(8, vui.colour[1]).u(8, vui.colour[2]);
  else w.u(1, 0);
  return nal(0x67, w.u(1, 0).u(1, 0).u(1, 0));
}

/** A stsd with one avc1 entry (its avcC holding `sps`) and, optionally, a colr box. */
function avc1Description(sps: Uint8Array, colr?: Buffer): Buffer {
  const avcC = box(
    'avcC',
    Buffer.from([1, sps[1]!, sps[2]!, sps[3]!, 0xff, 0xe1, 0, sps.length]),
    Buffer.from(sps),
    Buffer.from([1, 0, 4, 0x68, 0xee, 0x3c, 0x80]),
  );
  const fields = new Fields().zeros(6).u16(1).zeros(16).u16(1920).u16(1080).zeros(46).u16(24).u16(0xffff).done();
  return fullBox('stsd', 0, 0, new Fields().u32(1).done(), box('avc1', fields, avcC, ...(colr ? [colr] : [])));
}

const nclx = (p: number, t: number, m: number, full: boolean) =>
  box(
    'colr',
    new Fields()
      .fourcc('nclx')
      .u16(p)
      .u16(t)
      .u16(m)
      .u8(full ? 0x80 : 0)
      .done(),
  );

describe('sequence parameter sets', () => {
  it('reads profile, level, chroma format, bit depth and the cropped size', () => {
    const sps = parseSps(highSps());
    expect(sps).toMatchObject({
      profileIdc: 100,
      levelIdc: 40,
      chromaFormatIdc: 1,
      bitDepthLuma: 8,
      frameMbsOnly: true,
      width: 1920,
      height: 1080,
      fullRange: null,
      colour: null,
    });
    // Scaling lists are skipped field by field: what follows still reads right.
    expect(parseSps(highSps(undefined, { scaling: true }))).toMatchObject({ width: 1920, height: 1080 });
  });

  it('reads the VUI colour description', () => {
    const bytes = highSps({ fullRange: true, colour: [1, 1, 1] });
    expect(parseSps(bytes)).toMatchObject({ fullRange: true, colour: { primaries: 1, transfer: 1, matrix: 1 } });
  });

  it('reads through emulation prevention bytes', () => {
    // Level 0 then a long Exp-Golomb code: 00 00 02 in the payload, sent as 00 00 03 02.
    const bytes = highSps({ fullRange: false, colour: [6, 6, 6] }, { level: 0, id: 63 });
    expect(Buffer.from(bytes).includes(Buffer.from([0, 0, 3, 2]))).toBe(true);
    expect(parseSps(bytes)).toMatchObject({ id: 63, width: 1920, height: 1080, colour: { primaries: 6 } });
  });

  it('names profiles as libavcodec does, and refuses what it does not know', () => {
    expect(h264ProfileName({ profileIdc: 66, constraintFlags: 0x40 })).toBe('Constrained Baseline');
    expect(h264ProfileName({ profileIdc: 66, constraintFlags: 0 })).toBe('Baseline');
    expect(h264ProfileName({ profileIdc: 110, constraintFlags: 0x10 })).toBe('High 10 Intra');
    expect(h264ProfileName({ profileIdc: 100, constraintFlags: 0 })).toBe('High');
    expect(() => h264ProfileName({ profileIdc: 118, constraintFlags: 0 })).toThrow(Mp4Unsupported);
  });

  it('gives ffprobe’s fields, and declines where a colr box says what the stream does not', () => {
    const plain = highSps();
    expect(streamFields({ codec: 'h264', sps: parseSps(plain) }, avc1Description(plain))).toMatchObject({
      profile: 'High',
      level: 40,
      pix_fmt: 'yuv420p',
      width: 1920,
      height: 1080,
    });
    const full709 = highSps({ fullRange: true, colour: [1, 1, 1] });
    expect(
      streamFields({ codec: 'h264', sps: parseSps(full709) }, avc1Description(full709, nclx(1, 1, 1, true))),
    ).toMatchObject({
      pix_fmt: 'yuvj420p',
      color_range: 'pc',
      color_space: 'bt709',
      color_transfer: 'bt709',
      color_primaries: 'bt709',
    });
    expect(() =>
      streamFields({ codec: 'h264', sps: parseSps(plain) }, avc1Description(plain, nclx(1, 1, 1, false))),
    ).toThrow(Mp4Unsupported);
    expect(() =>
      streamFields({ codec: 'h264', sps: parseSps(full709) }, avc1Description(full709, nclx(9, 16, 9, true))),
    ).toThrow(Mp4Unsupported);
  });

  it('refuses what is not an SPS or is cut off', () => {
    expect(() => parseSps(Uint8Array.of(0x68, 1, 2, 3))).toThrow(Mp4Unsupported);
    expect(() => parseSps(highSps().subarray(0, 6))).toThrow(Mp4Unsupported);
  });
});

/** A sample of length-prefixed NAL units with the given header bytes. */
const sample = (...headers: number[]) => Buffer.concat(headers.map((h) => Buffer.from([0, 0, 0, 3, h, 0x88, 0x80])));

describe('pictures nothing refers to', () => {
  it('is a picture whose every slice has nal_ref_idc 0', () => {
    expect(isDisposablePicture(sample(0x01), 4)).toBe(true);
    expect(isDisposablePicture(sample(0x06, 0x01, 0x01), 4)).toBe(true);
    // A reference slice, an IDR, a picture with one reference slice, no slice at all.
    expect(isDisposablePicture(sample(0x21), 4)).toBe(false);
    expect(isDisposablePicture(sample(0x65), 4)).toBe(false);
    expect(isDisposablePicture(sample(0x01, 0x41), 4)).toBe(false);
    expect(isDisposablePicture(sample(0x06), 4)).toBe(false);
    // A length running past the sample: not a judgement to make.
    expect(isDisposablePicture(Buffer.from([0, 0, 0, 9, 0x01, 0x88]), 4)).toBe(false);
  });
});

const F = 1 / 30;
/** I P B P B …: a B between two P-frames, keyframe every `gop`; B-frames disposable. */
function ipb(frames: number, gop: number): (StagePacket & { disposable: boolean })[] {
  const out: (StagePacket & { disposable: boolean })[] = [];
  for (let n = 0, i = 0; n < frames; ) {
    if (n % gop === 0 || n + 1 >= frames || (n + 1) % gop === 0) {
      out.push({ pts: n * F, dts: (i++ - 1) * F, keyframe: n % gop === 0, disposable: false });
      n++;
      continue;
    }
    // P shown at n+1 decodes before B shown at n.
    out.push({ pts: (n + 1) * F, dts: (i++ - 1) * F, keyframe: false, disposable: false });
    out.push({ pts: n * F, dts: (i++ - 1) * F, keyframe: false, disposable: true });
    n += 2;
  }
  return out;
}

describe('piece inputs', () => {
  const packets = ipb(60, 30);

  it('take the packets from the keyframe before the piece to its last frame in decode order', () => {
    const needed = pieceSamples(packets, { kind: 'encode', start: 40 * F, end: 50 * F, frames: 10 }, F)!;
    expect(packets[needed.first]!.keyframe).toBe(true);
    expect(Math.round(packets[needed.first]!.pts / F)).toBe(30);
    expect([...needed.shown].map((i) => Math.round(packets[i]!.pts / F)).sort((a, b) => a - b)).toEqual([
      40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
    ]);
    expect(needed.end).toBe(Math.max(...needed.shown) + 1);
    // A piece whose frames the packets do not show: no input of its own.
    expect(pieceSamples(packets, { kind: 'encode', start: 40 * F, end: 50 * F, frames: 11 }, F)).toBeNull();
  });

  it('leave out the pictures nothing refers to that the piece does not show, and keep the stage’s timing', () => {
    const T = 15360;
    const ticks = (s: number) => Math.round(s * T);
    const count = packets.length;
    const durations = Uint32Array.from(packets, (p, i) =>
      i + 1 < count ? ticks(packets[i + 1]!.dts) - ticks(p.dts) : ticks(F),
    );
    const minDts = ticks(packets[0]!.dts);
    const sps = highSps();
    const output: OutputTrack = {
      handler: 'vide',
      header: {
        flags: 3,
        creationTime: 0,
        modificationTime: 0,
        layer: 0,
        alternateGroup: 0,
        volume: 0,
        matrix: new Fields().u32(0x10000).zeros(12).u32(0x10000).zeros(12).u32(0x40000000).done(),
        width: 1920 << 16,
        height: 1080 << 16,
      },
      timescale: T,
      language: 0x55c4,
      sampleDescription: avc1Description(sps),
      edit: { mediaTime: -minDts, segmentDuration: ticks(60 * F) },
      durations,
      compositionOffsets: Int32Array.from(packets, (p) => ticks(p.pts) - ticks(p.dts)),
      sync: Uint8Array.from(packets, (p) => (p.keyframe ? 1 : 0)),
      sizes: Uint32Array.from(packets, () => 7),
    };
    const needed = pieceSamples(packets, { kind: 'encode', start: 40 * F, end: 50 * F, frames: 10 }, F)!;
    const bytes = packets
      .slice(needed.first, needed.end)
      .map((p) => (p.disposable ? sample(0x01) : sample(p.keyframe ? 0x65 : 0x41)));
    const file = Buffer.concat(
      pieceInputMp4({ output, packets, movie: { creationTime: 0, modificationTime: 0 } }, needed, bytes),
    );
    const moovAt = file.readUInt32BE(0);
    const movie = readMovie(file.subarray(moovAt, moovAt + file.readUInt32BE(moovAt)));
    const track = movie.tracks[0]!;
    const table = readSampleTable(movie.buf, track.tables!, file.length, 1000);
    const kept = packets
      .slice(needed.first, needed.end)
      .filter((p, i) => !p.disposable || needed.shown.has(needed.first + i));
    expect(table.count).toBe(kept.length);
    expect(kept.length).toBeLessThan(needed.end - needed.first);
    // Shown on the stage's times, less the keyframe's: the presentation starts on it.
    const shown = Array.from({ length: table.count }, (_, i) => table.dts[i]! + table.cto[i]! - track.edit!.mediaTime);
    expect(shown.map((t) => t / T)).toEqual(kept.map((p) => expect.closeTo(p.pts - 30 * F, 6)));
    // mdat holds the kept samples and nothing else.
    const mdatAt = table.offset[0]! - 8;
    expect(file.toString('latin1', mdatAt + 4, mdatAt + 8)).toBe('mdat');
    expect(file.readUInt32BE(mdatAt)).toBe(8 + 7 * kept.length);
    expect(mdatAt + 8 + 7 * kept.length).toBe(file.length);
  });
});
