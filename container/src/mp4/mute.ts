/**
 * `mute` for MP4/MOV inputs with AAC-LC audio, re-encoding only the audio frames the mute changes
 * and copying everything else — video and untouched audio — byte for byte:
 * 1. `moov` is read with ranged reads and gated in-process (no ffprobe);
 * 2. for each muted span (plus margins), the input's bytes there are fetched once and staged in the
 *    temp dir, and their audio frames — wrapped in an audio-only MP4 that keeps the source's own
 *    sample entry — go to ffmpeg's stdin as they arrive; ffmpeg decodes, applies the mute filter
 *    (on a timeline shifted to match) and encodes AAC with the same configuration;
 * 3. each run of new frames replaces the source's frames between two joins placed where both
 *    streams' MDCT windows agree (aac-frame.ts), so the decoder's overlap-add runs across them as
 *    within one stream;
 * 4. the output — the source's layout and index with those frames swapped, `moov` first, its length
 *    known up front — is streamed to the output URL from the staged bytes and the rest of the input.
 * Anything else (other audio codecs, denoise over the whole track, no clean join) answers
 * `{ fallback }` and the ffmpeg path re-encodes the whole track.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaOutput, TimeRange } from '../../../shared/processor/media.ts';
import type { MuteMode, MuteResult } from '../../../shared/processor/operations.ts';
import { type RangeMargins, widenIntervals } from '../../../shared/time-ranges.ts';
import { log } from '../log.ts';
import { AAC_LC, aacFrameWindow, canJoin, readAacConfig } from './aac-frame.ts';
import { AAC_FRAME, MIN_LEAD, MIN_TRAIL, planAudioSplice, type SpliceSegment } from './audio-splice-plan.ts';
import { type ByteSource, fileByteSource } from './byte-source.ts';
import type { GatedMovie, MediaTrack } from './gate.ts';
import { loadMovie } from './load-movie.ts';
import { rescale } from './rescale.ts';
import type { AudioEntry, VideoEntry } from './sample-entry.ts';
import { layoutSamples } from './sample-layout.ts';
import { sequentialSampleReader } from './sample-reader.ts';
import { type ByteRange, stagedSource } from './staged-source.ts';
import { streamPayload } from './stream-payload.ts';
import { mediaStart, sampleDuration, sliceTrack } from './track-slice.ts';
import { Mp4Unsupported, unsupported } from './unsupported.ts';
import { movieSpecFrom, type OutputTrack, videoBrands, writeMovieHead } from './write-movie.ts';
import type { OpContext } from '../operation.ts';
import { aacArgs, filterScriptArgs } from '../media/audio-encode.ts';
import { ByteQueue } from '../media/byte-queue.ts';
import { changedSpans, filtersWholeTrack, type MuteSpec, muteFilter } from '../media/mute-filter.ts';
import { ms } from '../media/output-file.ts';

export interface InProcessMuteRequest {
  url: string;
  intervals: TimeRange[];
  /** How far the mute reaches around each interval. */
  margins: RangeMargins;
  mode: MuteMode;
  keep_percentage?: number;
  fade_duration?: number;
  denoise?: boolean;
  output: MediaOutput;
}

/** Queued audio beyond this makes the download wait for ffmpeg (memory stays bounded). */
const AUDIO_QUEUE_BYTES = 8 * 1024 * 1024;

interface MutePlan {
  gated: GatedMovie;
  video: MediaTrack<VideoEntry>;
  audio: MediaTrack<AudioEntry>;
  spec: MuteSpec;
  intervals: TimeRange[];
  segments: SpliceSegment[];
}

/** What the in-process mute can do with certainty; anything else is unsupported. */
function planMute(gated: GatedMovie, request: InProcessMuteRequest): MutePlan {
  const video = gated.video!;
  const audio = gated.audio!;
  const intervals = widenIntervals(request.intervals, request.margins, gated.duration);
  const spec: MuteSpec = {
    intervals,
    mode: request.mode,
    keep: request.keep_percentage,
    fadeDuration: request.fade_duration,
    denoise: request.denoise,
  };
  if (filtersWholeTrack(spec)) unsupported('denoise changes the whole track');
  const config = audio.entry.decoderConfig ? readAacConfig(audio.entry.decoderConfig) : null;
  if (
    audio.entry.codec !== 'aac' ||
    config?.objectType !== AAC_LC ||
    config.frameLengthFlag !== 0 ||
    config.channelConfig < 1 ||
    config.channelConfig > 2
  ) {
    unsupported('audio other than mono or stereo AAC-LC');
  }
  if (audio.track.timescale !== audio.entry.sampleRate) unsupported('an audio timescale other than the sample rate');
  const segments = planAudioSplice(
    changedSpans(spec, gated.duration),
    audio.samples.dts,
    audio.track.timescale,
    mediaStart(audio),
  );
  // Both tracks must rise through the file without overlaps (what streaming them in order needs).
  layoutSamples([
    { offsets: video.samples.offset, sizes: video.samples.size },
    { offsets: audio.samples.offset, sizes: audio.samples.size },
  ]);
  return { gated, video, audio, spec, intervals, segments };
}

