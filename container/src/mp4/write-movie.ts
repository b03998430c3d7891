/**
 * Writes the head of an output MP4 — `ftyp`, `moov` with rebuilt sample tables, the `mdat` header —
 * for tracks whose samples follow in `mdat` as laid out (chunk offsets relative to the payload).
 * The whole file's length is known before a byte of media is sent; chunk offsets switch to 64 bits
 * (`co64`) and times to version-1 boxes only when the values need them.
 */
import { box, boxHeader, Fields, fullBox, U32_MAX } from './box-writer.ts';
import type { TrackHeader } from './movie.ts';

export interface OutputTrack {
  handler: 'vide' | 'soun';
  /** Display matrix, size, volume, layer, times: kept from the source track. */
  header: TrackHeader;
  timescale: number;
  language: number;
  /** The source's `stsd` box, byte for byte. */
  sampleDescription: Buffer;
  /** One edit: where the presentation starts in the media (media timescale) and how long it lasts (movie timescale). */
  edit: { mediaTime: number; segmentDuration: number };
  /** Per output sample, in decode order. */
  durations: Uint32Array;
  compositionOffsets: Int32Array | null;
  /** null: every sample is a sync sample. */
  sync: Uint8Array | null;
  sizes: Uint32Array;
}

export interface TrackChunks {
  /** Chunk start relative to the first byte of the mdat payload. */
  offsets: Float64Array;
  samplesPerChunk: Uint32Array;
}

export interface MovieSpec {
  timescale: number;
  creationTime: number;
  modificationTime: number;
  /** ftyp compatible brands after isom/iso2 (e.g. avc1 for H.264). */
  brands: string[];
}

/** An output's movie header from its source's: the same creation times, at `timescale`. */
export function movieSpecFrom(
  source: { creationTime: number; modificationTime: number },
  timescale: number,
  brands: string[] = [],
): MovieSpec {
  return { timescale, creationTime: source.creationTime, modificationTime: source.modificationTime, brands };
}

/** The compatible brand an output names for its video codec (avc1 for H.264). */
export const videoBrands = (codec: string): string[] => (codec === 'h264' ? ['avc1'] : []);

const UNITY_MATRIX = new Fields()
  .u32(0x10000)
  .u32(0)
  .u32(0)
  .u32(0)
  .u32(0x10000)
  .u32(0)
  .u32(0)
  .u32(0)
  .u32(0x40000000)
  .done();

/** A table box: header fields then `count` entries of `entryBytes`, written straight into one buffer. */
function table(
  type: string,
  version: number,
  head: Buffer,
  count: number,
  entryBytes: number,
  write: (buf: Buffer, at: number, i: number) => void,
): Buffer {
  const body = Buffer.alloc(head.length + count * entryBytes);
  head.copy(body, 0);
  for (let i = 0; i < count; i++) write(body, head.length + i * entryBytes, i);
  return fullBox(type, version, 0, body);
}

/** Run-length runs of equal values: [value, count] pairs. */
function runs(values: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < values.length; i++) {
    const last = out[out.length - 1];
    if (last && last[0] === values[i]) last[1]++;
    else out.push([values[i]!, 1]);
  }
  return out;
}

const count32 = (n: number) => new Fields().u32(n).done();
const needs64 = (...values: number[]) => values.some((v) => v > U32_MAX);

function sampleTable(track: OutputTrack, chunks: TrackChunks, payloadStart: number, wideOffsets: boolean): Buffer {
  const stts = runs(track.durations);
  const parts = [
    track.sampleDescription,
    table('stts', 0, count32(stts.length), stts.length, 8, (b, at, i) => {
      b.writeUInt32BE(stts[i]![1], at);
      b.writeUInt32BE(stts[i]![0], at + 4);
    }),
  ];
  if (track.compositionOffsets?.some((v) => v !== 0)) {
    const ctts = runs(track.compositionOffsets);
    const signed = ctts.some(([v]) => v < 0);
    parts.push(
      table('ctts', signed ? 1 : 0, count32(ctts.length), ctts.length, 8, (b, at, i) => {
        b.writeUInt32BE(ctts[i]![1], at);
        b.writeInt32BE(ctts[i]![0], at + 4);
      }),
    );
  }
  if (track.sync?.some((v) => v === 0)) {
    const numbers: number[] = [];
    track.sync.forEach((v, i) => {
      if (v) numbers.push(i + 1);
    });
    parts.push(
      table('stss', 0, count32(numbers.length), numbers.length, 4, (b, at, i) => b.writeUInt32BE(numbers[i]!, at)),
    );
  }
  const perChunk = runs(chunks.samplesPerChunk);
  let firstChunk = 1;
  const stsc = perChunk.map(([samples, chunkCount]) => {
    const entry = [firstChunk, samples] as const;
    firstChunk += chunkCount;
    return entry;
  });
  parts.push(
    table('stsc', 0, count32(stsc.length), stsc.length, 12, (b, at, i) => {
      b.writeUInt32BE(stsc[i]![0], at);
      b.writeUInt32BE(stsc[i]![1], at + 4);
      b.writeUInt32BE(1, at + 8);
    }),
  );
  const sizes = track.sizes;
  const constant = sizes.every((s) => s === sizes[0]) ? sizes[0]! : 0;
  parts.push(
    constant
      ? fullBox('stsz', 0, 0, new Fields().u32(constant).u32(sizes.length).done())
      : table('stsz', 0, new Fields().u32(0).u32(sizes.length).done(), sizes.length, 4, (b, at, i) =>
          b.writeUInt32BE(sizes[i]!, at),
        ),
  );
  const offsets = chunks.offsets;
  parts.push(
    wideOffsets
      ? table('co64', 0, count32(offsets.length), offsets.length, 8, (b, at, i) =>
          b.writeBigUInt64BE(BigInt(payloadStart + offsets[i]!), at),
        )
      : table('stco', 0, count32(offsets.length), offsets.length, 4, (b, at, i) =>
          b.writeUInt32BE(payloadStart + offsets[i]!, at),
        ),
  );
  return box('stbl', ...parts);
}

