/**
 * The one sample description of a video or audio track (`stsd`), recognised just enough to gate it
 * and to name its codec the way ffprobe does. Its bytes are copied into outputs as they are, so the
 * decoder configuration (avcC/hvcC, esds, dOps, colr, pasp…) travels untouched.
 */
import { type BoxHeader, childBoxes, FieldReader, readBoxHeader } from './box.ts';
import { box, Fields, fullBox } from './box-writer.ts';
import { unsupported } from './unsupported.ts';

export type VideoCodec = 'h264' | 'hevc';
export type AudioCodec = 'aac' | 'mp3' | 'opus';

export interface VideoEntry {
  kind: 'video';
  format: string;
  codec: VideoCodec;
  /** Coded picture size the entry declares. */
  width: number;
  height: number;
}

export interface AudioEntry {
  kind: 'audio';
  format: string;
  codec: AudioCodec;
  channels: number;
  /** From the entry (16.16; the media timescale is the better rate for AAC). */
  sampleRate: number;
  /** The decoder configuration (AAC: AudioSpecificConfig), when the entry carries one. */
  decoderConfig: Buffer | null;
}

export interface SampleDescription {
  /** The whole `stsd` box, header included: written to outputs byte for byte. */
  raw: Buffer;
  entry: VideoEntry | AudioEntry;
}

const VIDEO_FORMATS: Record<string, { codec: VideoCodec; config: string }> = {
  avc1: { codec: 'h264', config: 'avcC' },
  avc3: { codec: 'h264', config: 'avcC' },
  hvc1: { codec: 'hevc', config: 'hvcC' },
  hev1: { codec: 'hevc', config: 'hvcC' },
};

/** MPEG-4 objectTypeIndication → codec (ffmpeg's mapping for the ones the processor accepts). */
const OBJECT_TYPES: Record<number, AudioCodec> = {
  64: 'aac',
  102: 'aac',
  103: 'aac',
  104: 'aac',
  105: 'mp3',
  107: 'mp3',
};

/** Fixed fields of a VisualSampleEntry / (version 0) AudioSampleEntry before their child boxes. */
const VISUAL_ENTRY_FIELDS = 78;
const AUDIO_ENTRY_FIELDS = 28;

/** An MPEG-4 descriptor length: 1–4 bytes, 7 bits each. */
function descriptorLength(reader: FieldReader): number {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const byte = reader.u8();
    length = (length << 7) | (byte & 0x7f);
    if (!(byte & 0x80)) return length;
  }
  return unsupported('a descriptor length over 4 bytes');
}

/** objectTypeIndication and DecoderSpecificInfo from an `esds` box (ES_Descriptor › DecoderConfigDescriptor). */
function readEsds(buf: Buffer, esds: BoxHeader): { objectType: number; specificInfo: Buffer | null } {
  const reader = FieldReader.body(buf, esds);
  if (reader.u32() !== 0) unsupported('esds version');
  if (reader.u8() !== 0x03) unsupported('esds without an ES descriptor');
  descriptorLength(reader);
  reader.u16();
  const flags = reader.u8();
  if (flags & 0x80) reader.u16();
  if (flags & 0x40) reader.skip(reader.u8());
  if (flags & 0x20) reader.u16();
  if (reader.u8() !== 0x04) unsupported('esds without a decoder config');
  descriptorLength(reader);
  const objectType = reader.u8();
  reader.skip(12); // stream type, buffer size, max and average bit rate
  if (reader.remaining() < 2 || reader.u8() !== 0x05) return { objectType, specificInfo: null };
  const length = descriptorLength(reader);
  return { objectType, specificInfo: reader.bytes(Math.min(length, reader.remaining())) };
}

function childTypes(buf: Buffer, from: number, to: number): Map<string, BoxHeader> {
  const children = new Map<string, BoxHeader>();
  for (const child of childBoxes(buf, from, to, 64)) if (!children.has(child.type)) children.set(child.type, child);
  return children;
}

/** The boxes in QuickTime's `wave` (frma, a format atom, esds…), which ends with an all-zero terminator. */
function waveChildren(buf: Buffer, wave: BoxHeader): Map<string, BoxHeader> {
  const children = new Map<string, BoxHeader>();
  const end = wave.start + wave.size;
  for (let at = wave.start + wave.headerSize, count = 0; at + 8 <= end && count < 64; count++) {
    if (buf.readUInt32BE(at + 4) === 0) break;
    const child = readBoxHeader(buf, at, end);
    if (!children.has(child.type)) children.set(child.type, child);
    at += child.size;
  }
  return children;
}

/** Extra fixed bytes of QuickTime sound description versions 1 and 2 after the version 0 fields. */
const QUICKTIME_SOUND_EXTRA = [0, 16, 36];

