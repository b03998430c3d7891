/**
 * The `mdat` payload of an output, produced while it is read: each span is one ranged read of the
 * source, and only its pieces (the samples) are passed on, in order. Nothing is buffered beyond
 * what the upstream delivers at a time.
 */
import type { ByteSource } from './byte-source.ts';
import type { ReadSpan } from './sample-layout.ts';

export async function* streamPayload(source: ByteSource, spans: readonly ReadSpan[]): AsyncGenerator<Uint8Array> {
  for (const span of spans) {
    let position = span.start;
    let piece = 0;
    for await (const data of source.stream(span.start, span.end - span.start)) {
      const dataEnd = position + data.length;
      // Pass on the parts of this block that fall inside pieces.
      while (piece < span.pieces.length) {
        const { start, end } = span.pieces[piece]!;
        const from = Math.max(start, position);
        const to = Math.min(end, dataEnd);
        if (from < to) yield data.subarray(from - position, to - position);
        if (end <= dataEnd) piece++;
        else break;
      }
      position = dataEnd;
    }
  }
}
