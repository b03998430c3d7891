/**
 * The `moov` box read into what the in-process code needs: the movie header, and per track its
 * header, media header, handler, edit list, sample description and sample table boxes. Only the
 * shapes it understands pass: one sample description, self-contained data, at most one edit
 * (media time ≥ 0, rate 1), no fragments (`mvex`), no compressed `moov`. Everything else is
 * `Mp4Unsupported`, so the ffmpeg path takes the file.
 */
import { type BoxHeader, childBoxes, FieldReader } from './box.ts';
import { readSampleDescription, type SampleDescription } from './sample-entry.ts';
import type { SampleTableBoxes } from './sample-table.ts';
import { unsupported } from './unsupported.ts';

export interface Edit {
  /** Presentation length, movie timescale. */
  segmentDuration: number;
  /** Where the presentation starts in the media, media timescale. */
  mediaTime: number;
}

export interface TrackHeader {
  flags: number;
  creationTime: number;
  modificationTime: number;
  layer: number;
  alternateGroup: number;
  volume: number;
  /** The 3×3 display matrix, 36 bytes as stored (rotation travels with it). */
  matrix: Buffer;
  /** 16.16 fixed point, as stored. */
  width: number;
  height: number;
}

export interface Track {
  handler: string;
  header: TrackHeader;
  timescale: number;
  mediaDuration: number;
  /** ISO-639-2/T packed as in mdhd. */
  language: number;
  edit: Edit | null;
  /** Video and audio tracks only. */
  description: SampleDescription | null;
  tables: SampleTableBoxes | null;
}

export interface Movie {
  timescale: number;
  duration: number;
  creationTime: number;
  modificationTime: number;
  tracks: Track[];
  /** The buffer every box header above points into (the `moov` box). */
  buf: Buffer;
  /** `udta` and `meta` boxes of the movie (metadata, cover art). */
  userData: Buffer[];
}

const MOOV_CHILDREN = new Set(['mvhd', 'trak', 'udta', 'meta', 'iods', 'free', 'skip', 'uuid']);
const TRAK_CHILDREN = new Set(['tkhd', 'edts', 'mdia', 'udta', 'meta', 'tref', 'tapt', 'free', 'skip', 'uuid']);
const MDIA_CHILDREN = new Set(['mdhd', 'hdlr', 'minf', 'udta', 'elng', 'free', 'skip']);
const MINF_CHILDREN = new Set(['vmhd', 'smhd', 'nmhd', 'gmhd', 'hmhd', 'sthd', 'hdlr', 'dinf', 'stbl', 'free', 'skip']);
/** Sample groups, dependency flags and the like are dropped from outputs: informative only. */
const STBL_CHILDREN = new Set([
  'stsd',
  'stts',
  'ctts',
  'stss',
  'stsc',
  'stsz',
  'stz2',
  'stco',
  'co64',
  'sdtp',
  'sgpd',
  'sbgp',
  'cslg',
  'stps',
  'subs',
  'free',
  'skip',
]);

/** Children of a container, refusing unknown kinds; returns the first of each type. */
function children(buf: Buffer, parent: BoxHeader, allowed: Set<string>): Map<string, BoxHeader[]> {
  const found = new Map<string, BoxHeader[]>();
  for (const child of childBoxes(buf, parent.start + parent.headerSize, parent.start + parent.size)) {
    if (!allowed.has(child.type)) unsupported(`"${child.type}" inside "${parent.type}"`);
    found.set(child.type, [...(found.get(child.type) ?? []), child]);
  }
  return found;
}

function one(found: Map<string, BoxHeader[]>, type: string): BoxHeader | null {
  const boxes = found.get(type) ?? [];
  if (boxes.length > 1) unsupported(`two "${type}" boxes`);
  return boxes[0] ?? null;
}

function required(found: Map<string, BoxHeader[]>, type: string): BoxHeader {
  return one(found, type) ?? unsupported(`no "${type}" box`);
}

function versioned(buf: Buffer, box: BoxHeader): { reader: FieldReader; version: number; flags: number } {
  const reader = FieldReader.body(buf, box);
  const version = reader.u8();
  const flags = reader.u24();
  if (version > 1) unsupported(`${box.type} version ${version}`);
  return { reader, version, flags };
}

function readMovieHeader(
  buf: Buffer,
  box: BoxHeader,
): Pick<Movie, 'timescale' | 'duration' | 'creationTime' | 'modificationTime'> {
  const { reader, version } = versioned(buf, box);
  const creationTime = version ? reader.u64() : reader.u32();
  const modificationTime = version ? reader.u64() : reader.u32();
  const timescale = reader.u32();
  const duration = version ? reader.u64() : reader.u32();
  if (timescale === 0) unsupported('movie timescale 0');
  if (version === 0 && duration === 0xffffffff) unsupported('unknown movie duration');
  return { timescale, duration, creationTime, modificationTime };
}

function readTrackHeader(buf: Buffer, box: BoxHeader): TrackHeader {
  const { reader, version, flags } = versioned(buf, box);
  const creationTime = version ? reader.u64() : reader.u32();
  const modificationTime = version ? reader.u64() : reader.u32();
  reader.skip(4 + 4 + (version ? 8 : 4) + 8); // track_ID, reserved, duration, reserved
  const layer = reader.i16();
  const alternateGroup = reader.i16();
  const volume = reader.i16();
  reader.skip(2);
  const matrix = reader.bytes(36);
  const width = reader.u32();
  const height = reader.u32();
  return { flags, creationTime, modificationTime, layer, alternateGroup, volume, matrix, width, height };
}

