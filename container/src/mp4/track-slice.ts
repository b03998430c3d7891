/**
 * A run of a source track's samples [first, end) as an output track: decode times restart at 0,
 * durations and sizes are the source's, composition offsets shifted (when some are negative) so the
 * edit's media time stays ≥ 0, sync flags kept. The edit says where the presentation starts.
 */
import type { MediaTrack } from './gate.ts';
import type { AudioEntry, VideoEntry } from './sample-entry.ts';
import type { OutputTrack } from './write-movie.ts';

export interface SampleRange {
  first: number;
  end: number;
}

/** Decode duration of sample i (the last one's from the track's end). */
export function sampleDuration(track: MediaTrack<VideoEntry | AudioEntry>, i: number): number {
  const { dts, end, count } = track.samples;
  return (i + 1 < count ? dts[i + 1]! : end) - dts[i]!;
}

/** Where a track's presentation starts in its media (the edit's media time, else 0). */
export const mediaStart = (track: MediaTrack<VideoEntry | AudioEntry>) => track.track.edit?.mediaTime ?? 0;

export function sliceTrack(
  source: MediaTrack<VideoEntry | AudioEntry>,
  range: SampleRange,
  edit: { mediaTime: number; segmentDuration: number },
  compositionShift = 0,
): OutputTrack {
  const { samples } = source;
  const n = range.end - range.first;
  const durations = new Uint32Array(n);
  for (let i = 0; i < n; i++) durations[i] = sampleDuration(source, range.first + i);
  let compositionOffsets: Int32Array | null = null;
  if (source.entry.kind === 'video') {
    compositionOffsets = samples.cto.slice(range.first, range.end);
    if (compositionShift) for (let i = 0; i < n; i++) compositionOffsets[i]! += compositionShift;
  }
  return {
    handler: source.entry.kind === 'video' ? 'vide' : 'soun',
    header: source.track.header,
    timescale: source.track.timescale,
    language: source.track.language,
    sampleDescription: source.track.description!.raw,
    edit,
    durations,
    compositionOffsets,
    sync: samples.sync ? samples.sync.slice(range.first, range.end) : null,
    sizes: samples.size.slice(range.first, range.end),
  };
}
