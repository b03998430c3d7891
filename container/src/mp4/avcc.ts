/**
 * After a smart cut, the output's video sample entry (`avcC`) holds only the parameter sets of its
 * first piece (the re-encoded head, SPS/PPS id 7); the copied source packets use the source's sets
 * (id 0), which ffmpeg also writes in-band before their keyframe. Decoders that read in-band sets
 * play that; decoders that only read `avcC` (some hardware players) would not. This rewrites the
 * `avcC` to carry both sets (the format allows several), so every decoder has them up front.
 *
 * Only the `moov` box changes: the file is rewritten as [before moov][new moov][after moov], and
 * when `moov` precedes the media data (faststart) every chunk offset (stco/co64) moves by the size
 * difference.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

function boxes(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let headerSize = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      headerSize = 16;
    } else if (size === 0) size = to - at;
    if (size < headerSize || at + size > to) break;
    out.push({ type, start: at, headerSize, size });
    at += size;
  }
  return out;
}

export interface AvcConfig {
  profile: number;
  compatibility: number;
  level: number;
  lengthSizeMinusOne: number;
  sps: Buffer[];
  pps: Buffer[];
  /** Bytes after the PPS list (the high-profile chroma/bit-depth extension), kept as they are. */
  tail: Buffer;
}

export function parseAvcC(data: Buffer): AvcConfig {
  let at = 5;
  const spsCount = data[at++]! & 0x1f;
  const sps: Buffer[] = [];
  for (let i = 0; i < spsCount; i++) {
    const len = data.readUInt16BE(at);
    sps.push(data.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  const ppsCount = data[at++]!;
  const pps: Buffer[] = [];
  for (let i = 0; i < ppsCount; i++) {
    const len = data.readUInt16BE(at);
    pps.push(data.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return {
    profile: data[1]!,
    compatibility: data[2]!,
    level: data[3]!,
    lengthSizeMinusOne: data[4]! & 3,
    sps,
    pps,
    tail: data.subarray(at),
  };
}

export function writeAvcC(config: AvcConfig): Buffer {
  const parts: Buffer[] = [
    Buffer.from([
      1,
      config.profile,
      config.compatibility,
      config.level,
      0xfc | config.lengthSizeMinusOne,
      0xe0 | config.sps.length,
    ]),
  ];
  for (const sps of config.sps) parts.push(Buffer.from([sps.length >> 8, sps.length & 0xff]), sps);
  parts.push(Buffer.from([config.pps.length]));
  for (const pps of config.pps) parts.push(Buffer.from([pps.length >> 8, pps.length & 0xff]), pps);
  parts.push(config.tail);
  return Buffer.concat(parts);
}

/** Parameter set id of an SPS / PPS NAL unit (the first ue(v) after the fixed header bytes). */
function parameterSetId(nal: Buffer, kind: 'sps' | 'pps'): number {
  // SPS: NAL header, profile, constraints, level, then ue(v) id. PPS: NAL header, then ue(v) id.
  let bit = (kind === 'sps' ? 4 : 1) * 8;
  const read = () => (nal[bit >> 3]! >> (7 - (bit++ & 7))) & 1;
  let zeros = 0;
  while (read() === 0 && zeros < 32) zeros++;
  let value = 1;
  for (let i = 0; i < zeros; i++) value = (value << 1) | read();
  return value - 1;
}

function mergeSets(first: Buffer[], second: Buffer[], kind: 'sps' | 'pps'): Buffer[] {
  const ids = new Set(first.map((n) => parameterSetId(n, kind)));
  return [...first, ...second.filter((n) => !ids.has(parameterSetId(n, kind)))];
}

/** `own` with the SPS/PPS of `extras` (avcC payloads) added where their ids differ. */
function mergeParameterSets(own: AvcConfig, extras: Buffer[]): AvcConfig {
  const merged: AvcConfig = { ...own };
  for (const extra of extras) {
    const theirs = parseAvcC(extra);
    merged.sps = mergeSets(merged.sps, theirs.sps, 'sps');
    merged.pps = mergeSets(merged.pps, theirs.pps, 'pps');
  }
  return merged;
}

/** The avcC payload of the first video sample entry in a file's moov, or null. */
export async function readAvcC(path: string): Promise<Buffer | null> {
  const moov = await readMoov(path);
  if (!moov) return null;
  const found = findAvcC(moov.data);
  return found ? Buffer.from(moov.data.subarray(found.start + found.headerSize, found.start + found.size)) : null;
}

async function readMoov(path: string): Promise<{ data: Buffer; offset: number; mdatAfter: boolean } | null> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    let at = 0;
    let moov: { offset: number; size: number } | null = null;
    let mdatAt = -1;
    const header = Buffer.alloc(16);
    while (at + 8 <= size) {
      await file.read(header, 0, 16, at);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - at;
      if (boxSize < 8) return null;
      if (type === 'moov') moov = { offset: at, size: boxSize };
      if (type === 'mdat' && mdatAt < 0) mdatAt = at;
      at += boxSize;
    }
    if (!moov) return null;
    const data = Buffer.alloc(moov.size);
    await file.read(data, 0, moov.size, moov.offset);
    return { data, offset: moov.offset, mdatAfter: mdatAt > moov.offset };
  } finally {
    await file.close();
  }
}

/** Path of boxes from moov down to the video track's avcC, positions relative to the moov buffer. */
function findAvcC(moov: Buffer): (Box & { ancestors: Box[] }) | null {
  const root = boxes(moov, 0, moov.length)[0];
  if (root?.type !== 'moov') return null;
  for (const trak of boxes(moov, root.start + root.headerSize, root.start + root.size).filter(
    (b) => b.type === 'trak',
  )) {
    const mdia = boxes(moov, trak.start + trak.headerSize, trak.start + trak.size).find((b) => b.type === 'mdia');
    if (!mdia) continue;
    const mdiaKids = boxes(moov, mdia.start + mdia.headerSize, mdia.start + mdia.size);
    const hdlr = mdiaKids.find((b) => b.type === 'hdlr');
    if (!hdlr || moov.toString('latin1', hdlr.start + 16, hdlr.start + 20) !== 'vide') continue;
    const minf = mdiaKids.find((b) => b.type === 'minf');
    const stbl =
      minf && boxes(moov, minf.start + minf.headerSize, minf.start + minf.size).find((b) => b.type === 'stbl');
    const stsd =
      stbl && boxes(moov, stbl.start + stbl.headerSize, stbl.start + stbl.size).find((b) => b.type === 'stsd');
    if (!minf || !stbl || !stsd) continue;
    // stsd: full box header (4) + entry count (4), then sample entries.
    const entry = boxes(moov, stsd.start + stsd.headerSize + 8, stsd.start + stsd.size)[0];
    if (!entry || (entry.type !== 'avc1' && entry.type !== 'avc3')) continue;
    // VisualSampleEntry: 8 (SampleEntry) + 70 bytes of fields before the child boxes.
    const avcC = boxes(moov, entry.start + entry.headerSize + 78, entry.start + entry.size).find(
      (b) => b.type === 'avcC',
    );
    if (!avcC) continue;
    return { ...avcC, ancestors: [root, trak, mdia, minf, stbl, stsd, entry] };
  }
  return null;
}

/** Adds `delta` to every chunk offset (stco, co64) in the moov buffer, in place. */
function shiftChunkOffsets(moov: Buffer, delta: number): void {
  const visit = (from: number, to: number) => {
    for (const box of boxes(moov, from, to)) {
      if (CONTAINERS.has(box.type)) visit(box.start + box.headerSize, box.start + box.size);
      else if (box.type === 'stco' || box.type === 'co64') {
        const count = moov.readUInt32BE(box.start + box.headerSize + 4);
        let at = box.start + box.headerSize + 8;
        for (let i = 0; i < count; i++) {
          if (box.type === 'stco') {
            moov.writeUInt32BE(moov.readUInt32BE(at) + delta, at);
            at += 4;
          } else {
            moov.writeBigUInt64BE(moov.readBigUInt64BE(at) + BigInt(delta), at);
            at += 8;
          }
        }
      }
    }
  };
  visit(0, moov.length);
}

/**
 * Puts the SPS/PPS of `extras` (avcC payloads: the source's, the other pieces') into `path`'s avcC
 * next to its own, where their ids differ. Returns false (file untouched) when there is nothing to
 * add or the layout is not the expected one.
 */
export async function addParameterSets(path: string, extras: Buffer[]): Promise<boolean> {
  const moov = await readMoov(path);
  if (!moov) return false;
  const found = findAvcC(moov.data);
  if (found?.headerSize !== 8 || found.ancestors.some((b) => b.headerSize !== 8)) return false;
  const own = parseAvcC(moov.data.subarray(found.start + 8, found.start + found.size));
  const merged = mergeParameterSets(own, extras);
  if (merged.sps.length === own.sps.length && merged.pps.length === own.pps.length) return false;
  const payload = writeAvcC(merged);
  const delta = 8 + payload.length - found.size;
  const avcC = Buffer.alloc(8 + payload.length);
  avcC.writeUInt32BE(avcC.length, 0);
  avcC.write('avcC', 4, 'latin1');
  payload.copy(avcC, 8);
  const next = Buffer.concat([moov.data.subarray(0, found.start), avcC, moov.data.subarray(found.start + found.size)]);
  for (const box of found.ancestors) next.writeUInt32BE(box.size + delta, box.start);
  if (moov.mdatAfter) shiftChunkOffsets(next, delta);

  const tmp = `${path}.avcc`;
  const out = createWriteStream(tmp);
  await pipeline(createReadStream(path, { start: 0, end: moov.offset - 1 }), out, { end: false });
  await new Promise<void>((resolve, reject) => out.write(next, (err) => (err ? reject(err) : resolve())));
  await pipeline(createReadStream(path, { start: moov.offset + moov.data.length }), out);
  await rename(tmp, path);
  return true;
}

/** The decoder configuration box (avcC, hvcC) inside a whole `stsd` box, with its sample entry; null when the layout is not the expected one. */
function configInDescription(stsd: Buffer): { entry: Box; config: Box } | null {
  // stsd: box header (8), version/flags (4), entry count (4), then the entries.
  const entry = boxes(stsd, 16, stsd.length)[0];
  const type = entry && CONFIG_BOXES[entry.type];
  if (entry?.headerSize !== 8 || !type) return null;
  const config = boxes(stsd, entry.start + 8 + 78, entry.start + entry.size).find((b) => b.type === type);
  return config && config.headerSize === 8 ? { entry, config } : null;
}

const CONFIG_BOXES: Record<string, string> = { avc1: 'avcC', avc3: 'avcC', hvc1: 'hvcC', hev1: 'hvcC' };

/** The decoder configuration (avcC or hvcC payload) of a whole `stsd` box, or null. */
export function descriptionConfig(stsd: Buffer): Buffer | null {
  const found = configInDescription(stsd);
  return found ? stsd.subarray(found.config.start + 8, found.config.start + found.config.size) : null;
}

/** The avcC payload of a whole `stsd` box, or null. */
export function descriptionAvcC(stsd: Buffer): Buffer | null {
  const found = configInDescription(stsd);
  return found && found.config.type === 'avcC' ? descriptionConfig(stsd) : null;
}

/** A whole `stsd` box with its decoder configuration replaced by `payload`; null if it has none. */
export function descriptionWithConfig(stsd: Buffer, payload: Buffer): Buffer | null {
  const found = configInDescription(stsd);
  if (!found) return null;
  const { entry, config } = found;
  const box = Buffer.alloc(8 + payload.length);
  box.writeUInt32BE(box.length, 0);
  box.write(config.type, 4, 'latin1');
  payload.copy(box, 8);
  const delta = box.length - config.size;
  const next = Buffer.concat([stsd.subarray(0, config.start), box, stsd.subarray(config.start + config.size)]);
  next.writeUInt32BE(entry.size + delta, entry.start);
  next.writeUInt32BE(stsd.length + delta, 0);
  return next;
}

/** A whole `stsd` box whose avcC also carries the SPS/PPS of `extras` (avcC payloads) where their ids differ; null if it has no avcC. */
export function descriptionWithParameterSets(stsd: Buffer, extras: Buffer[]): Buffer | null {
  const avcC = descriptionAvcC(stsd);
  return avcC ? descriptionWithConfig(stsd, writeAvcC(mergeParameterSets(parseAvcC(avcC), extras))) : null;
}
