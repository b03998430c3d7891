/**
 * How ffmpeg is run. Every input goes through `inputArgs`, which pins what the demuxer may do:
 * - `-protocol_whitelist`: http (+tcp under it) for the Worker's signed URLs, which ffmpeg reads
 *   through the processor's loopback range gateway; `file` only for files this process wrote into its
 *   own temp dir. A playlist that points at `file:` or another protocol is refused by ffmpeg itself.
 * - `-format_whitelist`: real media demuxers only. No hls, dash, concat/ffconcat, image2 sequences,
 *   subtitles or other "container of URLs" formats, even when a file is named .mp4.
 * - `-max_pixels`: decoders refuse frames larger than the processor's limit (decode bombs).
 * Plus `-nostdin`, `-hide_banner`, a read/write timeout on network inputs, and stderr mapped to codes.
 */
import { ProcessorFailure } from '../errors.ts';
import type { ProcessorErrorCode } from '../../../shared/processor/errors.ts';
import { requireBinary } from './binaries.ts';
import { runProcess, type RunResult } from './run-process.ts';

/** Demuxers a user's media may be read with (names as ffmpeg reports them). */
export const MEDIA_DEMUXERS = [
  'mov',
  'mp4',
  'm4a',
  '3gp',
  'matroska',
  'webm',
  'mp3',
  'wav',
  'ogg',
  'flac',
  'aac',
  'avi',
  'mpegts',
] as const;

/**
 * Where a processor input comes from: a URL the Worker signed (handed to ffmpeg as its loopback
 * gateway URL), or a file this op wrote itself.
 */
export type InputSource =
  | { kind: 'url'; url: string }
  | { kind: 'local'; path: string; formats?: readonly string[] }
  /** An MP4 the processor itself writes to ffmpeg's stdin (media/mp4-mute.ts). */
  | { kind: 'stdin-mp4' };

export interface InputLimits {
  maxPixels: number;
}

/** URL inputs reach ffmpeg through the loopback range gateway (range-gateway.ts): plain http. */
const NETWORK_PROTOCOLS = 'http,tcp';
/** 60 s without a byte fails the read (microseconds). */
const NETWORK_RW_TIMEOUT_US = '60000000';

/** Options that must precede `-i` for one input, then `-i` itself. `before` carries -ss/-t etc. */
export function inputArgs(source: InputSource, limits: InputLimits, before: readonly string[] = []): string[] {
  if (source.kind === 'url') {
    return [
      '-protocol_whitelist',
      NETWORK_PROTOCOLS,
      '-format_whitelist',
      MEDIA_DEMUXERS.join(','),
      '-rw_timeout',
      NETWORK_RW_TIMEOUT_US,
      // The gateway answers in bounded pieces; ffmpeg asks again for the next one.
      '-reconnect',
      '1',
      '-reconnect_delay_max',
      '1',
      // The gateway never redirects; a redirect could only lead somewhere else.
      '-max_redirects',
      '0',
      '-max_pixels',
      String(limits.maxPixels),
      ...before,
      '-i',
      source.url,
    ];
  }
  if (source.kind === 'stdin-mp4') {
    return [
      '-protocol_whitelist',
      'pipe',
      '-format_whitelist',
      'mov',
      '-max_pixels',
      String(limits.maxPixels),
      ...before,
      '-f',
      'mov',
      '-i',
      'pipe:0',
    ];
  }
  if (!source.path.startsWith('/')) throw new ProcessorFailure('internal', 'local inputs must be absolute temp paths');
  return [
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    (source.formats ?? MEDIA_DEMUXERS).join(','),
    '-max_pixels',
    String(limits.maxPixels),
    ...before,
    '-i',
    source.path,
  ];
}

/** Common leading options: no stdin, no banner, errors only (plus progress on stdout when wanted). */
export const FFMPEG_BASE_ARGS = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-y'] as const;

interface FailurePattern {
  pattern: RegExp;
  code: ProcessorErrorCode;
  message: string;
}

