/**
 * Which samples a copy cut takes, decided from the sample tables alone:
 * - video: the sync sample at or before `start` (its presentation time is the cut's `actual_start`)
 *   through the packets ffmpeg's `-ss K -i src -t D -c copy` keeps — those whose decode time, after
 *   the seek's offset, is before D (µs, rounded like ffmpeg) — so this path and the ffmpeg fallback
 *   give the same frames. The output's edit list starts the presentation on the keyframe (hiding
 *   B-frame composition delay).
 * - audio: the samples covering the video's presented span, plus a few before it that only prime
 *   the decoder (hidden by the edit list), so the first audible sample is right.
 * Sources it cannot cut with certainty are unsupported: a video not starting at 0 on a keyframe, an
 * edit hiding part of the video, an open GOP at the cut (frames shown before the keyframe).
 */
import type { GatedMovie, MediaTrack } from './gate.ts';
import { rescale } from './rescale.ts';
import type { AudioCodec, AudioEntry, VideoEntry } from './sample-entry.ts';
import { mediaStart, type SampleRange, sampleDuration, sliceTrack } from './track-slice.ts';
import { unsupported } from './unsupported.ts';
import type { OutputTrack } from './write-movie.ts';

export interface PlannedTrack<E extends VideoEntry | AudioEntry = VideoEntry | AudioEntry> {
  source: MediaTrack<E>;
  range: SampleRange;
  output: OutputTrack;
}

export interface CopyPlan {
  /** Presentation time of the keyframe the cut starts on, seconds. */
  keyframeTime: number;
  /** Output movie timescale (the video's: edits are exact). */
  timescale: number;
  video: PlannedTrack<VideoEntry>;
  audio: PlannedTrack<AudioEntry> | null;
  /** Video length as ffprobe reports a stream's: the sum of its sample durations, seconds. */
  videoSeconds: number;
}

/** Decoder priming before the first audible sample (MDCT overlap; MP3's bit reservoir; Opus pre-roll). */
const AUDIO_PREROLL: Record<AudioCodec, { packets: number; seconds: number }> = {
  aac: { packets: 2, seconds: 0 },
  mp3: { packets: 3, seconds: 0 },
  opus: { packets: 1, seconds: 0.08 },
};

/** Seconds as ffmpeg parses our `-ss`/`-t` arguments (printed with 6 decimals): whole microseconds. */
const micros = (seconds: number) => Math.round(Number(seconds.toFixed(6)) * 1e6);

function planVideo(
  video: MediaTrack<VideoEntry>,
  start: number,
  end: number,
  movieTimescale: number,
): { range: SampleRange; keyframe: number; presentedEnd: number; shift: number } {
  const { dts, cto, sync, count } = video.samples;
  const timescale = video.track.timescale;
  const m = mediaStart(video);
  const pts = (i: number) => dts[i]! + cto[i]! - m;
  if (pts(0) !== 0 || (sync && !sync[0])) unsupported('the video does not start at 0 on a keyframe');
  // The edit must show every frame: frames it hides would need ffmpeg's rules for hidden frames.
  const edit = video.track.edit;
  if (edit) {
    let last = 0;
    for (let i = 0; i < count; i++) last = Math.max(last, pts(i));
    if (rescale(edit.segmentDuration, timescale, movieTimescale) <= last)
      unsupported('an edit list hiding the end of the video');
  }
  // The sync sample at or before start (presentation order = decode order for sync samples).
  const startTicks = start * timescale + 1e-6 * timescale;
  let k = 0;
  let best = 0;
  for (let i = 0; i < count; i++) {
    if (sync && !sync[i]) continue;
    const p = pts(i);
    if (p <= startTicks && p >= best) {
      best = p;
      k = i;
    }
  }
  const keyframeTicks = pts(k);
  const keyframe = keyframeTicks / timescale;
  // ffmpeg: -ss K shifts timestamps by -K (rescaled to the stream's time base), -t D closes the
  // stream at the first packet whose decode time (in µs) is ≥ D.
  const offset = rescale(-micros(keyframe), timescale, 1_000_000);
  const limit = micros(end - keyframe);
  let e = k;
  while (e < count && rescale(dts[e]! - m + offset, 1_000_000, timescale) < limit) e++;
  let presentedEnd = 0;
  let minOffset = 0;
  for (let i = k; i < e; i++) {
    if (pts(i) < keyframeTicks) unsupported('an open GOP at the cut (frames shown before the keyframe)');
    presentedEnd = Math.max(presentedEnd, pts(i) + sampleDuration(video, i));
    minOffset = Math.min(minOffset, cto[i]!);
  }
  return { range: { first: k, end: e }, keyframe: keyframeTicks, presentedEnd, shift: -minOffset };
}