/**
 * A QuickTime version 1/2 sound description as the ISO version 0 `stsd` outputs carry (what ffmpeg
 * writes when it remuxes a movie to MP4): the same format, channels and rate, and the decoder
 * configuration box (`esds`, `dOps`) moved out of `wave`. Rates above 65535 Hz do not fit version 0.
 */
function isoSoundDescription(
  buf: Buffer,
  entryBox: BoxHeader,
  channels: number,
  sampleRate: number,
  configs: (BoxHeader | undefined)[],
): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffff || channels < 1 || channels > 0xffff)
    unsupported('a QuickTime sound description ISO cannot state');
  const fields = new Fields()
    .zeros(6)
    .u16(1)
    .zeros(8)
    .u16(channels)
    .u16(16)
    .u16(0)
    .u16(0)
    .u32(sampleRate * 65536)
    .done();
  const children = configs
    .filter((c): c is BoxHeader => c !== undefined)
    .map((c) => buf.subarray(c.start, c.start + c.size));
  return fullBox('stsd', 0, 0, new Fields().u32(1).done(), box(entryBox.type, fields, ...children));
}

/** Parses `stsd` of a track with the given handler ('vide' | 'soun'). */
export function readSampleDescription(buf: Buffer, stsd: BoxHeader, handler: 'vide' | 'soun'): SampleDescription {
  const reader = FieldReader.body(buf, stsd);
  if (reader.u32() !== 0) unsupported('stsd version');
  if (reader.u32() !== 1) unsupported('more than one sample description');
  const entryStart = reader.position;
  const [entryBox] = childBoxes(buf, entryStart, stsd.start + stsd.size, 1);
  if (!entryBox) unsupported('empty stsd');
  const raw = buf.subarray(stsd.start, stsd.start + stsd.size);
  const entry = FieldReader.body(buf, entryBox);
  entry.skip(6);
  if (entry.u16() !== 1) unsupported('sample data in another file (data reference)');
  const bodyEnd = entryBox.start + entryBox.size;
  if (handler === 'vide') {
    const format = VIDEO_FORMATS[entryBox.type];
    if (!format) unsupported(`video format "${entryBox.type}"`);
    entry.skip(16);
    const width = entry.u16();
    const height = entry.u16();
    entry.skip(VISUAL_ENTRY_FIELDS - 8 - 16 - 4);
    if (!childTypes(buf, entry.position, bodyEnd).has(format.config))
      unsupported(`${entryBox.type} without ${format.config}`);
    return { raw, entry: { kind: 'video', format: entryBox.type, codec: format.codec, width, height } };
  }
  // QuickTime movies may use sound description version 1 (16 more bytes) or 2 (36 more, with the
  // rate as a double): read, then rewritten below as the ISO version 0 entry outputs carry.
  const version = entry.u16();
  if (version > 2) unsupported(`QuickTime sound description version ${version}`);
  entry.skip(6);
  let channels = entry.u16();
  entry.skip(6);
  let sampleRate = entry.u32() / 65536;
  if (version === 1) entry.skip(16);
  if (version === 2) {
    entry.skip(4);
    sampleRate = buf.readDoubleBE(entry.position);
    entry.skip(8);
    channels = entry.u32();
    entry.skip(20);
  }
  if (entry.position !== entryBox.start + entryBox.headerSize + AUDIO_ENTRY_FIELDS + QUICKTIME_SOUND_EXTRA[version]!)
    unsupported('audio sample entry layout');
  const children = childTypes(buf, entry.position, bodyEnd);
  // QuickTime keeps the decoder configuration inside a `wave` box.
  const wave = children.get('wave');
  const inWave = wave ? waveChildren(buf, wave) : new Map<string, BoxHeader>();
  let codec: AudioCodec | undefined;
  let decoderConfig: Buffer | null = null;
  if (entryBox.type === 'mp4a') {
    const esds = children.get('esds') ?? inWave.get('esds');
    if (!esds) unsupported('mp4a without esds');
    const { objectType, specificInfo } = readEsds(buf, esds);
    codec = OBJECT_TYPES[objectType];
    decoderConfig = specificInfo;
  } else if (entryBox.type === '.mp3') {
    codec = 'mp3';
  } else if (entryBox.type === 'Opus' && children.has('dOps')) {
    codec = 'opus';
  }
  if (!codec) unsupported(`audio format "${entryBox.type}"`);
  const iso =
    version === 0
      ? raw
      : isoSoundDescription(buf, entryBox, channels, sampleRate, [
          children.get('esds') ?? inWave.get('esds'),
          children.get('dOps'),
        ]);
  return { raw: iso, entry: { kind: 'audio', format: entryBox.type, codec, channels, sampleRate, decoderConfig } };
}
