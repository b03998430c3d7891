/**
 * Cutting [start, end) out of a video into a local file, always seeking on the input side (the
 * original decoded from t=0 for every segment, docs/compatibility.md#w18). Three modes:
 * - copy: stream copy from the keyframe at or before `start` (reported as `actual_start`).
 * - smart: frame-accurate. The cut is staged locally by stream copy (one ranged read of the source),
 *   then only the frames before the first keyframe (and, with B-frames, the last few) are re-encoded
 *   with encoder parameters matched to the source; the rest is copied. The result is verified (its
 *   index read back in-process, or ffprobe; frame count, duration within one frame, codec
 *   parameters); anything off, or a source the method cannot handle, falls back to a full re-encode
 *   (from the stage) and says why.
 * - reencode: the original's full libx264 encode, rotation-corrected, with optional transforms.
 * Used by `extract` and by `concat` (for inputs with start/end).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TimeRange } from '../../../shared/processor/media.ts';
import type { ExtractMode, ExtractRequest, ExtractResult, MuteMode } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../errors.ts';
import type { OpContext } from '../operation.ts';
import { aacArgs, filterScriptArgs } from './audio-encode.ts';
import type { InputSource } from './ffmpeg.ts';
import { copyAudioCut } from '../mp4/audio-cut.ts';
import { addParameterSets, readAvcC } from '../mp4/avcc.ts';
import { joinSmartCut, writeJoinedCut } from '../mp4/smart-join.ts';
import { Mp4Unsupported } from '../mp4/unsupported.ts';
import { muteFilter } from './mute-filter.ts';
import { MP4_FASTSTART, ms } from './output-file.ts';
import type { StageClock } from './stage-clock.ts';
import type { MediaInfo, RawPacket, VideoStreamInfo } from './probe.ts';
import {
  type CutPiece,
  type CutStage,
  planSmartCut,
  type SmartCutPlan,
  type StageFetch,
  type StagePacket,
} from './smart-cut.ts';

/** Packets listed after the seek to find the keyframe at or before `start` (an audio chunk may come first). */
const KEYFRAME_LOOKUP_PACKETS = 64;
/** Extra seconds staged after `end`, so reordered frames and the last audio are all there. */
export const STAGE_MARGIN_SECONDS = 0.3;
/** x264 SPS/PPS id for re-encoded pieces: differs from the source's (almost always 0), so both sets coexist. */
const PIECE_PARAMETER_SET_ID = 7;

type Mute = NonNullable<ExtractRequest['mute']>;

export interface CutRequest {
  start: number;
  end: number;
  mode: ExtractMode;
  mute?: { intervals: TimeRange[]; mode: MuteMode; keep_percentage?: number };
  transforms?: ExtractRequest['transforms'];
}

export interface CutOutcome extends Pick<ExtractResult, 'mode_used' | 'fallback_reason' | 'actual_start'> {
  /** ffprobe of the file written (may still be running: callers upload meanwhile). */
  written: Promise<MediaInfo>;
  /** Set when the cut was uploaded already (through `CutOptions.upload`): its size. */
  uploaded?: Promise<number>;
}

export interface CutOptions {
  /** A smart cut's stage the caller already opened in-process (then `info` need not list packets). */
  staged?: CutStage;
  /**
   * Uploads the output. Given, a smart cut joined by ffmpeg is uploaded while ffprobe verifies it;
   * should the check fail, the fallback's upload replaces it (the caller records the output only
   * when the op succeeds).
   */
  upload?: (path: string) => Promise<number>;
  /** Streams the output to where `upload` puts it: a cut joined in-process goes there without a file. */
  uploadStream?: (size: number, produce: () => AsyncIterable<Uint8Array>) => Promise<number>;
  /** Marks the smart cut's steps (logged by the operation). */
  clock?: StageClock;
}

const secs = (n: number) => n.toFixed(6);
/** Rounded up to the microsecond (what the concat demuxer parses). */
const secsUp = (n: number) => (Math.ceil(n * 1e6 - 1e-6) / 1e6).toFixed(6);

/**
 * Tells the range gateway what the next read takes: from the first packet listed at the seek point
 * (byte position from the probe), [from, to) seconds at the media's bit rate, with room for swings.
 * The cut then comes in one upstream request.
 */
