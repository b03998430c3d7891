/**
 * The in-process MP4 code on hand-made boxes (no ffmpeg): what it refuses, what it computes, and
 * that what the writer writes the reader reads back.
 */
import { describe, expect, it } from 'vitest';
import { ProcessorFailure } from '../../src/errors.ts';
import { AAC_LC, canJoin, LONG_START, LONG_STOP, ONLY_LONG, readAacConfig } from '../../src/mp4/aac-frame.ts';
import { planAudioSplice } from '../../src/mp4/audio-splice-plan.ts';
import { childBoxes, FieldReader, readBoxHeader } from '../../src/mp4/box.ts';
import { box, Fields, fullBox } from '../../src/mp4/box-writer.ts';
import { matrixRotation } from '../../src/mp4/display-matrix.ts';
import { readMovie } from '../../src/mp4/movie.ts';
import { rescale } from '../../src/mp4/rescale.ts';
import { layoutSamples } from '../../src/mp4/sample-layout.ts';
import { readSampleDescription } from '../../src/mp4/sample-entry.ts';
import { readSampleTable, type SampleTableBoxes } from '../../src/mp4/sample-table.ts';
import { Mp4Unsupported } from '../../src/mp4/unsupported.ts';
import { type OutputTrack, writeMovieHead } from '../../src/mp4/write-movie.ts';

const u32s = (...values: number[]) => {
  const f = new Fields();
  for (const v of values) f.u32(v);
  return f.done();
};

/** A sample table's boxes inside one buffer, as readSampleTable gets them from a moov. */
function tables(parts: { stts: Buffer; stsz: Buffer; stsc: Buffer; stco: Buffer; stss?: Buffer; ctts?: Buffer }): {
  buf: Buffer;
  boxes: SampleTableBoxes;
} {
  const order = ['stts', 'stsz', 'stsc', 'stco', 'stss', 'ctts'] as const;
  const present = order.filter((k) => parts[k]);
  const buf = Buffer.concat(present.map((k) => parts[k]!));
  const headers = childBoxes(buf, 0, buf.length);
  const at = (type: string) => headers.find((h) => h.type === type) ?? null;
  return {
    buf,
    boxes: {
      stts: at('stts')!,
      stsz: undefined as never,
      sizes: at('stsz')!,
      stsc: at('stsc')!,
      offsets: at('stco')!,
      stss: at('stss'),
      ctts: at('ctts'),
    } as SampleTableBoxes,
  };
}

const plain = (overrides: Partial<Parameters<typeof tables>[0]> = {}) =>
  tables({
    stts: fullBox('stts', 0, 0, u32s(1, 4, 512)),
    stsz: fullBox('stsz', 0, 0, u32s(0, 4, 10, 20, 30, 40)),
    stsc: fullBox('stsc', 0, 0, u32s(1, 1, 2, 1)),
    stco: fullBox('stco', 0, 0, u32s(2, 1000, 2000)),
    ...overrides,
  });

const unsupported = (fn: () => unknown) => expect(fn).toThrow(Mp4Unsupported);

/** Top-level boxes of a written head, whose mdat runs on past it (to `total`). */
function topLevel(head: Buffer, total: number) {
  const boxes = [];
  for (let at = 0; at < head.length; ) {
    const header = readBoxHeader(head, at, total);
    boxes.push(header);
    at += header.size;
  }
  return boxes;
}

