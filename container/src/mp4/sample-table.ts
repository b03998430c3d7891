/**
 * A track's sample table (stts, ctts, stss, stsc, stsz/stz2, stco/co64) expanded into per-sample
 * arrays, after checking that every table agrees on the sample count, that chunks and samples add
 * up, and that every sample lies inside the file. Counts are bounded before anything is allocated:
 * a table cannot claim more entries than its box holds, and a track more samples than `maxSamples`.
 */
import { ProcessorFailure } from '../errors.ts';
import { type BoxHeader, FieldReader } from './box.ts';
import { unsupported } from './unsupported.ts';

export interface SampleTableBoxes {
  stts: BoxHeader;
  ctts: BoxHeader | null;
  stss: BoxHeader | null;
  stsc: BoxHeader;
  /** stsz or stz2. */
  sizes: BoxHeader;
  /** stco or co64. */
  offsets: BoxHeader;
}

export interface SampleTable {
  count: number;
  /** Decode time of each sample, media timescale ticks from 0. */
  dts: Float64Array;
  /** Composition offset of each sample (ctts, signed), 0 without ctts. */
  cto: Int32Array;
  size: Uint32Array;
  /** File offset of each sample. */
  offset: Float64Array;
  /** 1 for sync samples; null when every sample is one (no stss). */
  sync: Uint8Array | null;
  /** Decode end of the last sample (dts + its stts delta): the track's media duration. */
  end: number;
}

/** A single sample bigger than this is not real media. */
const MAX_SAMPLE_BYTES = 256 * 1024 * 1024;

function fullBoxBody(buf: Buffer, box: BoxHeader, versions: number[]): { reader: FieldReader; version: number } {
  const reader = FieldReader.body(buf, box);
  const version = reader.u8();
  reader.u24();
  if (!versions.includes(version)) unsupported(`${box.type} version ${version}`);
  return { reader, version };
}

function readSizes(buf: Buffer, box: BoxHeader, maxSamples: number): Uint32Array {
  const { reader } = fullBoxBody(buf, box, [0]);
  if (box.type === 'stsz') {
    const constant = reader.u32();
    const count = reader.u32();
    if (count < 1 || count > maxSamples) unsupported(`a track of ${count} samples`);
    if (constant !== 0) {
      if (constant > MAX_SAMPLE_BYTES) unsupported('absurd sample size');
      return new Uint32Array(count).fill(constant);
    }
    reader.expectEntries(count, 4);
    const sizes = new Uint32Array(count);
    for (let i = 0; i < count; i++) sizes[i] = reader.u32();
    return sizes;
  }
  // stz2: 4-, 8- or 16-bit sizes.
  reader.u24();
  const bits = reader.u8();
  const count = reader.u32();
  if (count < 1 || count > maxSamples) unsupported(`a track of ${count} samples`);
  if (bits !== 4 && bits !== 8 && bits !== 16) unsupported(`stz2 field size ${bits}`);
  reader.expectEntries(Math.ceil((count * bits) / 8), 1);
  const sizes = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    if (bits === 16) sizes[i] = reader.u16();
    else if (bits === 8) sizes[i] = reader.u8();
    else if (i % 2 === 0) {
      const byte = reader.u8();
      sizes[i] = byte >> 4;
      if (i + 1 < count) sizes[i + 1] = byte & 0x0f;
    }
  }
  return sizes;
}

function readTimes(buf: Buffer, stts: BoxHeader, count: number): { dts: Float64Array; end: number } {
  const { reader } = fullBoxBody(buf, stts, [0]);
  const entries = reader.u32();
  reader.expectEntries(entries, 8);
  const dts = new Float64Array(count);
  let sample = 0;
  let time = 0;
  for (let e = 0; e < entries; e++) {
    const run = reader.u32();
    const delta = reader.u32();
    if (run === 0) continue;
    if (run > count - sample) unsupported('stts lists more samples than the track has');
    // A zero delta would give two samples one decode time: not something to copy blindly.
    if (delta === 0) unsupported('a sample without duration');
    for (let i = 0; i < run; i++) {
      dts[sample++] = time;
      time += delta;
    }
  }
  if (sample !== count) unsupported('stts and stsz disagree on the sample count');
  if (!Number.isSafeInteger(time)) unsupported('decode times beyond 2^53');
  return { dts, end: time };
}