function announceRead(ctx: OpContext, source: InputSource, info: MediaInfo, from: number, to: number): void {
  const positions = info.packets.map((p) => Number(p.pos)).filter((n) => Number.isFinite(n) && n >= 0);
  if (positions.length === 0) return;
  const bitRate = info.bitRate ?? (info.sizeBytes ? (info.sizeBytes * 8) / info.duration : 0);
  ctx.expectRead(source, Math.min(...positions), Math.max(0, to - from) * (bitRate / 8) * 1.25 + 256 * 1024);
}

/**
 * Audio args for a cut: copy, or re-encode (with the mute filter; its intervals are relative to the
 * requested start, which sits `cutStartInOutput` seconds into the output).
 */
async function audioArgs(
  ctx: OpContext,
  info: MediaInfo,
  mute: Mute | undefined,
  cutStartInOutput: number,
  duration: number,
  encode: boolean,
): Promise<string[]> {
  if (!info.audio) return ['-an'];
  const filter = mute
    ? muteFilter(
        {
          intervals: mute.intervals.map((r) => ({ start: r.start + cutStartInOutput, end: r.end + cutStartInOutput })),
          mode: mute.mode,
          keep: mute.keep_percentage,
          denoise: false,
        },
        duration,
      )
    : null;
  if (!filter && !encode) return ['-c:a', 'copy'];
  return [
    ...(filter ? await filterScriptArgs(ctx.tempDir, 'mute', '-filter_script:a', filter) : []),
    ...aacArgs(info.audio),
  ];
}

// ─── copy ──────────────────────────────────────────────────────────────────────────────────────

function keyframeTime(info: MediaInfo): number | null {
  return info.video ? firstVideoKeyframe(info.packets, info.video, info.startTime) : null;
}

function firstVideoKeyframe(packets: RawPacket[], video: VideoStreamInfo, startTime: number): number | null {
  const packet = packets.find((p) => p.stream_index === video.index);
  if (!packet?.flags?.startsWith('K') || packet.pts_time === undefined) return null;
  return Math.max(0, Number(packet.pts_time) - startTime);
}

async function extractCopy(
  ctx: OpContext,
  request: CutRequest,
  source: InputSource,
  info: MediaInfo,
  keyframe: number,
  out: string,
): Promise<CutOutcome> {
  const video = info.video!;
  const end = Math.min(request.end, info.duration);
  ctx.progress(30, 'copying');
  announceRead(ctx, source, info, keyframe, end);
  await ctx.ffmpeg(
    [
      ...ctx.input(source, ['-ss', secs(keyframe), '-t', secs(end - keyframe)]),
      '-map',
      `0:${video.index}`,
      ...(info.audio ? ['-map', `0:${info.audio.index}`] : []),
      '-c:v',
      'copy',
      ...(await audioArgs(ctx, info, request.mute, request.start - keyframe, end - keyframe, false)),
      ...MP4_FASTSTART,
      out,
    ],
    { expectedDuration: end - keyframe, onProgress: (f) => ctx.progress(30 + f * 55, 'copying') },
  );
  const written = ctx.inspect(out);
  written.catch(() => undefined);
  return { mode_used: 'copy', fallback_reason: null, actual_start: keyframe, written };
}

// ─── reencode ──────────────────────────────────────────────────────────────────────────────────

function transformFilters(transforms: CutRequest['transforms']): string[] {
  const filters: string[] = [];
  if (transforms?.flip_horizontal) filters.push('hflip');
  if (transforms?.rotate === 90) filters.push('transpose=clock');
  if (transforms?.rotate === 180) filters.push('hflip,vflip');
  if (transforms?.rotate === 270) filters.push('transpose=cclock');
  return filters;
}

/** Where a re-encode reads from: the source URL, or the smart cut's local stage (which starts at `offset`). */
interface Reader {
  source: InputSource;
  offset: number;
  video: string;
  audio: string | null;
  /** Audio from a second file (the stage keeps video and audio apart). */
  audioSource?: InputSource | null;
}

const sourceReader = (source: InputSource, info: MediaInfo): Reader => ({
  source,
  offset: 0,
  video: `0:${info.video!.index}`,
  audio: info.audio ? `0:${info.audio.index}` : null,
});

