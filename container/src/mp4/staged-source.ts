/**
 * A source read partly from a local copy: byte ranges already fetched (and written at their own
 * offsets into a temp file) are streamed from there, the rest from the source itself. Keeps a
 * remux from reading any part of the input twice.
 */
import type { ByteSource } from './byte-source.ts';

export interface ByteRange {
  start: number;
  end: number;
}

export function stagedSource(source: ByteSource, stage: ByteSource, staged: readonly ByteRange[]): ByteSource {
  const sorted = [...staged].sort((a, b) => a.start - b.start);
  return {
    read: (position, length) => source.read(position, length),
    size: () => source.size(),
    async *stream(position, length) {
      const end = position + length;
      let at = position;
      for (const range of sorted) {
        if (range.end <= at) continue;
        if (range.start >= end) break;
        if (range.start > at) yield* source.stream(at, range.start - at);
        const to = Math.min(end, range.end);
        yield* stage.stream(Math.max(at, range.start), to - Math.max(at, range.start));
        at = to;
      }
      if (at < end) yield* source.stream(at, end - at);
    },
  };
}
