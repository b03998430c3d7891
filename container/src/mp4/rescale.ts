/** a·b/c rounded to nearest, halves away from zero: ffmpeg's av_rescale, exact like its 128-bit maths. */
export function rescale(a: number, b: number, c: number): number {
  const A = BigInt(a);
  const magnitude = ((A < 0n ? -A : A) * BigInt(b) + BigInt(c) / 2n) / BigInt(c);
  return Number(A < 0n ? -magnitude : magnitude);
}
