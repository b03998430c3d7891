/**
 * Where the output's samples go and which source bytes feed them. Samples keep the source's file
 * order (so its interleaving of video and audio is kept), are packed back to back in `mdat`, and
 * each run of one track's samples forms a chunk. A sample can be replaced (a remux that swaps some
 * audio frames): it keeps its place but its bytes come from elsewhere. Source reads are coalesced
 * into spans: samples closer than MAX_GAP are read in one request (the gap is read and dropped),
 * farther ones start a new request. Each track's samples must rise through the file without
 * overlapping anything: otherwise the layout is unsupported.
 */
import type { TrackChunks } from './write-movie.ts';
import { unsupported } from './unsupported.ts';

/** Gaps up to this are read through rather than paying another request. */
export const MAX_GAP = 1024 * 1024;

export interface SampleSource {
  /** File offset and size of each sample of one track, in decode order. */
  offsets: ArrayLike<number>;
  sizes: ArrayLike<number>;
  /** Samples whose bytes come from elsewhere, and their output sizes (NaN: not replaced). */
  replacedSizes?: ArrayLike<number>;
}

/** Output payload, in order: source bytes, or a replaced sample. */
export type PayloadPart = { start: number; end: number } | { track: number; sample: number };

/** One upstream request. */
export interface ReadSpan {
  start: number;
  end: number;
}

export interface SampleLayout {
  chunks: TrackChunks[];
  parts: PayloadPart[];
  spans: ReadSpan[];
  payloadBytes: number;
}

export function layoutSamples(tracks: SampleSource[]): SampleLayout {
  const cursors = tracks.map(() => 0);
  const chunkOffsets: number[][] = tracks.map(() => []);
  const chunkSamples: number[][] = tracks.map(() => []);
  const parts: PayloadPart[] = [];
  const spans: ReadSpan[] = [];
  let payload = 0;
  let previousTrack = -1;
  let previousEnd = -1;
  for (;;) {
    // The next sample in file order across tracks.
    let next = -1;
    for (let t = 0; t < tracks.length; t++) {
      const i = cursors[t]!;
      if (i < tracks[t]!.sizes.length && (next < 0 || tracks[t]!.offsets[i]! < tracks[next]!.offsets[cursors[next]!]!))
        next = t;
    }
    if (next < 0) break;
    const track = tracks[next]!;
    const i = cursors[next]!++;
    const offset = track.offsets[i]!;
    const size = track.sizes[i]!;
    if (offset < previousEnd) unsupported('samples overlap or run backwards in the file');
    if (next === previousTrack) {
      chunkSamples[next]![chunkSamples[next]!.length - 1]!++;
    } else {
      chunkOffsets[next]!.push(payload);
      chunkSamples[next]!.push(1);
    }
    const replaced = track.replacedSizes?.[i];
    if (replaced !== undefined && !Number.isNaN(replaced)) {
      parts.push({ track: next, sample: i });
      payload += replaced;
    } else {
      const last = parts[parts.length - 1];
      if (last && 'start' in last && last.end === offset) last.end = offset + size;
      else parts.push({ start: offset, end: offset + size });
      const span = spans[spans.length - 1];
      if (span && offset - span.end <= MAX_GAP) span.end = offset + size;
      else spans.push({ start: offset, end: offset + size });
      payload += size;
    }
    previousTrack = next;
    previousEnd = offset + size;
  }
  return {
    chunks: tracks.map((_, t) => ({
      offsets: Float64Array.from(chunkOffsets[t]!),
      samplesPerChunk: Uint32Array.from(chunkSamples[t]!),
    })),
    parts,
    spans,
    payloadBytes: payload,
  };
}