describe('boxes', () => {
  it('reads 32-bit, 64-bit and to-the-end sizes, and refuses sizes that do not fit', () => {
    const buf = Buffer.concat([
      u32s(16),
      Buffer.from('free'),
      Buffer.alloc(8),
      u32s(1),
      Buffer.from('mdat'),
      new Fields().u64(24).done(),
      Buffer.alloc(8),
      u32s(0),
      Buffer.from('skip'),
      Buffer.alloc(4),
    ]);
    expect(childBoxes(buf, 0, buf.length).map((b) => [b.type, b.size])).toEqual([
      ['free', 16],
      ['mdat', 24],
      ['skip', 12],
    ]);
    unsupported(() => readBoxHeader(Buffer.concat([u32s(4), Buffer.from('free')]), 0, 8));
    unsupported(() => readBoxHeader(Buffer.concat([u32s(0xffffff00), Buffer.from('moov')]), 0, 1000));
    unsupported(() => readBoxHeader(Buffer.concat([u32s(16), Buffer.from([0, 1, 2, 3])]), 0, 16));
    unsupported(() =>
      readBoxHeader(
        Buffer.concat([u32s(1), Buffer.from('mdat'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]),
        0,
        1 << 30,
      ),
    );
  });

  it('never reads past a box, and checks a table fits before allocating for it', () => {
    const reader = new FieldReader(u32s(7), 0, 4);
    expect(reader.u32()).toBe(7);
    unsupported(() => reader.u8());
    unsupported(() => new FieldReader(Buffer.alloc(8), 0, 8).expectEntries(0xffffffff, 8));
  });
});

describe('sample tables', () => {
  it('expands times, sizes, offsets and sync flags', () => {
    const { buf, boxes } = plain({
      stss: fullBox('stss', 0, 0, u32s(1, 1)),
      ctts: fullBox('ctts', 0, 0, u32s(2, 2, 1024, 2, 0)),
    });
    const t = readSampleTable(buf, boxes, 5000, 100);
    expect(Array.from(t.dts)).toEqual([0, 512, 1024, 1536]);
    expect(t.end).toBe(2048);
    expect(Array.from(t.offset)).toEqual([1000, 1010, 2000, 2030]);
    expect(Array.from(t.cto)).toEqual([1024, 1024, 0, 0]);
    expect(Array.from(t.sync!)).toEqual([1, 0, 0, 0]);
  });

  it('refuses tables that disagree or overflow', () => {
    // stts claims more samples than stsz has.
    unsupported(() => {
      const x = plain({ stts: fullBox('stts', 0, 0, u32s(1, 0x7fffffff, 512)) });
      readSampleTable(x.buf, x.boxes, 5000, 100);
    });
    // 2^32 − 1 samples of one constant size: over the budget before anything is allocated.
    unsupported(() => {
      const x = plain({ stsz: fullBox('stsz', 0, 0, u32s(100, 0xffffffff)) });
      readSampleTable(x.buf, x.boxes, 5000, 100);
    });
    // Chunks out of order; chunks holding more samples than the track has.
    unsupported(() => {
      const x = plain({ stsc: fullBox('stsc', 0, 0, u32s(2, 2, 2, 1, 1, 2, 1)) });
      readSampleTable(x.buf, x.boxes, 5000, 100);
    });
    unsupported(() => {
      const x = plain({ stsc: fullBox('stsc', 0, 0, u32s(1, 1, 3, 1)) });
      readSampleTable(x.buf, x.boxes, 5000, 100);
    });
    // A sync sample number beyond the track; a zero-length sample duration.
    unsupported(() => {
      const x = plain({ stss: fullBox('stss', 0, 0, u32s(1, 9)) });
      readSampleTable(x.buf, x.boxes, 5000, 100);
    });
    unsupported(() => {
      const x = plain({ stts: fullBox('stts', 0, 0, u32s(1, 4, 0)) });
      readSampleTable(x.buf, x.boxes, 5000, 100);
    });
  });

  it('samples past the end of the file are a truncated input (invalid_media), not a guess', () => {
    const { buf, boxes } = plain();
    expect(() => readSampleTable(buf, boxes, 2040, 100)).toThrow(ProcessorFailure);
    expect(() => readSampleTable(buf, boxes, 2040, 100)).toThrow(/truncated/);
  });
});

describe('writing and reading back', () => {
  const header = {
    flags: 3,
    creationTime: 5,
    modificationTime: 6,
    layer: 0,
    alternateGroup: 0,
    volume: 0,
    matrix: u32s(0, 0x10000, 0, -0x10000 >>> 0, 0, 0, 0, 0, 0x40000000),
    width: 320 << 16,
    height: 180 << 16,
  };
  const stsd = fullBox(
    'stsd',
    0,
    0,
    u32s(1),
    box(
      'avc1',
      Buffer.alloc(6),
      new Fields().u16(1).zeros(16).u16(320).u16(180).zeros(50).done(),
      box('avcC', Buffer.from([1, 100, 0, 30, 0xff, 0xe0, 0])),
    ),
  );
  const track = (sizes: number[]): OutputTrack => ({
    handler: 'vide',
    header,
    timescale: 15360,
    language: 0x55c4,
    sampleDescription: stsd,
    edit: { mediaTime: 1024, segmentDuration: sizes.length * 512 },
    durations: new Uint32Array(sizes.length).fill(512),
    compositionOffsets: Int32Array.from(sizes, (_, i) => (i % 2 ? 0 : 1024)),
    sync: Uint8Array.from(sizes, (_, i) => (i === 0 ? 1 : 0)),
    sizes: Uint32Array.from(sizes),
  });

  it('a written moov reads back with the same edit, tables and display matrix', () => {
    const t = track([100, 50, 70]);
    const { head, totalBytes } = writeMovieHead(
      { timescale: 15360, creationTime: 1, modificationTime: 2, brands: ['avc1'] },
      [t],
      [{ offsets: Float64Array.of(0, 150), samplesPerChunk: Uint32Array.of(2, 1) }],
      220,
    );
    expect(totalBytes).toBe(head.length + 220);
    const moov = topLevel(head, totalBytes).find((b) => b.type === 'moov')!;
    const movie = readMovie(head.subarray(moov.start, moov.start + moov.size));
    const [read] = movie.tracks;
    expect(read!.edit).toEqual({ mediaTime: 1024, segmentDuration: 1536 });
    expect(matrixRotation(read!.header.matrix)).toBe(90);
    const samples = readSampleTable(movie.buf, read!.tables!, totalBytes, 100);
    expect(Array.from(samples.size)).toEqual([100, 50, 70]);
    expect(Array.from(samples.offset)).toEqual([head.length, head.length + 100, head.length + 150]);
    expect(Array.from(samples.cto)).toEqual([1024, 0, 1024]);
    expect(Array.from(samples.sync!)).toEqual([1, 0, 0]);
  });

  it('switches to 64-bit chunk offsets and a large mdat header past 4 GiB', () => {
    const big = 3 * 1024 * 1024 * 1024;
    const { head, totalBytes } = writeMovieHead(
      { timescale: 15360, creationTime: 0, modificationTime: 0, brands: [] },
      [track([big, big, 10])],
      [{ offsets: Float64Array.of(0, big, 2 * big), samplesPerChunk: Uint32Array.of(1, 1, 1) }],
      2 * big + 10,
    );
    const boxes = topLevel(head, totalBytes);
    expect(boxes.at(-1)).toMatchObject({ type: 'mdat', headerSize: 16 });
    const moov = boxes.find((b) => b.type === 'moov')!;
    const movie = readMovie(head.subarray(moov.start, moov.start + moov.size));
    expect(movie.tracks[0]!.tables!.offsets.type).toBe('co64');
    const samples = readSampleTable(movie.buf, movie.tracks[0]!.tables!, totalBytes, 100);
    expect(Array.from(samples.offset)).toEqual([head.length, head.length + big, head.length + 2 * big]);
  });

  it('lays samples out in file order, coalescing reads and swapping replaced samples in place', () => {
    const layout = layoutSamples([
      { offsets: [100, 300, 5_000_000], sizes: [100, 100, 10] },
      { offsets: [200, 400], sizes: [50, 50], replacedSizes: [Number.NaN, 7] },
    ]);
    expect(layout.parts).toEqual([
      { start: 100, end: 250 },
      { start: 300, end: 400 },
      { track: 1, sample: 1 },
      { start: 5_000_000, end: 5_000_010 },
    ]);
    // The 4.6 MB gap starts a second request; the 50-byte gaps are read through.
    expect(layout.spans).toEqual([
      { start: 100, end: 400 },
      { start: 5_000_000, end: 5_000_010 },
    ]);
    expect(layout.payloadBytes).toBe(100 + 50 + 100 + 7 + 10);
    expect(Array.from(layout.chunks[0]!.samplesPerChunk)).toEqual([1, 1, 1]);
    unsupported(() => layoutSamples([{ offsets: [100, 150], sizes: [100, 10] }]));
  });
});

describe('QuickTime sound descriptions', () => {
  // An esds for AAC-LC, 48 kHz stereo (AudioSpecificConfig 0x11 0x90).
  const esds = fullBox(
    'esds',
    0,
    0,
    Buffer.from([
      0x03, 0x19, 0, 1, 0, 0x04, 0x11, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02, 0x11, 0x90, 0x06, 0x01,
      0x02,
    ]),
  );
  const base = (version: number, channels: number, rate: number) =>
    new Fields()
      .zeros(6)
      .u16(1)
      .u16(version)
      .u16(0)
      .u32(0)
      .u16(channels)
      .u16(16)
      .u16(version ? 0xfffe : 0)
      .u16(0)
      .u32(rate * 65536)
      .done();
  // What ffmpeg's MOV muxer writes: version 1, the esds inside `wave` with a terminator.
  const wave = box('wave', box('frma', Buffer.from('mp4a')), box('mp4a', Buffer.alloc(4)), esds, Buffer.alloc(8));
  const v1 = fullBox('stsd', 0, 0, u32s(1), box('mp4a', base(1, 2, 48000), u32s(1024, 0, 4, 2), wave));
  const v2Fields = Buffer.concat([
    base(2, 3, 1),
    u32s(72),
    Buffer.from(new Float64Array([48000]).buffer).reverse(),
    u32s(2, 0x7f000000, 0, 0, 0, 1024),
  ]);
  const v2 = fullBox('stsd', 0, 0, u32s(1), box('mp4a', v2Fields, wave));
  const iso = fullBox('stsd', 0, 0, u32s(1), box('mp4a', base(0, 2, 48000), esds));

  it('reads versions 1 and 2 (esds inside wave) and rewrites them as the ISO version 0 entry', () => {
    for (const stsd of [v1, v2]) {
      const read = readSampleDescription(stsd, readBoxHeader(stsd, 0, stsd.length), 'soun');
      expect(read.entry).toMatchObject({ kind: 'audio', codec: 'aac', channels: 2, sampleRate: 48000 });
      expect(read.entry.kind === 'audio' && read.entry.decoderConfig).toEqual(Buffer.from([0x11, 0x90]));
      // Outputs get what an ISO reader expects: version 0 fields, then the esds itself.
      expect(read.raw).toEqual(iso);
    }
    const plainIso = readSampleDescription(iso, readBoxHeader(iso, 0, iso.length), 'soun');
    expect(plainIso.raw).toEqual(iso);
  });

  it('refuses what version 0 cannot state, and versions it does not know', () => {
    const v2At96k = fullBox(
      'stsd',
      0,
      0,
      u32s(1),
      box(
        'mp4a',
        Buffer.concat([
          base(2, 3, 1),
          u32s(72),
          Buffer.from(new Float64Array([96000.5]).buffer).reverse(),
          u32s(2, 0x7f000000, 0, 0, 0, 1024),
        ]),
        wave,
      ),
    );
    unsupported(() => readSampleDescription(v2At96k, readBoxHeader(v2At96k, 0, v2At96k.length), 'soun'));
    const v3 = fullBox('stsd', 0, 0, u32s(1), box('mp4a', base(3, 2, 48000), esds));
    unsupported(() => readSampleDescription(v3, readBoxHeader(v3, 0, v3.length), 'soun'));
  });
});

describe('AAC splicing', () => {
  it('reads the AudioSpecificConfig essentials', () => {
    expect(readAacConfig(Buffer.from([0x11, 0x90]))).toEqual({
      objectType: AAC_LC,
      frequencyIndex: 3,
      channelConfig: 2,
      frameLengthFlag: 0,
    });
    expect(readAacConfig(Buffer.from([0x2b, 0x92, 0x08, 0x00]))?.objectType).toBe(5);
  });

  it('joins only where the overlapping halves agree in kind and shape', () => {
    const w = (sequence: number, shape = 1) => ({ sequence, shape });
    expect(canJoin(w(ONLY_LONG), w(ONLY_LONG), w(ONLY_LONG))).toBe(true);
    expect(canJoin(w(LONG_STOP), w(ONLY_LONG), w(LONG_START))).toBe(true);
    expect(canJoin(w(ONLY_LONG), w(ONLY_LONG, 0), w(ONLY_LONG))).toBe(false);
    expect(canJoin(w(LONG_START, 0), w(ONLY_LONG), w(ONLY_LONG))).toBe(false);
    expect(canJoin(w(2, 0), w(LONG_START, 0), w(2, 0))).toBe(true);
    expect(canJoin(w(ONLY_LONG), null, w(ONLY_LONG))).toBe(false);
  });

  it('plans one segment per span, merged when their fed frames meet, clamped to the track', () => {
    const dts = Float64Array.from({ length: 300 }, (_, i) => i * 1024);
    const segments = planAudioSplice(
      [
        { start: 1, end: 2 },
        { start: 2.2, end: 2.5 },
        { start: 6.3, end: 7 },
      ],
      dts,
      48000,
      1024,
    );
    expect(segments).toHaveLength(2);
    const [first, last] = segments;
    // Frames whose window [dts, dts + 2048) meets [1 s, 2.5 s), two spare on each side.
    expect(first!.replaceStart).toBe(Math.floor((48000 + 1024 - 2048) / 1024) + 1 - 2);
    expect(first!.replaceEnd).toBe(Math.ceil((2.5 * 48000 + 1024) / 1024) + 2);
    expect(first!.feedStart).toBe(first!.replaceStart - 8);
    expect(last!.replaceEnd).toBe(300);
    expect(last!.feedEnd).toBe(300);
  });

  it('rescales like ffmpeg: to nearest, halves away from zero', () => {
    expect(rescale(3, 1, 2)).toBe(2);
    expect(rescale(-3, 1, 2)).toBe(-2);
    expect(rescale(-2033333, 15360, 1_000_000)).toBe(-31232);
  });
});
