/** Small facts about output files: the MP4 flags every video output gets, and a sanity check. */
import { roundMs } from '../../../shared/seconds.ts';
import { stat } from 'node:fs/promises';
import { ProcessorFailure } from '../errors.ts';

/** Index first, so players (and our own range reads later) start without fetching the tail. */
export const MP4_FASTSTART = ['-movflags', '+faststart'] as const;

/** Size of an output file; a missing or empty file means ffmpeg produced nothing usable. */
export async function outputSize(path: string, what = 'output'): Promise<number> {
  try {
    const { size } = await stat(path);
    if (size > 0) return size;
  } catch {
    // fall through
  }
  throw new ProcessorFailure(
    'invalid_media',
    `No ${what} could be produced from the input (nothing decodable at that point)`,
  );
}

export async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

/** Seconds with millisecond precision, as every result reports them (the ops' short name). */
export const ms = roundMs;
