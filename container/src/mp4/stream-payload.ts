/**
 * The `mdat` payload of an output, produced while it is read: each span is one ranged read of the
 * source, of which only the parts (the samples) are passed on, in order; replaced samples come from
 * `replacement`. Nothing is buffered beyond what the upstream delivers at a time.
 */
import type { ByteSource } from './byte-source.ts';
import type { PayloadPart, ReadSpan } from './sample-layout.ts';

export type Replacement = (track: number, sample: number) => AsyncIterable<Uint8Array>;

/** A span being read: hands out [start, end) ranges in rising order, dropping the bytes between. */
class SpanCursor {
  private readonly blocks: AsyncIterator<Uint8Array>;
  private block: Uint8Array = new Uint8Array(0);
  /** File position of block[0]. */
  private position: number;

  constructor(source: ByteSource, span: ReadSpan) {
    this.blocks = source.stream(span.start, span.end - span.start)[Symbol.asyncIterator]();
    this.position = span.start;
  }

  async *take(start: number, end: number): AsyncGenerator<Uint8Array> {
    while (start < end) {
      if (start >= this.position + this.block.length) {
        this.position += this.block.length;
        const next = await this.blocks.next();
        if (next.done) throw new Error('a source read ended early');
        this.block = next.value;
        continue;
      }
      const to = Math.min(end, this.position + this.block.length);
      yield this.block.subarray(start - this.position, to - this.position);
      start = to;
    }
  }

  async close(): Promise<void> {
    await this.blocks.return?.();
  }
}

export async function* streamPayload(
  source: ByteSource,
  parts: readonly PayloadPart[],
  spans: readonly ReadSpan[],
  replacement?: Replacement,
): AsyncGenerator<Uint8Array> {
  let span = -1;
  let cursor: SpanCursor | null = null;
  try {
    for (const part of parts) {
      if (!('start' in part)) {
        if (!replacement) throw new Error('a replaced sample without a replacement');
        yield* replacement(part.track, part.sample);
        continue;
      }
      while (!cursor || part.start >= spans[span]!.end) {
        await cursor?.close();
        cursor = new SpanCursor(source, spans[++span]!);
      }
      yield* cursor.take(part.start, part.end);
    }
  } finally {
    await cursor?.close();
  }
}