/** How long a track is presented, in `timescale` units: its edit, else its media from the edit's start. */
function presentedTicks(track: MediaTrack<VideoEntry | AudioEntry>, movieTimescale: number, timescale: number): number {
  const edit = track.track.edit;
  if (edit) return rescale(edit.segmentDuration, timescale, movieTimescale);
  const { dts, cto, count, end } = track.samples;
  let last = 0;
  for (let i = 0; i < count; i++)
    last = Math.max(last, dts[i]! + cto[i]! + (i + 1 < count ? dts[i + 1]! : end) - dts[i]!);
  return rescale(last - mediaStart(track), timescale, track.track.timescale);
}

/**
 * The encoder's input: the source's audio frames of every segment, back to back, as an audio-only
 * MP4 without a priming edit (every frame decodes to its own 1024 samples, in order). Frame
 * durations are the source's, so the timeline keeps any gaps the source has inside a segment.
 */
function feedTrack(
  audio: MediaTrack<AudioEntry>,
  segments: SpliceSegment[],
): { head: Buffer; starts: number[]; frames: number; ticks: number } {
  const sizes: number[] = [];
  const durations: number[] = [];
  const starts: number[] = [];
  let ticks = 0;
  for (const s of segments) {
    starts.push(ticks);
    for (let i = s.feedStart; i < s.feedEnd; i++) {
      sizes.push(audio.samples.size[i]!);
      durations.push(sampleDuration(audio, i));
      ticks += durations[durations.length - 1]!;
    }
  }
  const track: OutputTrack = {
    handler: 'soun',
    header: audio.track.header,
    timescale: audio.track.timescale,
    language: audio.track.language,
    sampleDescription: audio.track.description!.raw,
    edit: { mediaTime: 0, segmentDuration: ticks },
    durations: Uint32Array.from(durations),
    compositionOffsets: null,
    sync: null,
    sizes: Uint32Array.from(sizes),
  };
  const bytes = sizes.reduce((n, s) => n + s, 0);
  const { head } = writeMovieHead(
    { timescale: audio.track.timescale, creationTime: 0, modificationTime: 0, brands: [] },
    [track],
    [{ offsets: Float64Array.of(0), samplesPerChunk: Uint32Array.of(sizes.length) }],
    bytes,
  );
  return { head, starts, frames: sizes.length, ticks };
}

/** The bytes holding a segment's fed frames (video in between included: the output needs them too). */
function segmentRange(audio: MediaTrack<AudioEntry>, segment: SpliceSegment): ByteRange {
  const { offset, size } = audio.samples;
  return { start: offset[segment.feedStart]!, end: offset[segment.feedEnd - 1]! + size[segment.feedEnd - 1]! };
}

/** Fetches each segment's bytes once: written to the stage (at their own offsets), audio frames queued for ffmpeg. */
async function stageSegments(source: ByteSource, plan: MutePlan, stagePath: string, queue: ByteQueue): Promise<void> {
  const { offset, size } = plan.audio.samples;
  const stage = await open(stagePath, 'w');
  try {
    for (const segment of plan.segments) {
      const range = segmentRange(plan.audio, segment);
      let position = range.start;
      let sample = segment.feedStart;
      for await (const block of source.stream(range.start, range.end - range.start)) {
        const blockEnd = position + block.length;
        const written = stage.write(block, 0, block.length, position);
        while (sample < segment.feedEnd && offset[sample]! < blockEnd) {
          const start = offset[sample]!;
          const end = start + size[sample]!;
          const from = Math.max(start, position);
          const to = Math.min(end, blockEnd);
          if (from < to) await queue.push(block.subarray(from - position, to - position));
          if (end > blockEnd) break;
          sample++;
        }
        await written;
        position = blockEnd;
      }
      if (sample !== segment.feedEnd) throw new Error('audio frames missing from a staged range');
    }
  } finally {
    await stage.close();
  }
}

