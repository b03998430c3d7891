/**
 * What ffprobe would report about an H.264/H.265 MP4's video, read in-process from the movie the
 * processor already parsed: the codec parameters a smart cut's encoder must match (profile, level,
 * pixel format, colour description, frame coding) from the sequence parameter set in `avcC`/`hvcC`, the
 * rotation from the track's display matrix, and the stream's timing from its sample table. The
 * answer is ffprobe's own JSON shape, read by the same `parseProbe`, so both paths give one
 * `MediaInfo`. Where ffprobe's answer depends on rules this module does not model (a `colr` box
 * that says more than the stream, interlacing, unusual chroma formats or bit depths, colour values
 * outside the usual ones), it is `Mp4Unsupported` and the caller runs ffprobe.
 */
import { type MediaInfo, parseProbe, type RawStream } from '../media/probe.ts';
import { childBoxes, FieldReader } from './box.ts';
import { matrixRotation } from './display-matrix.ts';
import type { GatedMovie } from './gate.ts';
import { type H264Sps, parseSps } from './h264-sps.ts';
import { descriptionAvcC, descriptionConfig, parseAvcC } from './avcc.ts';
import { HEVC_SPS, type HevcSps, hvcUnits, parseHevcSps, parseHvcC } from './hevc.ts';
import { rescale } from './rescale.ts';
import { unsupported } from './unsupported.ts';

/** libavutil's names for the H.273 code points the processor meets (2, unspecified, is left out). */
const PRIMARIES: Record<number, string> = {
  1: 'bt709',
  4: 'bt470m',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'film',
  9: 'bt2020',
};
const TRANSFERS: Record<number, string> = {
  1: 'bt709',
  4: 'bt470m',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'linear',
  11: 'iec61966-2-4',
  13: 'iec61966-2-1',
  14: 'bt2020-10',
  15: 'bt2020-12',
  16: 'smpte2084',
  18: 'arib-std-b67',
};
const MATRICES: Record<number, string> = {
  1: 'bt709',
  4: 'fcc',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  9: 'bt2020nc',
  10: 'bt2020c',
};

const named = (table: Record<number, string>, value: number, what: string): string =>
  table[value] ?? unsupported(`${what} ${value}`);

/** libavcodec's profile name for an SPS (profile_idc with the constraint flags it distinguishes). */
export function h264ProfileName(sps: Pick<H264Sps, 'profileIdc' | 'constraintFlags'>): string {
  const set = (n: number) => (sps.constraintFlags >> (7 - n)) & 1;
  switch (sps.profileIdc) {
    case 66:
      return set(1) ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      return 'High';
    case 110:
      return set(3) ? 'High 10 Intra' : 'High 10';
    case 122:
      return set(3) ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 244:
      return set(3) ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    default:
      return unsupported(`H.264 profile_idc ${sps.profileIdc}`);
  }
}

/** The decoder's output pixel format (libavcodec's choice, the same for both codecs) for the common cases. */
function pixelFormat(
  sps: Pick<H264Sps, 'bitDepthLuma' | 'bitDepthChroma' | 'chromaFormatIdc'> & { fullRange: boolean | null },
): string {
  if (sps.bitDepthLuma !== sps.bitDepthChroma) unsupported('luma and chroma of different bit depths');
  const sampling = { 1: '420', 2: '422' }[sps.chromaFormatIdc] ?? unsupported(`chroma format ${sps.chromaFormatIdc}`);
  if (sps.bitDepthLuma === 8) return `yuv${sps.fullRange ? 'j' : ''}${sampling}p`;
  if (sps.bitDepthLuma === 10) return `yuv${sampling}p10le`;
  return unsupported(`${sps.bitDepthLuma}-bit video`);
}

/** The sample entry's `colr` box, when it has one: nclx/nclc values, or 'other' for an ICC profile. */
function colourBox(
  stsd: Buffer,
): { primaries: number; transfer: number; matrix: number; fullRange: boolean | null } | 'other' | null {
  // stsd: box header (8), version/flags and entry count (8); the entry's 78 bytes of fields.
  const [entry] = childBoxes(stsd, 16, stsd.length, 1);
  if (!entry) return unsupported('empty stsd');
  const colr = childBoxes(stsd, entry.start + entry.headerSize + 78, entry.start + entry.size, 64).find(
    (b) => b.type === 'colr',
  );
  if (!colr) return null;
  const reader = FieldReader.body(stsd, colr);
  const kind = reader.fourcc();
  if (kind !== 'nclx' && kind !== 'nclc') return 'other';
  const values = { primaries: reader.u16(), transfer: reader.u16(), matrix: reader.u16() };
  return { ...values, fullRange: kind === 'nclx' ? (reader.u8() & 0x80) !== 0 : null };
}