async function extractReencode(
  ctx: OpContext,
  request: CutRequest,
  reader: Reader,
  info: MediaInfo,
  out: string,
  fallbackReason: string | null,
): Promise<CutOutcome> {
  const end = Math.min(request.end, info.duration);
  const duration = end - request.start;
  const filters = transformFilters(request.transforms);
  // Input-side seek lands on the keyframe at or before start, where the probe listed packets.
  if (reader.offset === 0) announceRead(ctx, reader.source, info, keyframeTime(info) ?? request.start, end);
  const mute = request.mute
    ? muteFilter(
        {
          intervals: request.mute.intervals,
          mode: request.mute.mode,
          keep: request.mute.keep_percentage,
          denoise: false,
        },
        duration,
      )
    : null;
  await ctx.ffmpeg(
    [
      // Input-side seek; ffmpeg's autorotate turns the picture upright (the original's transpose).
      ...ctx.input(reader.source, ['-ss', secs(request.start - reader.offset), '-t', secs(duration)]),
      ...(reader.audioSource
        ? ctx.input(reader.audioSource, ['-ss', secs(request.start - reader.offset), '-t', secs(duration)])
        : []),
      '-map',
      reader.video,
      ...(reader.audio ? ['-map', reader.audio] : reader.audioSource ? ['-map', '1:a:0'] : []),
      ...(filters.length ? ['-vf', filters.join(',')] : []),
      // The original's CPU encode flags (docs/compatibility.md#process-job).
      '-c:v',
      'libx264',
      '-profile:v',
      'high',
      '-level:v',
      '4.0',
      '-preset',
      'fast',
      '-crf',
      '23',
      '-g',
      '60',
      '-keyint_min',
      '60',
      '-sc_threshold',
      '0',
      '-bf',
      '2',
      '-pix_fmt',
      'yuv420p',
      ...(reader.audio || reader.audioSource
        ? [
            ...(mute ? await filterScriptArgs(ctx.tempDir, 'mute', '-filter_script:a', mute) : []),
            '-c:a',
            'aac',
            '-b:a',
            '128k',
            '-ar',
            '48000',
            '-ac',
            '2',
          ]
        : ['-an']),
      ...MP4_FASTSTART,
      out,
    ],
    { expectedDuration: duration, onProgress: (f) => ctx.progress(10 + f * 80, 'encoding') },
  );
  const written = ctx.inspect(out);
  written.catch(() => undefined);
  return { mode_used: 'reencode', fallback_reason: fallbackReason, actual_start: request.start, written };
}

// ─── smart ─────────────────────────────────────────────────────────────────────────────────────

const X264_PROFILES: Record<string, string> = {
  'Constrained Baseline': 'baseline',
  Baseline: 'baseline',
  Main: 'main',
  High: 'high',
  'High 10': 'high10',
  'High 4:2:2': 'high422',
  'High 4:4:4 Predictive': 'high444',
};

/** x265 profiles a matched piece can be encoded in (ffprobe's names). */
const X265_PROFILES: Record<string, string> = { Main: 'main', 'Main 10': 'main10' };

/** The encoder, profile and level flags of a matched piece: libx264 for H.264, libx265 for H.265. */
function matchedCodecArgs(video: VideoStreamInfo): string[] | string {
  if (!video.level || video.level <= 0) return `the source declares no ${video.codec} level`;
  if (video.codec === 'hevc') {
    const profile = video.profile ? X265_PROFILES[video.profile] : undefined;
    if (!profile) return `profile "${video.profile ?? 'unknown'}" cannot be matched by the encoder`;
    // One picture type per piece after its IDR (no reordering, no B-frames), no weighted prediction,
    // parameter sets only in the sample entry: the shapes mp4/hevc.ts renumbers. The level as the
    // source states it (general_level_idc is 30 × the level).
    const params = [
      'bframes=0',
      'keyint=100000',
      'min-keyint=1',
      'scenecut=0',
      'open-gop=0',
      'weightp=0',
      'repeat-headers=0',
      'info=0',
      'log-level=error',
      `level-idc=${(video.level / 30).toFixed(1)}`,
    ];
    return [
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-crf',
      '18',
      '-x265-params',
      params.join(':'),
      '-profile:v',
      profile,
    ];
  }
  const profile = video.profile ? X264_PROFILES[video.profile] : undefined;
  if (!profile) return `profile "${video.profile ?? 'unknown'}" cannot be matched by the encoder`;
  // ultrafast keeps the head cheap; one flag brings back what x264 signals the source's profile by
  // (the 8×8 transform → High; CABAC → Main). CABAC costs a third more time, so only for Main.
  const features = profile === 'baseline' ? [] : profile === 'main' ? ['cabac=1'] : ['8x8dct=1'];
  return [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-x264-params',
    [`sps-id=${PIECE_PARAMETER_SET_ID}`, ...features].join(':'),
    '-profile:v',
    profile,
    '-level:v',
    `${Math.floor(video.level / 10)}.${video.level % 10}`,
  ];
}