/** The mute filter on the encoder's timeline, where the segments sit back to back (`starts`: their first tick there). */
function feedFilter(plan: MutePlan, starts: number[]): string | null {
  const { audio, segments, spec } = plan;
  const timescale = audio.track.timescale;
  // Presentation tick p sits at p + mediaStart − dts[feedStart] + start ticks into segment k.
  const shifts = segments.map((segment, k) => starts[k]! - audio.samples.dts[segment.feedStart]! + mediaStart(audio));
  const segmentOf = (range: TimeRange) => {
    const tick = range.start * timescale + mediaStart(audio);
    let k = 0;
    while (k + 1 < segments.length && audio.samples.dts[segments[k + 1]!.feedStart]! <= tick) k++;
    return k;
  };
  return muteFilter(spec, plan.gated.duration, { rate: timescale, shiftOf: (range) => shifts[segmentOf(range)]! });
}

/** [a, b): the source frames a segment's new frames replace, joined where the windows agree; null if none do. */
function chooseJoins(
  segment: SpliceSegment,
  count: number,
  sourceWindow: (i: number) => ReturnType<typeof aacFrameWindow>,
  newWindow: (i: number) => ReturnType<typeof aacFrameWindow>,
): [number, number] | null {
  let a: number | null = segment.replaceStart === 0 ? 0 : null;
  for (let i = segment.replaceStart; a === null && i >= segment.feedStart + MIN_LEAD; i--) {
    if (canJoin(sourceWindow(i - 1), newWindow(i - 1), newWindow(i))) a = i;
  }
  let b: number | null = segment.replaceEnd === count ? count : null;
  for (let i = segment.replaceEnd; b === null && i <= segment.feedEnd - MIN_TRAIL; i++) {
    if (canJoin(newWindow(i - 1), sourceWindow(i - 1), sourceWindow(i))) b = i;
  }
  return a === null || b === null ? null : [a, b];
}

