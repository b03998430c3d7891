/**
 * The processor's input gate, applied in-process to a parsed movie: the same limits, order and error
 * codes as the ffprobe gate (media/probe.ts) — duration, stream count, picture size and pixel count,
 * then truncation (here exact: every sample must lie inside the file) and the streams the operation
 * needs. What the in-process code cannot judge with certainty (cover art, several video or audio
 * tracks, a codec outside its subset of the allow-list) is `Mp4Unsupported`: ffprobe decides.
 */
import type { Limits } from '../config.ts';
import { ProcessorFailure } from '../errors.ts';
import type { GateRequirements } from '../media/probe.ts';
import { hasCoverArt, type Movie, type Track } from './movie.ts';
import type { AudioEntry, VideoEntry } from './sample-entry.ts';
import { readSampleTable, type SampleTable } from './sample-table.ts';
import { unsupported } from './unsupported.ts';

/** Samples expanded per operation at most (25 bytes each): 4 h of 60 fps video with its audio fits. */
export const MAX_SAMPLES = 2 * 1024 * 1024;

export interface MediaTrack<E extends VideoEntry | AudioEntry> {
  track: Track;
  entry: E;
  samples: SampleTable;
}

export interface GatedMovie {
  movie: Movie;
  /** Seconds, from the movie header (what ffprobe reports as the format duration). */
  duration: number;
  video: MediaTrack<VideoEntry> | null;
  audio: MediaTrack<AudioEntry> | null;
}

export function gateMovie(movie: Movie, fileSize: number, limits: Limits, needs: GateRequirements = {}): GatedMovie {
  if (hasCoverArt(movie)) unsupported('cover art');
  const duration = movie.duration / movie.timescale;
  if (!(duration > 0)) unsupported('no duration in the movie header');
  if (duration > limits.maxInputDurationSeconds) {
    throw new ProcessorFailure(
      'limits_exceeded',
      `The input lasts ${Math.round(duration)} s; the limit is ${limits.maxInputDurationSeconds} s`,
    );
  }
  if (movie.tracks.length > limits.maxStreams) {
    throw new ProcessorFailure(
      'limits_exceeded',
      `The input has ${movie.tracks.length} streams; the limit is ${limits.maxStreams}`,
    );
  }
  const videos = movie.tracks.filter((t) => t.handler === 'vide');
  const audios = movie.tracks.filter((t) => t.handler === 'soun');
  for (const track of videos) {
    const entry = track.description?.entry;
    if (entry?.kind !== 'video') return unsupported('a video track without a video description');
    const { width: w, height: h } = entry;
    if (w > limits.maxWidth || h > limits.maxHeight || w * h > limits.maxPixels) {
      throw new ProcessorFailure(
        'limits_exceeded',
        `The input picture is ${w}×${h}; the limit is ${limits.maxWidth}×${limits.maxHeight} and ${limits.maxPixels} pixels`,
      );
    }
    if (!w || !h) unsupported('a video description without a picture size');
  }
  if (videos.length > 1 || audios.length > 1) unsupported('several video or audio tracks');
  let budget = MAX_SAMPLES;
  const expand = <E extends VideoEntry | AudioEntry>(track: Track | undefined): MediaTrack<E> | null => {
    if (!track) return null;
    const samples = readSampleTable(movie.buf, track.tables!, fileSize, budget);
    budget -= samples.count;
    return { track, entry: track.description!.entry as E, samples };
  };
  const video = expand<VideoEntry>(videos[0]);
  const audio = expand<AudioEntry>(audios[0]);
  if (audio && audio.entry.kind !== 'audio') unsupported('an audio track without an audio description');
  if (needs.video && !video) throw new ProcessorFailure('no_video_stream', 'The input has no video stream');
  if (needs.audio && !audio) throw new ProcessorFailure('no_audio_stream', 'The input has no audio stream');
  return { movie, duration, video, audio };
}
