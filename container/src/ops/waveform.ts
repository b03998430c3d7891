/**
 * `waveform`: N bins of normalised RMS (docs/compatibility.md#waveform): decode to 8 kHz mono s16 on a pipe, RMS per
 * bin, divide by the loudest bin, square root (so quiet passages stay visible). Streamed: memory
 * does not grow with the media's length. Audio-less or silent media gives all zeros.
 */
import type { WaveformResult } from '../../../shared/processor/operations.ts';
import { ms } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

export const WAVEFORM_SAMPLE_RATE = 8000;

/** Accumulates squared samples into bins as PCM arrives. */
export class BinnedRms {
  readonly bins: number;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly samplesPerBin: number;
  private sampleIndex = 0;
  private carry: Buffer = Buffer.alloc(0);

  constructor(bins: number, totalSamples: number) {
    this.bins = bins;
    this.sums = new Float64Array(bins);
    this.counts = new Float64Array(bins);
    this.samplesPerBin = Math.max(1, totalSamples / bins);
  }

  push(chunk: Buffer): void {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = data.length - (data.length % 2);
    for (let offset = 0; offset < whole; offset += 2) {
      const sample = data.readInt16LE(offset) / 32768;
      const bin = Math.min(this.bins - 1, Math.floor(this.sampleIndex / this.samplesPerBin));
      this.sums[bin]! += sample * sample;
      this.counts[bin]! += 1;
      this.sampleIndex++;
    }
    this.carry = data.subarray(whole);
  }

  peaks(): number[] {
    const rms = Array.from(this.sums, (sum, i) => (this.counts[i] ? Math.sqrt(sum / this.counts[i]!) : 0));
    const max = Math.max(0, ...rms);
    if (max === 0) return rms.map(() => 0);
    return rms.map((value) => Math.round(Math.sqrt(value / max) * 10000) / 10000);
  }
}

export const waveformOperation: Operation<'waveform'> = {
  name: 'waveform',
  async run(request, ctx): Promise<WaveformResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source);
    const duration = ms(info.duration);
    if (!info.audio) return { bins: request.bins, duration, peaks: new Array<number>(request.bins).fill(0) };
    ctx.expectWholeRead(source);
    const acc = new BinnedRms(request.bins, info.duration * WAVEFORM_SAMPLE_RATE);
    await ctx.ffmpeg(
      [
        ...ctx.input(source),
        '-map',
        `0:${info.audio.index}`,
        '-vn',
        '-ac',
        '1',
        '-ar',
        String(WAVEFORM_SAMPLE_RATE),
        '-f',
        's16le',
        'pipe:1',
      ],
      { onStdout: (chunk) => acc.push(chunk) },
    );
    return { bins: request.bins, duration, peaks: acc.peaks() };
  },
};
