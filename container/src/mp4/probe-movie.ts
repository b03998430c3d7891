/**
 * What ffprobe would report about an H.264 MP4's video, read in-process from the movie the
 * processor already parsed: the codec parameters a smart cut's encoder must match (profile, level,
 * pixel format, colour description, frame coding) from the sequence parameter set in `avcC`, the
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
import { descriptionAvcC, parseAvcC } from './avcc.ts';
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

/** The decoder's output pixel format (libavcodec's choice) for the common cases. */
function pixelFormat(sps: H264Sps): string {
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

/** The sequence parameter sets in an H.264 track's `avcC`, in order. */
export function trackSps(stsd: Buffer): H264Sps[] {
  const avcC = descriptionAvcC(stsd);
  if (!avcC || avcC.length < 7) return unsupported('no avcC');
  const { sps } = parseAvcC(avcC);
  if (sps.length === 0) unsupported('an avcC without a sequence parameter set');
  return sps.map(parseSps);
}

/** ffprobe's fields for an H.264 video stream, from its SPS and sample entry. */
export function h264StreamFields(sps: H264Sps, stsd: Buffer): RawStream {
  if (!sps.frameMbsOnly) unsupported('a stream that may code fields');
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
  // ffprobe leaves unspecified values out of its JSON.
  const colour = sps.colour;
  const known = (table: Record<number, string>, value: number | undefined, what: string) =>
    value === undefined || value === 2 ? {} : { [what]: named(table, value, what) };
  return {
    index: 0,
    codec_type: 'video',
    codec_name: 'h264',
    profile: h264ProfileName(sps),
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
 * parameters (from `sps`, by default the first in `avcC`), rotation and timing, the audio stream's
 * presence and codec, the container's duration and size. No packet listing (the in-process stage
 * has the sample tables).
 */
export function probeMovie(gated: GatedMovie & { fileSize: number }, sps?: H264Sps): MediaInfo {
  const { movie, video, audio } = gated;
  if (video?.entry.codec !== 'h264') return unsupported('not an H.264 video track');
  const stsd = video.track.description!.raw;
  const rotation = matrixRotation(video.track.header.matrix);
  const fields = h264StreamFields(sps ?? trackSps(stsd)[0]!, stsd);
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