/** Encoder settings for pieces that must sit between copied source packets. */
function matchedEncoderArgs(
  video: VideoStreamInfo,
  reorderDelay: number,
  frameDuration: number,
  timescale: number,
): string[] | string {
  const codec = matchedCodecArgs(video);
  if (typeof codec === 'string') return codec;
  const args = [...codec, '-fps_mode', 'passthrough', '-video_track_timescale', String(timescale)];
  if (video.pixelFormat) args.push('-pix_fmt', video.pixelFormat);
  const { range, space, transfer, primaries } = video.color;
  if (range && range !== 'unknown') args.push('-color_range', range);
  if (space && space !== 'unknown') args.push('-colorspace', space);
  if (transfer && transfer !== 'unknown') args.push('-color_trc', transfer);
  if (primaries && primaries !== 'unknown') args.push('-color_primaries', primaries);
  // Same decode-to-display delay as the copied packets, so decode times keep increasing across joins;
  // and a full frame duration on every packet (ffmpeg leaves the last one a few ticks long, which
  // would end the track early). The filter sees packets in the muxer's time base (1/timescale).
  const delayTicks = Math.round(reorderDelay * timescale);
  const frameTicks = Math.max(1, Math.round(frameDuration * timescale));
  args.push('-bsf:v', `setts=${delayTicks > 0 ? `dts=DTS-${delayTicks}:` : ''}duration=${frameTicks}`);
  return args;
}

/**
 * ffmpeg's framecrc listing: `#tb 0: 1/15360` then one line per packet
 * `stream, dts, pts, duration, size, crc[, F=0x…]`; the flags appear only when they differ from
 * "keyframe", so a line without them is a keyframe.
 */
export function parseFrameCrc(text: string): { timescale: number; packets: StagePacket[] } | null {
  const tb = /^#tb 0: (\d+)\/(\d+)$/m.exec(text);
  if (!tb) return null;
  const num = Number(tb[1]);
  const den = Number(tb[2]);
  const packets: StagePacket[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 6 || fields[0] !== '0') continue;
    const dts = Number(fields[1]);
    const pts = Number(fields[2]);
    if (!Number.isFinite(dts) || !Number.isFinite(pts)) return null;
    const flags = fields.find((f) => f.startsWith('F='));
    packets.push({
      pts: (pts * num) / den,
      dts: (dts * num) / den,
      keyframe: flags === undefined || (Number.parseInt(flags.slice(2), 16) & 1) === 1,
    });
  }
  // The stage's time base must be a whole tick per second fraction (1/N) to serve as the timescale.
  if (packets.length === 0 || num !== 1) return null;
  return { timescale: den, packets };
}

const sameProfile = (a: string | null, b: string | null) =>
  (a ?? '').replace('Constrained ', '') === (b ?? '').replace('Constrained ', '');

/** Niceness added to a re-encoded piece's ffmpeg when another piece's encode is the longer. */
const OFF_CRITICAL_PATH_NICENESS = 5;

/**
 * The re-encoded piece expected to take longest (the smart cut waits for it): the most frames to
 * decode (from the keyframe before it) and encode. Null when at most one piece is re-encoded.
 */
export function criticalPiece(packets: readonly StagePacket[], plan: SmartCutPlan): number | null {
  const eps = plan.frameDuration / 4;
  const keyframes = packets.filter((p) => p.keyframe).map((p) => p.pts);
  let best: number | null = null;
  let bestWork = -1;
  let encodes = 0;
  for (const [i, piece] of plan.pieces.entries()) {
    if (piece.kind !== 'encode') continue;
    encodes++;
    const from = Math.max(...keyframes.filter((k) => k <= piece.start + eps), 0);
    const decoded = packets.filter((p) => p.pts >= from - eps && p.pts < piece.end - eps).length;
    // Encoding a frame costs about as much as decoding one at the matched encoder's preset.
    const work = decoded + piece.frames;
    if (work > bestWork) {
      best = i;
      bestWork = work;
    }
  }
  return encodes > 1 ? best : null;
}

