/**
 * The ffprobe gate. Every operation probes its inputs first (reading headers only, with the same
 * whitelists as ffmpeg) and refuses, before any decode, media that is not media, that is truncated,
 * or that is over the limits: duration, dimensions, pixel count, stream count, codec allow-list.
 */
import { ProcessorFailure } from '../errors.ts';
import type { Limits } from '../config.ts';
import { requireBinary } from './binaries.ts';
import { classifyFailure, inputArgs, type InputSource } from './ffmpeg.ts';
import { runProcess } from './run-process.ts';

export const ALLOWED_VIDEO_CODECS = new Set([
  'h264',
  'hevc',
  'vp8',
  'vp9',
  'av1',
  'mpeg4',
  'mpeg2video',
  'prores',
  'mjpeg',
]);
export const ALLOWED_AUDIO_CODECS = new Set([
  'aac',
  'mp3',
  'mp2',
  'opus',
  'vorbis',
  'flac',
  'alac',
  'ac3',
  'eac3',
  'pcm_s16le',
  'pcm_s16be',
  'pcm_s24le',
  'pcm_s32le',
  'pcm_f32le',
  'pcm_u8',
]);
/** Cover art and other still pictures attached to audio files. */
const ALLOWED_PICTURE_CODECS = new Set(['mjpeg', 'png']);

export interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  coded_width?: number;
  coded_height?: number;
  pix_fmt?: string;
  field_order?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  bit_rate?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  has_b_frames?: number;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

export interface RawPacket {
  codec_type?: string;
  stream_index: number;
  pts?: number;
  pts_time?: string;
  dts?: number;
  dts_time?: string;
  duration_time?: string;
  size?: string;
  pos?: string;
  flags?: string;
}

interface RawProbe {
  format?: {
    format_name?: string;
    duration?: string;
    start_time?: string;
    size?: string;
    bit_rate?: string;
    nb_streams?: number;
  };
  streams?: RawStream[];
  packets?: RawPacket[];
}

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  level: number | null;
  codedWidth: number;
  codedHeight: number;
  /** Display size: rotation applied. */
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270;
  fps: number;
  /** Exact frame rate as "num/den". */
  frameRate: string;
  timeBase: string;
  pixelFormat: string | null;
  fieldOrder: string | null;
  bitRate: number | null;
  hasBFrames: number;
  color: { range?: string; space?: string; transfer?: string; primaries?: string };
  raw: RawStream;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  bitRate: number | null;
}

export interface MediaInfo {
  formatName: string;
  /** Seconds, from the container (or the longest stream). */
  duration: number;
  startTime: number;
  sizeBytes: number | null;
  bitRate: number | null;
  streamCount: number;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  packets: RawPacket[];
}

const num = (v: string | number | undefined): number | null => {
  if (v === undefined || v === 'N/A') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [a, b] = rate.split('/').map(Number);
  if (!a || !b || !Number.isFinite(a) || !Number.isFinite(b)) return 0;
  return a / b;
}