export async function muteInProcess(
  ctx: OpContext,
  request: InProcessMuteRequest,
): Promise<MuteResult | { fallback: string }> {
  const source = ctx.bytes(request.url);
  const fallback = (err: unknown) => {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'mute falls back to ffmpeg', { reason: err.message });
    return { fallback: err.message };
  };
  let plan: MutePlan;
  try {
    plan = planMute(await loadMovie(source, ctx.config.limits, { video: true, audio: true }), request);
  } catch (err) {
    return fallback(err);
  }
  const { gated, video, audio, segments } = plan;
  const count = audio.samples.count;
  const stagePath = join(ctx.tempDir, 'stage.bin');
  const encodedPath = join(ctx.tempDir, 'audio.m4a');
  const staged = segments.map((s) => segmentRange(audio, s));
  /** Output size of each source audio frame that is replaced (NaN: copied). */
  const replacedSizes = new Float64Array(count).fill(Number.NaN);
  /** Index of the new frame standing in for each replaced source frame. */
  const newIndex = new Int32Array(count).fill(-1);
  const files: { close(): Promise<void> }[] = [];
  try {
    let encoded: MediaTrack<AudioEntry> | null = null;
    let encodedFile: Awaited<ReturnType<typeof fileByteSource>> | null = null;
    let stageFile: Awaited<ReturnType<typeof fileByteSource>> | null = null;
    if (segments.length > 0) {
      // 2. Fetch, stage and encode the segments; ffmpeg works while the bytes arrive.
      ctx.progress(5, 'muting');
      const queue = new ByteQueue(AUDIO_QUEUE_BYTES);
      const download = stageSegments(source, plan, stagePath, queue).then(
        () => queue.end(),
        (err: unknown) => {
          queue.fail(err);
          throw err;
        },
      );
      const feed = feedTrack(audio, segments);
      const filter = feedFilter(plan, feed.starts);
      const fedFrames = feed.frames;
      const audioSeconds = audio.samples.end / audio.track.timescale;
      const sourceAudio = {
        index: 0,
        codec: 'aac',
        sampleRate: audio.track.timescale,
        // The AudioSpecificConfig's channels (MP4 sample entries often say 2 whatever the stream).
        channels: readAacConfig(audio.entry.decoderConfig!)!.channelConfig,
        bitRate: (audio.samples.size.reduce((n, s) => n + s, 0) * 8) / audioSeconds,
      };
      await Promise.all([
        download,
        ctx.ffmpeg(
          [
            ...ctx.input({ kind: 'stdin-mp4' }),
            '-map',
            '0:a:0',
            ...(filter ? await filterScriptArgs(ctx.tempDir, 'mute', '-filter_script:a', filter) : []),
            ...aacArgs(sourceAudio),
            '-f',
            'mp4',
            encodedPath,
          ],
          {
            stdin: (async function* () {
              yield feed.head;
              yield* queue;
            })(),
            expectedDuration: feed.ticks / audio.track.timescale,
            onProgress: (f) => ctx.progress(5 + f * 60, 'muting'),
          },
        ),
      ]);

      // 3. The new frames and the joins.
      encodedFile = await fileByteSource(encodedPath);
      files.push(encodedFile);
      stageFile = await fileByteSource(stagePath);
      files.push(stageFile);
      try {
        encoded = (await loadMovie(encodedFile, ctx.config.limits, { audio: true })).audio!;
        const config = encoded.entry.decoderConfig ? readAacConfig(encoded.entry.decoderConfig) : null;
        const sourceConfig = readAacConfig(audio.entry.decoderConfig!)!;
        if (
          !config ||
          config.objectType !== AAC_LC ||
          config.frequencyIndex !== sourceConfig.frequencyIndex ||
          config.channelConfig !== sourceConfig.channelConfig ||
          config.frameLengthFlag !== 0
        ) {
          unsupported('the encoder wrote another AAC configuration');
        }
        // The encoder's priming: its frame k decodes to its input's frame k − delay.
        const priming = mediaStart(encoded);
        if (priming % AAC_FRAME !== 0 || encoded.samples.count < fedFrames + priming / AAC_FRAME)
          unsupported('unexpected encoder framing');
        const delay = priming / AAC_FRAME;
        const sourceHeads = new Map<number, Uint8Array>();
        const encodedHeads = new Map<number, Uint8Array>();
        let fed = 0;
        for (const segment of segments) {
          const base = fed - segment.feedStart + delay;
          // The first bytes (window info) of the frames around the possible joins, in both streams.
          const around = [
            [segment.feedStart + MIN_LEAD - 1, segment.replaceStart],
            [segment.replaceEnd - 1, segment.feedEnd - MIN_TRAIL],
          ];
          for (const [from, to] of around) {
            for (let i = Math.max(0, from!); i <= Math.min(count - 1, to!); i++) {
              sourceHeads.set(i, await stageFile.read(audio.samples.offset[i]!, Math.min(8, audio.samples.size[i]!)));
              encodedHeads.set(
                i,
                await encodedFile.read(encoded.samples.offset[i + base]!, Math.min(8, encoded.samples.size[i + base]!)),
              );
            }
          }
          const joins = chooseJoins(
            segment,
            count,
            (i) => aacFrameWindow(sourceHeads.get(i) ?? new Uint8Array(0)),
            (i) => aacFrameWindow(encodedHeads.get(i) ?? new Uint8Array(0)),
          );
          if (!joins) unsupported('no AAC frame boundary where the windows agree');
          for (let i = joins[0]; i < joins[1]; i++) {
            newIndex[i] = i + base;
            replacedSizes[i] = encoded.samples.size[i + base]!;
          }
          fed += segment.feedEnd - segment.feedStart;
        }
      } catch (err) {
        return fallback(err);
      }
    }

    // 4. The output: the source's layout, the replaced frames swapped in.
    const timescale = video.track.timescale;
    let shift = 0;
    for (const offset of video.samples.cto) shift = Math.max(shift, -offset);
    const videoOut = sliceTrack(
      video,
      { first: 0, end: video.samples.count },
      {
        mediaTime: mediaStart(video) + shift,
        segmentDuration: presentedTicks(video, gated.movie.timescale, timescale),
      },
      shift,
    );
    const audioOut = sliceTrack(
      audio,
      { first: 0, end: count },
      { mediaTime: mediaStart(audio), segmentDuration: presentedTicks(audio, gated.movie.timescale, timescale) },
    );
    for (let i = 0; i < count; i++) if (!Number.isNaN(replacedSizes[i]!)) audioOut.sizes[i] = replacedSizes[i]!;
    const layout = layoutSamples([
      { offsets: video.samples.offset, sizes: video.samples.size },
      { offsets: audio.samples.offset, sizes: audio.samples.size, replacedSizes },
    ]);
    const output = writeMovieHead(
      movieSpecFrom(gated.movie, timescale, videoBrands(video.entry.codec)),
      [videoOut, audioOut],
      layout.chunks,
      layout.payloadBytes,
    );
    ctx.progress(70, 'uploading');
    const input = stageFile ? stagedSource(source, stageFile, staged) : source;
    const size = await ctx.uploadStream(request.output, output.totalBytes, async function* () {
      const newFrames =
        encoded && encodedFile
          ? sequentialSampleReader(encodedFile, encoded.samples.offset, encoded.samples.size)
          : null;
      yield output.head;
      yield* streamPayload(input, layout.parts, layout.spans, (_track, sample) => newFrames!(newIndex[sample]!, 1));
    });
    const replaced = replacedSizes.reduce((n, s) => n + (Number.isNaN(s) ? 0 : 1), 0);
    log('info', 'mute done in-process', { bytes: size, frames_replaced: replaced, frames: count });
    return {
      intervals: plan.intervals.map((r) => ({ start: ms(r.start), end: ms(r.end) })),
      duration: ms(output.duration / timescale),
      video_copied: true,
      size_bytes: size,
    };
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
}