/** First index whose value is > x in a rising array (binary search). */
function upperBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Audio samples for the presentation span [from, to) (audio ticks), with decoder priming before it. */
function planAudio(
  audio: MediaTrack<AudioEntry>,
  from: number,
  to: number,
  movieTimescale: number,
): { range: SampleRange; mediaTime: number; presented: number } | null {
  const { dts, cto, end } = audio.samples;
  if (cto.some((v) => v !== 0)) unsupported('audio with composition offsets');
  const m = mediaStart(audio);
  const edit = audio.track.edit;
  const shown = edit ? rescale(edit.segmentDuration, audio.track.timescale, movieTimescale) : end - m;
  const stop = Math.min(to, shown, end - m);
  if (stop <= from) return null;
  // The sample holding `from`, then back over the priming packets.
  const holding = Math.max(0, upperBound(dts, from + m) - 1);
  const preroll = AUDIO_PREROLL[audio.entry.codec];
  let first = holding;
  while (
    first > 0 &&
    (holding - first < preroll.packets || dts[holding]! - dts[first]! < preroll.seconds * audio.track.timescale)
  )
    first--;
  const last = upperBound(dts, stop + m - 1);
  return {
    range: { first, end: Math.max(last, holding + 1) },
    mediaTime: from + m - dts[first]!,
    presented: stop - from,
  };
}

/**
 * The audio shown in [from, to) (seconds of presentation) as a track of its own, for a movie whose
 * timescale is the audio's: the frames covering the span plus the priming before it, which the
 * edit hides, so the first sample heard is the one at `from`.
 */
export function planAudioCut(gated: GatedMovie, from: number, to: number): PlannedTrack<AudioEntry> | null {
  const audio = gated.audio;
  if (!audio) return null;
  const rate = audio.track.timescale;
  const chosen = planAudio(audio, Math.round(from * rate), Math.round(to * rate), gated.movie.timescale);
  if (!chosen) return null;
  return {
    source: audio,
    range: chosen.range,
    output: sliceTrack(audio, chosen.range, { mediaTime: chosen.mediaTime, segmentDuration: chosen.presented }),
  };
}

export function planCopyCut(gated: GatedMovie, start: number, end: number): CopyPlan {
  const video = gated.video;
  if (!video) return unsupported('no video track');
  const timescale = video.track.timescale;
  const planned = planVideo(video, start, Math.min(end, gated.duration), gated.movie.timescale);
  const { range, keyframe, presentedEnd, shift } = planned;
  const videoTicks = presentedEnd - keyframe;
  const videoOut = sliceTrack(
    video,
    range,
    { mediaTime: video.samples.cto[range.first]! + shift, segmentDuration: videoTicks },
    shift,
  );
  let audioPlan: PlannedTrack<AudioEntry> | null = null;
  const audio = gated.audio;
  if (audio) {
    const rate = audio.track.timescale;
    const chosen = planAudio(
      audio,
      rescale(keyframe, rate, timescale),
      rescale(presentedEnd, rate, timescale),
      gated.movie.timescale,
    );
    if (chosen) {
      const output = sliceTrack(audio, chosen.range, {
        mediaTime: chosen.mediaTime,
        segmentDuration: rescale(chosen.presented, timescale, rate),
      });
      audioPlan = { source: audio, range: chosen.range, output };
    }
  }
  return {
    keyframeTime: keyframe / timescale,
    timescale,
    video: { source: video, range, output: videoOut },
    audio: audioPlan,
    videoSeconds: videoOut.durations.reduce((sum, d) => sum + d, 0) / timescale,
  };
}
