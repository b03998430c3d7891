/** Reads, parses and gates an input's movie in-process: `moov` by ranged reads, then the gate. */
import type { Limits } from '../config.ts';
import type { GateRequirements } from '../media/probe.ts';
import type { ByteSource } from './byte-source.ts';
import { findMovie } from './find-movie.ts';
import { gateMovie, type GatedMovie } from './gate.ts';
import { readMovie } from './movie.ts';

/** `moov` boxes above this go to the ffmpeg path (4 h of 60 fps video with audio needs about 15 MB). */
export const MAX_MOOV_BYTES = 32 * 1024 * 1024;

export async function loadMovie(
  source: ByteSource,
  limits: Limits,
  needs: GateRequirements,
): Promise<GatedMovie & { fileSize: number }> {
  const { moov, fileSize } = await findMovie(source, { maxMoovBytes: MAX_MOOV_BYTES });
  return { ...gateMovie(readMovie(moov), fileSize, limits, needs), fileSize };
}
