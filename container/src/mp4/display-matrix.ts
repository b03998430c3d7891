/**
 * The track display matrix (tkhd) as a rotation, when it is one: a turn by a multiple of 90°
 * without scaling, mirroring or translation. Clockwise degrees, as the processor reports rotation.
 * Other matrices are unsupported (the output's reported size would be a guess).
 */
import { unsupported } from './unsupported.ts';

const ONE = 0x10000;

export function matrixRotation(matrix: Buffer): 0 | 90 | 180 | 270 {
  const m = Array.from({ length: 9 }, (_, i) => matrix.readInt32BE(i * 4));
  const [a, b, u, c, d, v, x, y, w] = m as [number, number, number, number, number, number, number, number, number];
  if (u !== 0 || v !== 0 || x !== 0 || y !== 0 || w !== 0x40000000) unsupported('a display matrix with translation');
  if (a === ONE && b === 0 && c === 0 && d === ONE) return 0;
  if (a === 0 && b === ONE && c === -ONE && d === 0) return 90;
  if (a === -ONE && b === 0 && c === 0 && d === -ONE) return 180;
  if (a === 0 && b === -ONE && c === ONE && d === 0) return 270;
  return unsupported('a display matrix that is not a plain rotation');
}