type SmartOutcome = CutOutcome | { fallback: string; stage: Reader | null };

/** Stage [keyframe, end + margin) with ffmpeg: one ranged read, stream copy, packet listing on stdout. */
async function stageWithFfmpeg(
  ctx: OpContext,
  source: InputSource,
  info: MediaInfo,
  keyframe: number,
  end: number,
): Promise<CutStage | { fallback: string; stage: Reader }> {
  const video = info.video!;
  const stage = join(ctx.tempDir, 'stage.mp4');
  const stageAudio = info.audio ? join(ctx.tempDir, 'stage-audio.mp4') : null;
  const stageSeconds = secs(end - keyframe + STAGE_MARGIN_SECONDS);
  announceRead(ctx, source, info, keyframe, end + STAGE_MARGIN_SECONDS);
  // Video and audio into separate files, plus a per-packet listing of the staged video (framecrc:
  // times and keyframe flags) on stdout, which saves reading the stage back with ffprobe.
  // The stage keeps the source's video timescale (the listing's): the MP4 muxer would otherwise
  // raise a small one (QuickTime's 600) to ≥ 10000, and the pieces, encoded in the listing's, would
  // no longer join the staged packets.
  const sourceTimescale = /^1\/(\d+)$/.exec(String(video.raw.time_base ?? ''))?.[1];
  const { stdout: listing } = await ctx.ffmpeg([
    ...ctx.input(source, ['-ss', secs(keyframe)]),
    '-map',
    `0:${video.index}`,
    '-c',
    'copy',
    '-t',
    stageSeconds,
    ...(sourceTimescale ? ['-video_track_timescale', sourceTimescale] : []),
    stage,
    ...(info.audio && stageAudio
      ? ['-map', `0:${info.audio.index}`, '-c', 'copy', '-t', stageSeconds, stageAudio]
      : []),
    '-map',
    `0:${video.index}`,
    '-c',
    'copy',
    '-t',
    stageSeconds,
    '-f',
    'framecrc',
    'pipe:1',
  ]);
  const staged = parseFrameCrc(listing.toString('utf8'));
  if (!staged)
    return {
      fallback: 'the staged cut could not be listed',
      stage: stageReader({ keyframe, video: stage, audio: stageAudio }),
    };
  return { keyframe, video: stage, audio: stageAudio, packets: staged.packets, timescale: staged.timescale };
}

/** A re-encode's input when it falls back after staging: the stage, not a second read of the source. */
const stageReader = (stage: Pick<CutStage, 'keyframe' | 'video' | 'audio'>): Reader => ({
  source: { kind: 'local', path: stage.video, formats: ['mov'] },
  offset: stage.keyframe,
  video: '0:v:0',
  audio: null,
  audioSource: stage.audio ? { kind: 'local', path: stage.audio, formats: ['mov'] } : null,
});

/**
 * Frame-accurate cut from a stage (`staged`: opened in-process by the caller, fetched once the plan
 * is known; else staged here with ffmpeg from the keyframe at or before `start`).
 */
