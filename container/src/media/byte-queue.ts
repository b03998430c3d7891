/**
 * A bounded queue of byte pieces between a producer and a consumer that runs at its own pace (a
 * download feeding ffmpeg's stdin): the producer waits only while more than `highWater` bytes are
 * queued, so a fast download is not held back by a slower consumer, and memory stays bounded.
 */
export class ByteQueue implements AsyncIterable<Uint8Array> {
  private readonly pieces: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private failure: unknown = null;
  private cancelled = false;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;
  private readonly highWater: number;

  constructor(highWater: number) {
    this.highWater = highWater;
  }

  /** Queues a piece; waits while the queue is over its high water. Dropped once the consumer is gone. */
  async push(piece: Uint8Array): Promise<void> {
    if (this.cancelled) return;
    this.pieces.push(piece);
    this.queued += piece.length;
    this.wakeConsumer?.();
    while (this.queued > this.highWater && !this.cancelled) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
  }

  end(): void {
    this.ended = true;
    this.wakeConsumer?.();
  }

  fail(err: unknown): void {
    this.failure = err;
    this.wakeConsumer?.();
  }

  /** The consumer is gone: drop what comes and never make the producer wait again. */
  cancel(): void {
    this.cancelled = true;
    this.pieces.length = 0;
    this.queued = 0;
    this.wakeProducer?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const piece = this.pieces.shift();
        if (piece) {
          this.queued -= piece.length;
          if (this.queued <= this.highWater) this.wakeProducer?.();
          yield piece;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
        this.wakeConsumer = null;
      }
    } finally {
      this.cancel();
    }
  }
}