/** Ordered: the first match wins. Messages are ours; ffmpeg's stderr is never returned verbatim. */
const FAILURE_PATTERNS: FailurePattern[] = [
  {
    pattern: /Protocol '[^']*' not on whitelist/i,
    code: 'invalid_media',
    message: 'The input refers to other files or URLs (a playlist or reference file); refused',
  },
  {
    pattern: /Format not on whitelist|not on whitelist/i,
    code: 'invalid_media',
    message: 'The input is not a supported media format (playlists, lists and image sequences are refused)',
  },
  {
    pattern:
      /exceeds max_pixels|exceeds specified max pixel count|Picture size \d+x\d+ is invalid|dimensions .* too large/i,
    code: 'limits_exceeded',
    message: 'The input picture is larger than the processor accepts',
  },
  {
    pattern: /Server returned 5\d\d|HTTP error 5\d\d/i,
    code: 'input_unreachable',
    message: 'The media server answered with an error (5xx)',
  },
  {
    pattern: /Server returned 4\d\d|HTTP error 4\d\d|4\d\d (Forbidden|Not Found|Unauthorized)/i,
    code: 'input_unreachable',
    message: 'The input URL was refused (expired or unknown)',
  },
  {
    pattern:
      /Connection refused|Connection timed out|Connection reset|Network is unreachable|Failed to resolve|Name or service not known|Operation timed out|I\/O error/i,
    code: 'input_unreachable',
    message: 'The input could not be fetched',
  },
  {
    pattern:
      /Decoder \(codec [^)]*\) not found|Unknown decoder|No decoder|Unsupported codec|codec not currently supported/i,
    code: 'unsupported_codec',
    message: 'The input uses a codec the processor does not decode',
  },
  {
    pattern:
      /moov atom not found|Invalid data found when processing input|partial file|corrupt|Invalid NAL unit|error while decoding|Error splitting the input|EBML header parsing failed|Header missing|could not find codec parameters/i,
    code: 'invalid_media',
    message: 'The input is not valid media (truncated or corrupt)',
  },
  {
    pattern: /Output file #\d+ does not contain any stream|Stream map .* matches no streams/i,
    code: 'invalid_media',
    message: 'The input lacks a stream this operation needs',
  },
];

export function classifyFailure(stderr: string, fallback: ProcessorErrorCode = 'internal'): ProcessorFailure {
  for (const { pattern, code, message } of FAILURE_PATTERNS) {
    if (pattern.test(stderr)) return new ProcessorFailure(code, message);
  }
  return new ProcessorFailure(
    fallback,
    fallback === 'internal' ? 'Media processing failed' : 'The input could not be processed',
  );
}

/** stderr lines that mean the input was damaged even when ffmpeg still exits 0 (it is lenient). */
const CORRUPTION_MARKERS =
  /partial file|Invalid NAL unit size|corrupt input packet|error while decoding|Error splitting the input/i;

export interface FfmpegRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Media seconds the command will produce; with it, `onProgress` gets 0–1. */
  expectedDuration?: number;
  onProgress?: (fraction: number) => void;
  /** Treat ffmpeg's "partial file"/corrupt-packet complaints as invalid media even on exit 0 (default true). */
  strictInput?: boolean;
  stdin?: Uint8Array | string | AsyncIterable<Uint8Array>;
  onStdout?: (chunk: Buffer) => void;
  maxStdoutBytes?: number;
  cwd?: string;
  /** Measurement runs (loudness) need ffmpeg's info-level report on stderr. */
  logLevel?: 'error' | 'info';
  /** See RunOptions.lowerPriority. */
  lowerPriority?: number;
}

/** Runs ffmpeg; resolves with its output on success, throws a classified ProcessorFailure otherwise. */
export async function runFfmpeg(args: readonly string[], options: FfmpegRunOptions): Promise<RunResult> {
  const wantsProgress =
    options.onProgress && options.expectedDuration && options.expectedDuration > 0 && !options.onStdout;
  const fullArgs = [
    ...FFMPEG_BASE_ARGS,
    ...(options.logLevel === 'info' ? ['-loglevel', 'info'] : []),
    ...(wantsProgress ? ['-progress', 'pipe:2', '-stats_period', '0.5'] : []),
    ...args,
  ];
  if (process.env.PROCESSOR_LOG_COMMANDS === '1')
    console.error(JSON.stringify({ level: 'debug', msg: 'ffmpeg', args: fullArgs }));
  const result = await runProcess(requireBinary('ffmpeg'), fullArgs, {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    stdin: options.stdin,
    onStdout: options.onStdout,
    maxStdoutBytes: options.maxStdoutBytes,
    cwd: options.cwd,
    lowerPriority: options.lowerPriority,
    onStderrLine: wantsProgress
      ? (line) => {
          const match = /^out_time_us=(\d+)/.exec(line);
          if (match && options.expectedDuration) {
            options.onProgress?.(Math.min(1, Number(match[1]) / 1e6 / options.expectedDuration));
          }
        }
      : undefined,
  });
  if (result.exitCode !== 0) throw classifyFailure(result.stderr);
  if (options.strictInput !== false && CORRUPTION_MARKERS.test(result.stderr)) {
    throw new ProcessorFailure('invalid_media', 'The input is not valid media (truncated or corrupt)');
  }
  return result;
}
