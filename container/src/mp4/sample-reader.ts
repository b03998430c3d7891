/**
 * Reads one track's samples from a file in rising order through a window, so a remux costs one
 * read per MiB rather than one per sample; consecutive samples that sit together come out as one
 * piece. Samples must be asked for in order (each run after the previous one).
 */
import type { ByteSource } from './byte-source.ts';

const WINDOW_BYTES = 1024 * 1024;

export type SampleRunReader = (first: number, count: number) => AsyncGenerator<Uint8Array>;

export function sequentialSampleReader(
  source: ByteSource,
  offsets: ArrayLike<number>,
  sizes: ArrayLike<number>,
): SampleRunReader {
  let window: Buffer = Buffer.alloc(0);
  let windowStart = 0;
  return async function* (first, count) {
    let pieceStart = -1;
    let pieceEnd = -1;
    for (let i = first; i < first + count; i++) {
      const start = offsets[i]!;
      const end = start + sizes[i]!;
      if (start < windowStart || end > windowStart + window.length) {
        if (pieceStart >= 0) yield window.subarray(pieceStart - windowStart, pieceEnd - windowStart);
        pieceStart = -1;
        window = await source.read(start, Math.max(WINDOW_BYTES, end - start));
        windowStart = start;
        if (window.length < end - start) throw new Error('a sample lies past the end of its file');
      }
      if (pieceStart >= 0 && start === pieceEnd) {
        pieceEnd = end;
      } else {
        if (pieceStart >= 0) yield window.subarray(pieceStart - windowStart, pieceEnd - windowStart);
        pieceStart = start;
        pieceEnd = end;
      }
    }
    if (pieceStart >= 0) yield window.subarray(pieceStart - windowStart, pieceEnd - windowStart);
  };
}
