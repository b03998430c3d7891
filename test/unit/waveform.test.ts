import { describe, expect, it } from 'vitest';
import { downsampleWaveform } from '../../src/source-videos/waveform.ts';

/** What the processor computes from raw RMS values: sqrt(rms / max). */
const scale = (rms: number[]) => {
  const max = Math.max(...rms);
  return rms.map((r) => Math.sqrt(r / max));
};

describe('downsampleWaveform', () => {
  it('equals the waveform computed directly at the lower resolution', () => {
    // 4000 fine bins of a signal whose RMS ramps up and has a loud burst.
    const fine = Array.from({ length: 4000 }, (_, i) => (i >= 3000 && i < 3100 ? 0.9 : 0.1 + (i / 4000) * 0.3));
    const coarseRms = Array.from({ length: 800 }, (_, j) => {
      const group = fine.slice(j * 5, j * 5 + 5);
      return Math.sqrt(group.reduce((s, r) => s + r * r, 0) / group.length);
    });
    const expected = scale(coarseRms);
    const actual = downsampleWaveform(scale(fine), 800);
    expect(actual).toHaveLength(800);
    actual.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 3));
    expect(Math.max(...actual)).toBe(1);
  });

  it('handles non-integer ratios, silence, and requests at or above the stored size', () => {
    const stored = Array.from({ length: 4000 }, (_, i) => (i % 2 ? 1 : 0));
    const out = downsampleWaveform(stored, 333);
    expect(out).toHaveLength(333);
    for (const v of out) expect(v).toBeCloseTo(1, 3);
    expect(downsampleWaveform(new Array(4000).fill(0), 100)).toEqual(new Array(100).fill(0));
    expect(downsampleWaveform([0.5, 1], 800)).toEqual([0.5, 1]);
  });
});