async function extractSmart(
  ctx: OpContext,
  request: CutRequest,
  source: InputSource,
  info: MediaInfo,
  keyframe: number,
  out: string,
  { staged, upload, uploadStream, clock }: CutOptions,
): Promise<SmartOutcome> {
  const mark = (stage: string) => clock?.mark(stage);
  const video = info.video!;
  // An in-process stage is fetched once the plan names the pieces to re-encode (each gets its own
  // input as soon as its packets arrive); a fallback before that fetches it for the re-encode.
  let fetched: StageFetch | null = null;
  const fetchStage = (stage: CutStage, pieces: readonly CutPiece[] = [], frame = 0): StageFetch =>
    (fetched ??= stage.fetch?.(pieces, frame) ?? { written: Promise.resolve(), inputs: [] });
  // From here a fallback re-encodes from the stage: no second read of the source.
  const fromStage = async (stage: CutStage, fallback: string): Promise<SmartOutcome> => {
    await fetchStage(stage).written;
    return { fallback, stage: stageReader(stage) };
  };
  const early = (fallback: string): Promise<SmartOutcome> | SmartOutcome =>
    staged ? fromStage(staged, fallback) : { fallback, stage: null };
  // H.265 pieces need their parameter sets renumbered, which the in-process join does (mp4/hevc-join.ts).
  const splicable = video.codec === 'h264' || (video.codec === 'hevc' && staged !== undefined);
  if (!splicable) return early(`smart cut supports H.264 and, in-process, H.265 sources (this one is ${video.codec})`);
  if (video.fieldOrder && !['progressive', 'unknown'].includes(video.fieldOrder)) return early('interlaced source');
  const end = Math.min(request.end, info.duration);

  // 1. One ranged read of the source: the cut from its keyframe, copied into the temp dir.
  ctx.progress(15, 'staging');
  const stageOutcome = staged ?? (await stageWithFfmpeg(ctx, source, info, keyframe, end));
  if ('fallback' in stageOutcome) return stageOutcome;
  const stage = stageOutcome.video;
  const stageAudio = stageOutcome.audio;
  const timescale = stageOutcome.timescale;
  const stageStart = stageOutcome.keyframe;

  // 2. Plan: which frames to re-encode, which to copy.
  const planned = planSmartCut(stageOutcome.packets, request.start - stageStart, end - stageStart);
  if (!planned.ok) return fromStage(stageOutcome, planned.reason);
  const plan = planned.plan;
  const frame = plan.frameDuration;
  const duration = plan.endTime - plan.firstFrame;
  const encoder = matchedEncoderArgs(video, plan.reorderDelay, plan.frameDuration, timescale);
  if (typeof encoder === 'string') return fromStage(stageOutcome, encoder);
  const { written: stageWritten, inputs } = fetchStage(stageOutcome, plan.pieces, frame);
  mark('planned');
  stageWritten.then(() => mark('stage written')).catch(() => undefined);

  // 3. At once: re-encode the pieces that cannot be copied (each as soon as its input is there), and
  //    cut the audio to start exactly at the first frame.
  ctx.progress(35, 'encoding the cut edges');
  const critical = criticalPiece(stageOutcome.packets, plan);
  const list: string[] = ['ffconcat version 1.0'];
  const jobs: Promise<unknown>[] = [stageWritten];
  for (const [i, piece] of plan.pieces.entries()) {
    if (piece.kind === 'copy') {
      // Rounded up to the microsecond the concat demuxer parses: the seek must land on K, not before.
      list.push('file stage.mp4', `inpoint ${secsUp(piece.start)}`);
      if (plan.copyOutpointDts !== null) list.push(`outpoint ${secs(plan.copyOutpointDts)}`);
      list.push(`duration ${secs(piece.end - piece.start)}`);
      continue;
    }
    const name = `piece-${i}.mp4`;
    // The piece's own input, piped as its packets arrive (ffmpeg starts meanwhile; it decodes from
    // its first packet, a keyframe, and the trim drops what is shown before the piece); without
    // one, the stage file once it is written, from the keyframe before the piece (-ss). Either way
    // the encoder gets the same frames with the same times (timestamps from 0: the seek lands half
    // a frame early), so the piece's track starts and ends clean.
    const own = inputs[i] ?? null;
    const from = (start: number) => secs(Math.max(0, piece.start - start - frame / 2));
    const encode = async () => {
      if (!own) await stageWritten;
      own?.bytes.then(() => mark(`piece ${i} input`)).catch(() => undefined);
      await ctx.ffmpeg(
        [
          // The stage's own picture orientation is kept; the output carries the rotation as metadata.
          '-noautorotate',
          ...(own
            ? ctx.input({ kind: 'stdin-mp4' })
            : ctx.input({ kind: 'local', path: stage, formats: ['mov'] }, ['-ss', from(0)])),
          '-map',
          '0:v:0',
          '-an',
          '-frames:v',
          String(piece.frames),
          '-vf',
          own ? `trim=start=${from(own.start)},setpts=PTS-STARTPTS` : 'setpts=PTS-STARTPTS',
          ...encoder,
          join(ctx.tempDir, name),
        ],
        {
          ...(own
            ? {
                stdin: (async function* () {
                  yield* await own.bytes;
                })(),
              }
            : {}),
          // The other encodes take the cores only when the longest one leaves them free.
          lowerPriority: critical === null || i === critical ? 0 : OFF_CRITICAL_PATH_NICENESS,
        },
      );
      mark(`piece ${i} encoded`);
    };
    jobs.push(encode());
    list.push(`file ${name}`, `duration ${secs(piece.end - piece.start)}`);
  }
  const cutAudio = join(ctx.tempDir, 'cut-audio.mp4');
  if (stageAudio) {
    const encodeAudio = async () => {
      const args = await audioArgs(ctx, info, request.mute, 0, duration, true);
      await ctx.ffmpeg([
        ...ctx.input({ kind: 'local', path: stageAudio, formats: ['mov'] }, [
          '-ss',
          secs(plan.firstFrame),
          '-t',
          secs(duration),
        ]),
        '-map',
        '0:a:0',
        ...args,
        cutAudio,
      ]);
    };
    // Unmuted audio is copied, trimmed to the sample by its edit list (mp4/audio-cut.ts); muted
    // audio, or a stage the in-process reader does not take, is re-encoded.
    const copyAudio = !request.mute && ctx.config.inProcessMp4;
    const cutTheAudio = async () => {
      await stageWritten;
      if (!copyAudio || !(await copyAudioCut(ctx, stageAudio, plan.firstFrame, plan.endTime, cutAudio)))
        await encodeAudio();
      mark('audio cut');
    };
    jobs.push(cutTheAudio());
  }
  // Every job settles before going on: none keeps writing into the temp dir after a failure.
  const failure = (await Promise.allSettled(jobs)).find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
  await writeFile(join(ctx.tempDir, 'cut.ffconcat'), `${list.join('\n')}\n`);

  // 4. Join: video and audio both copied, every piece's parameter sets up front in the sample entry
  //    (not only in-band; see mp4/avcc.ts). In-process where the pieces are as planned, else ffmpeg.
  ctx.progress(70, 'joining');
  const pieceFiles = plan.pieces.map((piece, i) =>
    piece.kind === 'encode' ? join(ctx.tempDir, `piece-${i}.mp4`) : null,
  );
  const joined = ctx.config.inProcessMp4
    ? await joinSmartCut(ctx, { plan, stage: stageOutcome, pieces: pieceFiles, audio: stageAudio ? cutAudio : null })
    : null;
  mark('joined');
  const result = (written: MediaInfo, uploaded: Promise<number> | undefined): CutOutcome => ({
    mode_used: 'smart',
    fallback_reason: null,
    actual_start: stageStart + plan.firstFrame,
    written: Promise.resolve(written),
    uploaded,
  });
  if (joined) {
    // 5. Verify before the result counts: its index read back, once per parameter set its pictures
    //    use (no process: the layout is known before a byte is written, which then streams).
    ctx.progress(85, 'verifying');
    let views: MediaInfo[];
    try {
      views = joined.describe(ctx.config.limits);
    } catch (err) {
      if (!(err instanceof Mp4Unsupported)) throw err;
      return fromStage(stageOutcome, `verification: ${err.message}`);
    }
    const problem = views.map((view) => verifySmartOutput(view, video, plan, frame)).find((p) => p !== null);
    if (problem) return fromStage(stageOutcome, problem);
    mark('verified');
    if (uploadStream)
      return result(
        views[0]!,
        uploadStream(joined.totalBytes, () => joined.bytes()),
      );
    await writeJoinedCut(joined, out);
    return result(views[0]!, undefined);
  }
  if (video.codec !== 'h264') return fromStage(stageOutcome, 'the H.265 pieces could not be joined in-process');
  const rotationTag = video.rotation ? ['-metadata:s:v:0', `rotate=${(360 - video.rotation) % 360}`] : [];
  await ctx.ffmpeg([
    ...ctx.input({ kind: 'local', path: join(ctx.tempDir, 'cut.ffconcat'), formats: ['concat', 'mov'] }, [
      '-f',
      'concat',
      '-safe',
      '1',
    ]),
    ...(stageAudio ? ctx.input({ kind: 'local', path: cutAudio, formats: ['mov'] }) : []),
    '-map',
    '0:v:0',
    ...(stageAudio ? ['-map', '1:a:0'] : []),
    '-c',
    'copy',
    '-video_track_timescale',
    String(timescale),
    ...rotationTag,
    ...MP4_FASTSTART,
    out,
  ]);
  const parameterSets = await Promise.all([stage, ...pieceFiles.filter((p): p is string => p !== null)].map(readAvcC));
  await addParameterSets(
    out,
    parameterSets.filter((a): a is Buffer => a !== null),
  );

  // 5. Verify before the result counts (the upload, if the caller gave one, runs meanwhile).
  ctx.progress(85, 'verifying');
  const uploading = upload?.(out);
  uploading?.catch(() => undefined);
  const written = await ctx.inspect(out);
  const problem = verifySmartOutput(written, video, plan, frame);
  if (problem) {
    // The fallback rewrites `out`: the upload must be done reading it.
    await uploading?.catch(() => undefined);
    return fromStage(stageOutcome, problem);
  }
  return result(written, uploading);
}