function readCompositionOffsets(buf: Buffer, ctts: BoxHeader | null, count: number): Int32Array {
  const cto = new Int32Array(count);
  if (!ctts) return cto;
  const { reader } = fullBoxBody(buf, ctts, [0, 1]);
  const entries = reader.u32();
  reader.expectEntries(entries, 8);
  let sample = 0;
  for (let e = 0; e < entries; e++) {
    const run = reader.u32();
    // Version 0 is unsigned in the spec, but writers store negative offsets there too (ffmpeg reads both signed).
    const offset = reader.i32();
    if (run > count - sample) unsupported('ctts lists more samples than the track has');
    cto.fill(offset, sample, sample + run);
    sample += run;
  }
  if (sample !== count) unsupported('ctts and stsz disagree on the sample count');
  return cto;
}

function readSync(buf: Buffer, stss: BoxHeader | null, count: number): Uint8Array | null {
  if (!stss) return null;
  const { reader } = fullBoxBody(buf, stss, [0]);
  const entries = reader.u32();
  reader.expectEntries(entries, 4);
  const sync = new Uint8Array(count);
  let last = 0;
  for (let e = 0; e < entries; e++) {
    const number = reader.u32();
    if (number <= last || number > count) unsupported('stss is not a rising list of samples');
    sync[number - 1] = 1;
    last = number;
  }
  return sync;
}

function readChunkOffsets(buf: Buffer, box: BoxHeader): Float64Array {
  const { reader } = fullBoxBody(buf, box, [0]);
  const entries = reader.u32();
  const wide = box.type === 'co64';
  reader.expectEntries(entries, wide ? 8 : 4);
  if (entries === 0) unsupported('a track without chunks');
  const offsets = new Float64Array(entries);
  for (let i = 0; i < entries; i++) offsets[i] = wide ? reader.u64() : reader.u32();
  return offsets;
}

/** File offset of every sample, from stsc (samples per chunk) and the chunk offsets. */
function sampleOffsets(
  buf: Buffer,
  stsc: BoxHeader,
  chunks: Float64Array,
  sizes: Uint32Array,
  fileSize: number,
): Float64Array {
  const { reader } = fullBoxBody(buf, stsc, [0]);
  const entries = reader.u32();
  reader.expectEntries(entries, 12);
  if (entries === 0) unsupported('empty stsc');
  const runs: { firstChunk: number; samplesPerChunk: number }[] = [];
  for (let e = 0; e < entries; e++) {
    const firstChunk = reader.u32();
    const samplesPerChunk = reader.u32();
    const description = reader.u32();
    const previous = runs[runs.length - 1];
    if ((previous ? firstChunk <= previous.firstChunk : firstChunk !== 1) || firstChunk > chunks.length)
      unsupported('stsc chunks out of order');
    if (samplesPerChunk === 0) unsupported('a chunk of no samples');
    if (description !== 1) unsupported('a second sample description');
    runs.push({ firstChunk, samplesPerChunk });
  }
  const count = sizes.length;
  const offsets = new Float64Array(count);
  let sample = 0;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r]!;
    const lastChunk = (runs[r + 1]?.firstChunk ?? chunks.length + 1) - 1;
    for (let chunk = run.firstChunk; chunk <= lastChunk; chunk++) {
      if (run.samplesPerChunk > count - sample) unsupported('chunks hold more samples than the track has');
      let at = chunks[chunk - 1]!;
      for (let i = 0; i < run.samplesPerChunk; i++) {
        offsets[sample] = at;
        at += sizes[sample]!;
        sample++;
      }
      if (at > fileSize)
        throw new ProcessorFailure(
          'invalid_media',
          'The input is truncated: its index points past the end of the file',
        );
    }
  }
  if (sample !== count) unsupported('chunks hold fewer samples than the track has');
  return offsets;
}

export function readSampleTable(
  buf: Buffer,
  boxes: SampleTableBoxes,
  fileSize: number,
  maxSamples: number,
): SampleTable {
  const size = readSizes(buf, boxes.sizes, maxSamples);
  const count = size.length;
  const { dts, end } = readTimes(buf, boxes.stts, count);
  const cto = readCompositionOffsets(buf, boxes.ctts, count);
  const sync = readSync(buf, boxes.stss, count);
  const chunks = readChunkOffsets(buf, boxes.offsets);
  const offset = sampleOffsets(buf, boxes.stsc, chunks, size, fileSize);
  return { count, dts, cto, size, offset, sync, end };
}
