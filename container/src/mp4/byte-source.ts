/**
 * Where the in-process MP4 code reads bytes from: the operation's input URL through the range
 * gateway (same origin allow-list, exact Range requests, no redirects), or a file the operation
 * wrote into its temp dir. Reads are exact: `read` returns fewer bytes only at the end of the file.
 */
import { open } from 'node:fs/promises';

export interface ByteSource {
  /** Up to `length` bytes from `position` (cached: a later ffmpeg/ffprobe read of them is free). */
  read(position: number, length: number): Promise<Buffer>;
  /** Total size, known after the first read. */
  size(): number | null;
  /** Exactly [position, position + length) in pieces as they arrive, uncached (data read once). */
  stream(position: number, length: number): AsyncIterable<Uint8Array>;
}

const LOCAL_PIECE_BYTES = 1024 * 1024;

/** A local file this operation wrote (temp dir only: callers never pass user paths). */
export async function fileByteSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  const read = async (position: number, length: number) => {
    const want = Math.max(0, Math.min(length, size - position));
    const buffer = Buffer.alloc(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await handle.read(buffer, done, want - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === want ? buffer : buffer.subarray(0, done);
  };
  return {
    read,
    size: () => size,
    async *stream(position, length) {
      const end = position + length;
      for (let at = position; at < end; ) {
        const piece = await read(at, Math.min(LOCAL_PIECE_BYTES, end - at));
        if (piece.length === 0) throw new Error('a temp file is shorter than expected');
        yield piece;
        at += piece.length;
      }
    },
    close: () => handle.close(),
  };
}