function trackBox(
  track: OutputTrack,
  trackId: number,
  chunks: TrackChunks,
  payloadStart: number,
  wideOffsets: boolean,
): Buffer {
  const h = track.header;
  const duration = track.edit.segmentDuration;
  const mediaDuration = track.durations.reduce((n, d) => n + d, 0);
  const tkhdV = needs64(h.creationTime, h.modificationTime, duration) ? 1 : 0;
  const tkhd = new Fields();
  if (tkhdV) tkhd.u64(h.creationTime).u64(h.modificationTime).u32(trackId).u32(0).u64(duration);
  else tkhd.u32(h.creationTime).u32(h.modificationTime).u32(trackId).u32(0).u32(duration);
  tkhd
    .zeros(8)
    .i16(h.layer)
    .i16(h.alternateGroup)
    .i16(track.handler === 'soun' ? h.volume || 0x100 : 0)
    .u16(0)
    .bytes(h.matrix)
    .u32(h.width)
    .u32(h.height);
  const elstV = needs64(duration, track.edit.mediaTime) ? 1 : 0;
  const elst = new Fields().u32(1);
  if (elstV) elst.u64(duration).i64(track.edit.mediaTime);
  else elst.u32(duration).i32(track.edit.mediaTime);
  elst.u32(0x00010000);
  const mdhdV = needs64(h.creationTime, h.modificationTime, mediaDuration) ? 1 : 0;
  const mdhd = new Fields();
  if (mdhdV) mdhd.u64(h.creationTime).u64(h.modificationTime).u32(track.timescale).u64(mediaDuration);
  else mdhd.u32(h.creationTime).u32(h.modificationTime).u32(track.timescale).u32(mediaDuration);
  mdhd.u16(track.language).u16(0);
  const video = track.handler === 'vide';
  const handlerName = video ? 'VideoHandler' : 'SoundHandler';
  return box(
    'trak',
    // Enabled, in movie, in preview.
    fullBox('tkhd', tkhdV, 3, tkhd.done()),
    box('edts', fullBox('elst', elstV, 0, elst.done())),
    box(
      'mdia',
      fullBox('mdhd', mdhdV, 0, mdhd.done()),
      fullBox(
        'hdlr',
        0,
        0,
        new Fields()
          .u32(0)
          .fourcc(track.handler)
          .zeros(12)
          .bytes(Buffer.from(`${handlerName}\0`, 'latin1'))
          .done(),
      ),
      box(
        'minf',
        video
          ? fullBox('vmhd', 0, 1, new Fields().zeros(8).done())
          : fullBox('smhd', 0, 0, new Fields().zeros(4).done()),
        box('dinf', fullBox('dref', 0, 0, count32(1), fullBox('url ', 0, 1))),
        sampleTable(track, chunks, payloadStart, wideOffsets),
      ),
    ),
  );
}

export interface WrittenHead {
  /** ftyp + moov + mdat header. */
  head: Buffer;
  /** Length of the whole file: head + payload. */
  totalBytes: number;
  /** Movie duration, movie timescale. */
  duration: number;
}

export function writeMovieHead(
  spec: MovieSpec,
  tracks: OutputTrack[],
  chunks: TrackChunks[],
  payloadBytes: number,
): WrittenHead {
  const ftyp = box(
    'ftyp',
    new Fields().fourcc('isom').u32(0x200).fourcc('isom').fourcc('iso2').done(),
    ...[...spec.brands, 'mp41'].map((b) => Buffer.from(b, 'latin1')),
  );
  const duration = Math.max(...tracks.map((t) => t.edit.segmentDuration));
  const mdatHeader = boxHeader('mdat', payloadBytes);
  const build = (payloadStart: number, wide: boolean) => {
    const mvhdV = needs64(spec.creationTime, spec.modificationTime, duration) ? 1 : 0;
    const mvhd = new Fields();
    if (mvhdV) mvhd.u64(spec.creationTime).u64(spec.modificationTime).u32(spec.timescale).u64(duration);
    else mvhd.u32(spec.creationTime).u32(spec.modificationTime).u32(spec.timescale).u32(duration);
    mvhd
      .u32(0x00010000)
      .u16(0x0100)
      .zeros(10)
      .bytes(UNITY_MATRIX)
      .zeros(24)
      .u32(tracks.length + 1);
    return box(
      'moov',
      fullBox('mvhd', mvhdV, 0, mvhd.done()),
      ...tracks.map((t, i) => trackBox(t, i + 1, chunks[i]!, payloadStart, wide)),
    );
  };
  // Offsets depend on the moov's size, which does not depend on their values: build once to measure.
  const lastOffset = Math.max(0, ...chunks.map((c) => c.offsets[c.offsets.length - 1] ?? 0));
  let wide = lastOffset > U32_MAX;
  let moov = build(0, wide);
  if (!wide && ftyp.length + moov.length + mdatHeader.length + lastOffset > U32_MAX) {
    wide = true;
    moov = build(0, true);
  }
  moov = build(ftyp.length + moov.length + mdatHeader.length, wide);
  const head = Buffer.concat([ftyp, moov, mdatHeader]);
  return { head, totalBytes: head.length + payloadBytes, duration };
}
