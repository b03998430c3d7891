/**
 * The in-process MP4 code met something it does not fully understand (a layout, a box, a codec, a
 * table that does not add up). Never a guess: the caller falls back to the ffmpeg path, whose gate
 * then decides. Definite verdicts (over the limits, truncated data) are ProcessorFailures instead.
 */
export class Mp4Unsupported extends Error {
  override name = 'Mp4Unsupported';
}

export function unsupported(reason: string): never {
  throw new Mp4Unsupported(reason);
}