/** libavcodec's profile name for an H.265 SPS. */
export function hevcProfileName(sps: Pick<HevcSps, 'profileIdc'>): string {
  const name = { 1: 'Main', 2: 'Main 10', 3: 'Main Still Picture', 4: 'Rext' }[sps.profileIdc];
  return name ?? unsupported(`H.265 general_profile_idc ${sps.profileIdc}`);
}

/** A sequence parameter set of either codec. */
export type VideoSps = { codec: 'h264'; sps: H264Sps } | { codec: 'hevc'; sps: HevcSps };

/** The sequence parameter sets in a track's decoder configuration (avcC, hvcC), in order. */
export function trackSps(stsd: Buffer): VideoSps[] {
  const config = descriptionConfig(stsd);
  if (!config) return unsupported('no decoder configuration');
  const sets: VideoSps[] = descriptionAvcC(stsd)
    ? parseAvcC(config).sps.map((nal) => ({ codec: 'h264', sps: parseSps(nal) }))
    : hvcUnits(parseHvcC(config), HEVC_SPS).map((nal) => ({ codec: 'hevc', sps: parseHevcSps(nal) }));
  if (sets.length === 0) unsupported('a decoder configuration without a sequence parameter set');
  return sets;
}

/** ffprobe's fields for a video stream, from an SPS and the sample entry. */
export function streamFields(set: VideoSps, stsd: Buffer): RawStream {
  const { sps } = set;
  if (set.codec === 'h264' ? !set.sps.frameMbsOnly : set.sps.fields) unsupported('a stream that may code fields');
  const colr = colourBox(stsd);
  if (colr === 'other') unsupported('an ICC colour profile');
  if (colr) {
    // The container's description and the stream's: the decoder lets the stream's win. Only when
    // they agree is ffprobe's answer certain here.
    const agrees =
      sps.colour !== null &&
      sps.colour.primaries === colr.primaries &&
      sps.colour.transfer === colr.transfer &&
      sps.colour.matrix === colr.matrix &&
      (colr.fullRange === null || colr.fullRange === sps.fullRange);
    if (!agrees) unsupported('a colr box the stream does not repeat');
  }
  // ffprobe leaves unspecified values out of its JSON; H.265's decoder always states a range.
  const colour = sps.colour;
  const known = (table: Record<number, string>, value: number | undefined, what: string) =>
    value === undefined || value === 2 ? {} : { [what]: named(table, value, what) };
  return {
    index: 0,
    codec_type: 'video',
    codec_name: set.codec,
    profile: set.codec === 'h264' ? h264ProfileName(set.sps) : hevcProfileName(set.sps),
    level: sps.levelIdc,
    width: sps.width,
    height: sps.height,
    pix_fmt: pixelFormat(sps),
    field_order: 'progressive',
    ...(sps.fullRange === null ? {} : { color_range: sps.fullRange ? 'pc' : 'tv' }),
    ...known(MATRICES, colour?.matrix, 'color_space'),
    ...known(TRANSFERS, colour?.transfer, 'color_transfer'),
    ...known(PRIMARIES, colour?.primaries, 'color_primaries'),
  };
}

/**
 * A movie as ffprobe would describe it, for what a smart cut reads: the video stream's codec
 * parameters (from `sps`, by default the first in `avcC`/`hvcC`), rotation and timing, the audio stream's
 * presence and codec, the container's duration and size. No packet listing (the in-process stage
 * has the sample tables).
 */
export function probeMovie(gated: GatedMovie & { fileSize: number }, sps?: VideoSps): MediaInfo {
  const { movie, video, audio } = gated;
  if (!video) return unsupported('no video track');
  const stsd = video.track.description!.raw;
  const rotation = matrixRotation(video.track.header.matrix);
  const fields = streamFields(sps ?? trackSps(stsd)[0]!, stsd);
  const timescale = video.track.timescale;
  // ffprobe's stream duration: the edit's, when the track has one.
  const edit = video.track.edit;
  const ticks = edit
    ? rescale(edit.segmentDuration, timescale, movie.timescale)
    : video.samples.end - video.samples.dts[0]!;
  const streams: RawStream[] = [
    {
      ...fields,
      index: movie.tracks.indexOf(video.track),
      time_base: `1/${timescale}`,
      nb_frames: String(video.samples.count),
      duration: String(ticks / timescale),
      ...(rotation ? { side_data_list: [{ side_data_type: 'Display Matrix', rotation: -rotation }] } : {}),
    },
  ];
  if (audio) {
    streams.push({
      index: movie.tracks.indexOf(audio.track),
      codec_type: 'audio',
      codec_name: audio.entry.codec,
      channels: audio.entry.channels,
    });
  }
  return parseProbe({
    format: {
      format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
      duration: String(gated.duration),
      start_time: '0',
      size: String(gated.fileSize),
      nb_streams: movie.tracks.length,
    },
    streams,
  });
}
