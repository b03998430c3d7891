/**
 * Waveforms are computed once, at probe time, at the highest resolution served (4000 bins), and
 * stored on the video. A request for fewer bins is answered by downsampling the stored bins, with no
 * processor call.
 *
 * Stored values follow the original (docs/compatibility.md#waveform): per bin RMS, normalised to the loudest bin, then
 * sqrt-scaled: v = sqrt(rms / max_rms). Downsampling therefore undoes the sqrt, combines RMS values
 * as RMS do (the square root of the mean power, v⁴ ∝ rms²), re-normalises and re-applies the sqrt,
 * which gives what the processor would have computed at the lower resolution.
 */
export const STORED_WAVEFORM_BINS = 4000;
export const MIN_WAVEFORM_BINS = 100;
export const MAX_WAVEFORM_BINS = 4000;
export const DEFAULT_WAVEFORM_BINS = 800;

export function downsampleWaveform(stored: readonly number[], bins: number): number[] {
  const n = stored.length;
  if (bins >= n) return [...stored];
  const rms = new Array<number>(bins);
  const width = n / bins;
  for (let j = 0; j < bins; j++) {
    const start = j * width;
    const end = start + width;
    let power = 0;
    for (let i = Math.floor(start); i < Math.ceil(end) && i < n; i++) {
      // Fractional overlap of stored bin i with [start, end).
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      const v = stored[i]!;
      power += overlap * v * v * v * v;
    }
    rms[j] = Math.sqrt(power / width);
  }
  const max = Math.max(...rms);
  return rms.map((r) => (max > 0 ? roundBin(Math.sqrt(r / max)) : 0));
}

/** Four decimals are plenty for drawing and keep the stored JSON small. */
export function roundBin(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000;
}