function readMediaHeader(buf: Buffer, box: BoxHeader): { timescale: number; duration: number; language: number } {
  const { reader, version } = versioned(buf, box);
  reader.skip(version ? 16 : 8);
  const timescale = reader.u32();
  const duration = version ? reader.u64() : reader.u32();
  const language = reader.u16();
  if (timescale === 0) unsupported('media timescale 0');
  return { timescale, duration, language };
}

function readHandler(buf: Buffer, box: BoxHeader): string {
  const reader = FieldReader.body(buf, box);
  reader.skip(8); // version/flags, pre_defined (QuickTime: component type)
  return reader.fourcc();
}

function readEdit(buf: Buffer, edts: BoxHeader | null): Edit | null {
  if (!edts) return null;
  const elst = required(children(buf, edts, new Set(['elst'])), 'elst');
  const { reader, version } = versioned(buf, elst);
  const count = reader.u32();
  reader.expectEntries(count, version ? 20 : 12);
  if (count === 0) return null;
  if (count > 1) unsupported('an edit list of several edits');
  const segmentDuration = version ? reader.u64() : reader.u32();
  const mediaTime = version ? reader.i64() : reader.i32();
  const rate = reader.u32();
  if (mediaTime < 0) unsupported('an empty edit (delayed start)');
  if (rate !== 0x00010000) unsupported('an edit at another rate');
  return { segmentDuration, mediaTime };
}

/** Every data reference must say "in this file" (flag 1): samples elsewhere cannot be copied. */
function assertSelfContained(buf: Buffer, dinf: BoxHeader | null): void {
  if (!dinf) unsupported('no dinf');
  const dref = required(children(buf, dinf, new Set(['dref'])), 'dref');
  const reader = FieldReader.body(buf, dref);
  reader.skip(4);
  const count = reader.u32();
  const entries = childBoxes(buf, reader.position, dref.start + dref.size, 16);
  if (count !== entries.length || count === 0) unsupported('dref count');
  for (const entry of entries) {
    const flags = FieldReader.body(buf, entry).u32() & 0xffffff;
    if (!['url ', 'urn ', 'alis'].includes(entry.type) || !(flags & 1)) unsupported('sample data in another file');
  }
}

function readTrack(buf: Buffer, trak: BoxHeader): Track {
  const boxes = children(buf, trak, TRAK_CHILDREN);
  const header = readTrackHeader(buf, required(boxes, 'tkhd'));
  const edit = readEdit(buf, one(boxes, 'edts'));
  const mdiaBoxes = children(buf, required(boxes, 'mdia'), MDIA_CHILDREN);
  const media = readMediaHeader(buf, required(mdiaBoxes, 'mdhd'));
  const handler = readHandler(buf, required(mdiaBoxes, 'hdlr'));
  const track: Track = {
    handler,
    header,
    timescale: media.timescale,
    mediaDuration: media.duration,
    language: media.language,
    edit,
    description: null,
    tables: null,
  };
  if (handler !== 'vide' && handler !== 'soun') return track;
  const minf = children(buf, required(mdiaBoxes, 'minf'), MINF_CHILDREN);
  assertSelfContained(buf, one(minf, 'dinf'));
  const stbl = children(buf, required(minf, 'stbl'), STBL_CHILDREN);
  const sizes = [one(stbl, 'stsz'), one(stbl, 'stz2')].filter((b): b is BoxHeader => b !== null);
  const offsets = [one(stbl, 'stco'), one(stbl, 'co64')].filter((b): b is BoxHeader => b !== null);
  if (sizes.length !== 1 || offsets.length !== 1) unsupported('sample sizes or chunk offsets missing or doubled');
  track.description = readSampleDescription(buf, required(stbl, 'stsd'), handler);
  track.tables = {
    stts: required(stbl, 'stts'),
    ctts: one(stbl, 'ctts'),
    stss: one(stbl, 'stss'),
    stsc: required(stbl, 'stsc'),
    sizes: sizes[0]!,
    offsets: offsets[0]!,
  };
  return track;
}

/** `moov` (the whole box, header included) → Movie. */
export function readMovie(moov: Buffer): Movie {
  const root: BoxHeader = {
    type: 'moov',
    start: 0,
    headerSize: moov.readUInt32BE(0) === 1 ? 16 : 8,
    size: moov.length,
  };
  if (moov.length >= 8 && moov.toString('latin1', 4, 8) !== 'moov') unsupported('not a moov box');
  const found = new Map<string, BoxHeader[]>();
  for (const child of childBoxes(moov, root.headerSize, moov.length)) {
    if (child.type === 'mvex') unsupported('fragmented MP4');
    if (child.type === 'cmov') unsupported('compressed moov');
    if (!MOOV_CHILDREN.has(child.type)) unsupported(`"${child.type}" inside moov`);
    found.set(child.type, [...(found.get(child.type) ?? []), child]);
  }
  const header = readMovieHeader(moov, required(found, 'mvhd'));
  const tracks = (found.get('trak') ?? []).map((trak) => readTrack(moov, trak));
  if (tracks.length === 0) unsupported('no tracks');
  const userData = [...(found.get('udta') ?? []), ...(found.get('meta') ?? [])].map((b) =>
    moov.subarray(b.start, b.start + b.size),
  );
  return { ...header, tracks, buf: moov, userData };
}

/** True when the movie's metadata holds cover art (ffprobe counts each picture as a stream). */
export function hasCoverArt(movie: Movie): boolean {
  return movie.userData.some((box) => box.includes('covr', 0, 'latin1'));
}