/** Clockwise degrees a player turns the coded picture (the old `rotate` tag's convention). */
function rotationOf(stream: RawStream): 0 | 90 | 180 | 270 {
  const matrix = stream.side_data_list?.find(
    (s) => s.side_data_type === 'Display Matrix' && typeof s.rotation === 'number',
  );
  const degrees = matrix ? -(matrix.rotation ?? 0) : Number(stream.tags?.rotate ?? 0);
  const normalised = (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
  return normalised as 0 | 90 | 180 | 270;
}

function isPicture(stream: RawStream): boolean {
  return stream.codec_type === 'video' && stream.disposition?.attached_pic === 1;
}

export function parseProbe(raw: RawProbe): MediaInfo {
  const streams = raw.streams ?? [];
  const format = raw.format;
  if (!format || streams.length === 0) throw new ProcessorFailure('invalid_media', 'The input has no media streams');
  const videoRaw = streams.find((s) => s.codec_type === 'video' && !isPicture(s)) ?? null;
  const audioRaw = streams.find((s) => s.codec_type === 'audio') ?? null;
  let video: VideoStreamInfo | null = null;
  if (videoRaw) {
    const rotation = rotationOf(videoRaw);
    const codedWidth = videoRaw.width ?? 0;
    const codedHeight = videoRaw.height ?? 0;
    const swap = rotation === 90 || rotation === 270;
    const frameRate =
      videoRaw.avg_frame_rate && parseRate(videoRaw.avg_frame_rate) > 0
        ? videoRaw.avg_frame_rate
        : (videoRaw.r_frame_rate ?? '0/1');
    video = {
      index: videoRaw.index,
      codec: videoRaw.codec_name ?? 'unknown',
      profile: videoRaw.profile ?? null,
      level: videoRaw.level ?? null,
      codedWidth,
      codedHeight,
      width: swap ? codedHeight : codedWidth,
      height: swap ? codedWidth : codedHeight,
      rotation,
      fps: parseRate(frameRate),
      frameRate,
      timeBase: videoRaw.time_base ?? '1/90000',
      pixelFormat: videoRaw.pix_fmt ?? null,
      fieldOrder: videoRaw.field_order ?? null,
      bitRate: num(videoRaw.bit_rate),
      hasBFrames: videoRaw.has_b_frames ?? 0,
      color: {
        range: videoRaw.color_range,
        space: videoRaw.color_space,
        transfer: videoRaw.color_transfer,
        primaries: videoRaw.color_primaries,
      },
      raw: videoRaw,
    };
  }
  const audio: AudioStreamInfo | null = audioRaw
    ? {
        index: audioRaw.index,
        codec: audioRaw.codec_name ?? 'unknown',
        sampleRate: num(audioRaw.sample_rate) ?? 0,
        channels: audioRaw.channels ?? 0,
        bitRate: num(audioRaw.bit_rate),
      }
    : null;
  const streamDurations = streams.map((s) => num(s.duration) ?? 0);
  const duration = num(format.duration) ?? Math.max(0, ...streamDurations);
  return {
    formatName: format.format_name ?? 'unknown',
    duration,
    startTime: num(format.start_time) ?? 0,
    sizeBytes: num(format.size),
    bitRate: num(format.bit_rate),
    streamCount: streams.length,
    video,
    audio,
    packets: raw.packets ?? [],
  };
}

export interface GateRequirements {
  video?: boolean;
  audio?: boolean;
}

/** Throws the matching failure when the media must not be processed. */
export function gate(info: MediaInfo, raw: RawProbe, limits: Limits, needs: GateRequirements = {}): void {
  const streams = raw.streams ?? [];
  if (!Number.isFinite(info.duration) || info.duration <= 0) {
    throw new ProcessorFailure('invalid_media', 'The input has no duration (not a media file, or empty)');
  }
  if (info.duration > limits.maxInputDurationSeconds) {
    throw new ProcessorFailure(
      'limits_exceeded',
      `The input lasts ${Math.round(info.duration)} s; the limit is ${limits.maxInputDurationSeconds} s`,
    );
  }
  if (info.streamCount > limits.maxStreams) {
    throw new ProcessorFailure(
      'limits_exceeded',
      `The input has ${info.streamCount} streams; the limit is ${limits.maxStreams}`,
    );
  }
  for (const stream of streams) {
    if (stream.codec_type !== 'video') continue;
    const w = stream.width ?? 0;
    const h = stream.height ?? 0;
    if (w > limits.maxWidth || h > limits.maxHeight || w * h > limits.maxPixels) {
      throw new ProcessorFailure(
        'limits_exceeded',
        `The input picture is ${w}×${h}; the limit is ${limits.maxWidth}×${limits.maxHeight} and ${limits.maxPixels} pixels`,
      );
    }
  }
  for (const stream of streams) {
    const codec = stream.codec_name ?? 'unknown';
    if (stream.codec_type === 'video') {
      const allowed = isPicture(stream) ? ALLOWED_PICTURE_CODECS : ALLOWED_VIDEO_CODECS;
      if (!allowed.has(codec))
        throw new ProcessorFailure('unsupported_codec', `Video codec "${codec}" is not supported`);
      if (!isPicture(stream) && (!stream.width || !stream.height)) {
        throw new ProcessorFailure('invalid_media', 'The video stream has no picture size (corrupt header)');
      }
    } else if (stream.codec_type === 'audio') {
      if (!ALLOWED_AUDIO_CODECS.has(codec))
        throw new ProcessorFailure('unsupported_codec', `Audio codec "${codec}" is not supported`);
    }
  }
  assertNotTruncated(info, streams);
  if (needs.video && !info.video) throw new ProcessorFailure('no_video_stream', 'The input has no video stream');
  if (needs.audio && !info.audio) throw new ProcessorFailure('no_audio_stream', 'The input has no audio stream');
}

/**
 * MP4/MOV headers list every sample's size, and ffprobe reports per-stream bit rates computed from
 * that index. When the samples add up to more bytes than the file has, its tail is missing: a
 * truncated upload whose header (moov first) still parses.
 */
function assertNotTruncated(info: MediaInfo, streams: RawStream[]): void {
  if (!info.formatName.startsWith('mov') || info.sizeBytes === null) return;
  let indexedBytes = 0;
  for (const stream of streams) {
    const rate = num(stream.bit_rate);
    const duration = num(stream.duration);
    if (rate !== null && duration !== null) indexedBytes += (rate * duration) / 8;
  }
  // An intact file holds its samples plus headers, so its size exceeds what the index lists.
  if (indexedBytes > info.sizeBytes * 1.005 + 1024) {
    throw new ProcessorFailure(
      'invalid_media',
      'The input is truncated: its index lists more data than the file holds',
    );
  }
}

export interface ProbeOptions {
  limits: Limits;
  timeoutMs: number;
  signal?: AbortSignal;
  needs?: GateRequirements;
  /** Also list the first packets after seeking here (seconds from the media's start). */
  packetsFrom?: { time: number; count: number };
  /** Also list every packet of the first video stream (local files only: it reads all data). */
  allVideoPackets?: boolean;
}

export interface ProbedMedia {
  info: MediaInfo;
  raw: RawProbe;
}

/** ffprobe the input with the processor's whitelists, then gate it. */
export async function probeMedia(source: InputSource, options: ProbeOptions): Promise<ProbedMedia> {
  const args = ['-hide_banner', '-loglevel', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (options.packetsFrom) {
    const seek = options.packetsFrom.time > 0 ? options.packetsFrom.time.toFixed(6) : '';
    args.push('-show_packets', '-read_intervals', `${seek}%+#${options.packetsFrom.count}`);
  } else if (options.allVideoPackets) {
    // -select_streams would also hide the other streams from -show_streams; callers filter packets.
    args.push('-show_packets');
  }
  const inputs = inputArgs(source, options.limits);
  const result = await runProcess(requireBinary('ffprobe'), [...args, ...inputs], {
    timeoutMs: Math.min(options.timeoutMs, options.allVideoPackets ? options.timeoutMs : 120_000),
    signal: options.signal,
    maxStdoutBytes: 256 * 1024 * 1024,
  });
  if (result.exitCode !== 0) throw classifyFailure(result.stderr, 'invalid_media');
  // ffprobe still exits 0 when the first frame would not decode: a picture too large to allocate.
  if (/Picture size \d+x\d+ is invalid|exceeds specified max pixel count/i.test(result.stderr)) {
    throw new ProcessorFailure('limits_exceeded', 'The input claims a picture larger than the processor accepts');
  }
  let raw: RawProbe;
  try {
    raw = JSON.parse(result.stdout.toString('utf8')) as RawProbe;
  } catch {
    throw new ProcessorFailure('invalid_media', 'The input could not be probed');
  }
  const info = parseProbe(raw);
  gate(info, raw, options.limits, options.needs);
  return { info, raw };
}

/** Probes a file the processor wrote itself (an output or intermediate): no gate, local file only. */
export async function inspectOutput(
  path: string,
  options: { timeoutMs: number; signal?: AbortSignal; packets?: boolean },
): Promise<MediaInfo> {
  const args = ['-hide_banner', '-loglevel', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (options.packets) args.push('-show_packets');
  const result = await runProcess(requireBinary('ffprobe'), [...args, '-protocol_whitelist', 'file', '-i', path], {
    timeoutMs: Math.min(options.timeoutMs, 120_000),
    signal: options.signal,
    maxStdoutBytes: 256 * 1024 * 1024,
  });
  if (result.exitCode !== 0) throw new ProcessorFailure('internal', 'Could not read back an intermediate file');
  return parseProbe(JSON.parse(result.stdout.toString('utf8')) as RawProbe);
}