export function verifySmartOutput(
  written: MediaInfo,
  source: VideoStreamInfo,
  plan: SmartCutPlan,
  frame: number,
): string | null {
  const video = written.video;
  if (!video) return 'verification: the output has no video';
  const frames = Number(video.raw.nb_frames ?? NaN);
  if (frames !== plan.totalFrames) return `verification: ${frames} frames instead of ${plan.totalFrames}`;
  const duration = Number(video.raw.duration ?? NaN);
  const wanted = plan.endTime - plan.firstFrame;
  if (!(Math.abs(duration - wanted) <= frame + 1e-3))
    return `verification: duration ${duration.toFixed(3)} s instead of ${wanted.toFixed(3)} s`;
  const same =
    video.codec === source.codec &&
    video.codedWidth === source.codedWidth &&
    video.codedHeight === source.codedHeight &&
    video.pixelFormat === source.pixelFormat &&
    sameProfile(video.profile, source.profile) &&
    video.level === source.level &&
    video.rotation === source.rotation;
  if (!same) return 'verification: stream parameters differ from the source';
  return null;
}

/**
 * Gates the input and lists the packets at `start` in one ffprobe run: the keyframe at or before it
 * and its byte position (for the range gateway).
 */
export async function probeForCut(ctx: OpContext, source: InputSource, start: number): Promise<MediaInfo> {
  let { info } = await ctx.probe(
    source,
    { video: true },
    { packetsFrom: { time: start, count: KEYFRAME_LOOKUP_PACKETS } },
  );
  if (!info.packets.some((p) => p.stream_index === info.video!.index)) {
    // Unusual interleaving: list more packets (a second, cached read through the gateway).
    ({ info } = await ctx.probe(
      source,
      { video: true },
      { packetsFrom: { time: start, count: KEYFRAME_LOOKUP_PACKETS * 8 } },
    ));
  }
  if (start >= info.duration)
    throw new ProcessorFailure(
      'invalid_request',
      `start: ${start} s is past the end of the media (${ms(info.duration)} s)`,
    );
  return info;
}

