/**
 * Passes a stream through unchanged while computing its SHA-256 (hex), so an upload can be
 * fingerprinted for Idempotency-Key checks without holding it in memory. Workers only
 * (`crypto.DigestStream`).
 */
import { toHex } from '../../shared/encoding.ts';

export function hashingStream(source: ReadableStream<Uint8Array>): {
  stream: ReadableStream<Uint8Array>;
  digest: () => Promise<string>;
} {
  const digester = new crypto.DigestStream('SHA-256');
  const writer = digester.getWriter();
  let closed = false;
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await writer.write(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        closed = true;
        await writer.close();
      },
    }),
  );
  return {
    stream,
    async digest() {
      if (!closed) throw new Error('the stream was not read to its end');
      return toHex(await digester.digest);
    },
  };
}
