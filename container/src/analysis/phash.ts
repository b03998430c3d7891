/**
 * Perceptual hash (pHash) of an 8-bit grayscale image, as the original's `compute_phash`:
 * downscale to 32×32, 2-D DCT-II, keep the top-left 8×8 coefficients, and set a bit for each
 * coefficient above the median of the 63 non-DC ones. Two near-identical images differ in few bits.
 */

const HASH_INPUT_SIZE = 32;
const HASH_BLOCK = 8;
/** Far below one grey level's contribution to any coefficient (≥ 1/32 of a level × 1024 pixels). */
const FLOAT_NOISE = 1e-6;

/** 64 bits as two unsigned 32-bit halves (bit i of the 8×8 block, row-major). */
export interface PerceptualHash {
  high: number;
  low: number;
}

/** cos(π(2x+1)u / 2N) for u < 8, x < 32: the only DCT rows the hash needs. */
const DCT_BASIS: Float64Array = (() => {
  const basis = new Float64Array(HASH_BLOCK * HASH_INPUT_SIZE);
  for (let u = 0; u < HASH_BLOCK; u++) {
    for (let x = 0; x < HASH_INPUT_SIZE; x++) {
      basis[u * HASH_INPUT_SIZE + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * HASH_INPUT_SIZE));
    }
  }
  return basis;
})();

/** Area-average downscale to 32×32: each source pixel counts towards the cell its centre falls in. */
function downscaleTo32(gray: Uint8Array, width: number, height: number): Float64Array {
  const sums = new Float64Array(HASH_INPUT_SIZE * HASH_INPUT_SIZE);
  const counts = new Uint32Array(HASH_INPUT_SIZE * HASH_INPUT_SIZE);
  for (let y = 0; y < height; y++) {
    const cellY = Math.min(HASH_INPUT_SIZE - 1, Math.floor(((y + 0.5) * HASH_INPUT_SIZE) / height));
    for (let x = 0; x < width; x++) {
      const cellX = Math.min(HASH_INPUT_SIZE - 1, Math.floor(((x + 0.5) * HASH_INPUT_SIZE) / width));
      const cell = cellY * HASH_INPUT_SIZE + cellX;
      sums[cell]! += gray[y * width + x]!;
      counts[cell]! += 1;
    }
  }
  // Images smaller than 32 px on a side leave empty cells; fill them from the nearest filled row/column.
  for (let cell = 0; cell < sums.length; cell++) {
    if (counts[cell]! > 0) sums[cell]! /= counts[cell]!;
  }
  if (width < HASH_INPUT_SIZE || height < HASH_INPUT_SIZE) {
    for (let cy = 0; cy < HASH_INPUT_SIZE; cy++) {
      const sy = Math.min(height - 1, Math.floor((cy * height) / HASH_INPUT_SIZE));
      for (let cx = 0; cx < HASH_INPUT_SIZE; cx++) {
        const sx = Math.min(width - 1, Math.floor((cx * width) / HASH_INPUT_SIZE));
        sums[cy * HASH_INPUT_SIZE + cx] = gray[sy * width + sx]!;
      }
    }
  }
  return sums;
}

export function perceptualHash(gray: Uint8Array, width: number, height: number): PerceptualHash {
  if (width <= 0 || height <= 0 || gray.length < width * height) {
    throw new RangeError(`perceptualHash: ${gray.length} bytes cannot hold a ${width}×${height} image`);
  }
  const pixels = downscaleTo32(gray, width, height);
  const n = HASH_INPUT_SIZE;
  // Separable DCT: rows first (32 rows × 8 coefficients), then columns (8 × 8).
  const rowPass = new Float64Array(n * HASH_BLOCK);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < HASH_BLOCK; u++) {
      let acc = 0;
      for (let x = 0; x < n; x++) acc += pixels[y * n + x]! * DCT_BASIS[u * n + x]!;
      rowPass[y * HASH_BLOCK + u] = acc;
    }
  }
  const block = new Float64Array(HASH_BLOCK * HASH_BLOCK);
  for (let v = 0; v < HASH_BLOCK; v++) {
    for (let u = 0; u < HASH_BLOCK; u++) {
      let acc = 0;
      for (let y = 0; y < n; y++) acc += rowPass[y * HASH_BLOCK + u]! * DCT_BASIS[v * n + y]!;
      // Rounding residue stands in for zero: flat images then hash alike instead of by float noise.
      block[v * HASH_BLOCK + u] = Math.abs(acc) < FLOAT_NOISE ? 0 : acc;
    }
  }
  const withoutDc = Array.from(block.subarray(1)).sort((a, b) => a - b);
  const mid = withoutDc.length >> 1;
  const median = withoutDc.length % 2 === 1 ? withoutDc[mid]! : (withoutDc[mid - 1]! + withoutDc[mid]!) / 2;
  let high = 0;
  let low = 0;
  for (let bit = 0; bit < 64; bit++) {
    if (block[bit]! > median) {
      if (bit < 32) high = (high | (1 << bit)) >>> 0;
      else low = (low | (1 << (bit - 32))) >>> 0;
    }
  }
  return { high, low };
}

function popcount32(value: number): number {
  let v = value >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hammingDistance(a: PerceptualHash, b: PerceptualHash): number {
  return popcount32(a.high ^ b.high) + popcount32(a.low ^ b.low);
}