/** Writes the cut to `out` (MP4, faststart) with the requested mode or its fallback. */
export async function cutToFile(
  ctx: OpContext,
  source: InputSource,
  info: MediaInfo,
  request: CutRequest,
  out: string,
  options: CutOptions = {},
): Promise<CutOutcome> {
  const direct = sourceReader(source, info);
  if (request.transforms && (request.transforms.flip_horizontal || request.transforms.rotate)) {
    return extractReencode(
      ctx,
      request,
      direct,
      info,
      out,
      request.mode === 'reencode' ? null : 'visual transforms need a re-encode',
    );
  }
  if (request.mode === 'reencode') return extractReencode(ctx, request, direct, info, out, null);
  const keyframe = options.staged
    ? options.staged.keyframe
    : firstVideoKeyframe(info.packets, info.video!, info.startTime);
  if (keyframe === null || keyframe > request.start + 1e-6) {
    return extractReencode(ctx, request, direct, info, out, 'no keyframe found at or before the start');
  }
  if (request.mode === 'copy') return extractCopy(ctx, request, source, info, keyframe, out);
  const outcome = await extractSmart(ctx, request, source, info, keyframe, out, options);
  if (!('fallback' in outcome)) return outcome;
  ctx.progress(40, 'falling back to a full re-encode');
  return extractReencode(ctx, request, outcome.stage ?? direct, info, out, outcome.fallback);
}
