/** Writes an MP4 of planned tracks into the temp dir: the head, then the samples read from `source`. */
import { open } from 'node:fs/promises';
import type { ByteSource } from './byte-source.ts';
import type { PlannedTrack } from './copy-plan.ts';
import { layoutSamples } from './sample-layout.ts';
import { streamPayload } from './stream-payload.ts';
import { type MovieSpec, writeMovieHead } from './write-movie.ts';

export async function writeMp4File(
  path: string,
  spec: MovieSpec,
  tracks: readonly PlannedTrack[],
  source: ByteSource,
): Promise<void> {
  const layout = layoutSamples(
    tracks.map((t) => ({
      offsets: t.source.samples.offset.subarray(t.range.first, t.range.end),
      sizes: t.output.sizes,
    })),
  );
  const { head } = writeMovieHead(
    spec,
    tracks.map((t) => t.output),
    layout.chunks,
    layout.payloadBytes,
  );
  const file = await open(path, 'w');
  try {
    let position = 0;
    const write = async (bytes: Uint8Array) => {
      await file.write(bytes, 0, bytes.length, position);
      position += bytes.length;
    };
    await write(head);
    for await (const piece of streamPayload(source, layout.parts, layout.spans)) await write(piece);
  } finally {
    await file.close();
  }
}
