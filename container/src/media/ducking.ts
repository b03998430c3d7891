/**
 * How a track (the bed: a video's own sound) makes room for a new one mixed over it (a voice-over),
 * one filter for every operation that mixes (`audio` mix, `render` voice-over):
 * - sidechain: a compressor keyed by the new track pulls the bed down to `duck_to` while the new
 *   track sounds, and lets it back up in its pauses;
 * - constant: the bed at `duck_to` over the whole new track.
 */
import type { Ducking } from '../../../shared/processor/operations.ts';

const f = (n: number) => Number(n.toFixed(6)).toString();

/**
 * The sidechain compressor. Any voice above −60 dBFS (threshold) starts pulling the gain down, and
 * speech at an ordinary level (−30 … −15 dBFS RMS) is 30–45 dB over it: with ratio 20 the compressed
 * bed is all but gone, and `mix = 1 − duck_to` keeps `duck_to` of the dry bed, so the floor is
 * `duck_to` itself (gain = duck_to + (1 − duck_to)·compressed; measured: 0.5 dB above it for a voice
 * at −17 dBFS). Attack 20 ms: down within 50 ms of a word's onset. Release 150 ms (the RMS detector
 * falls through ~40 dB of power): the bed stays down through the ~0.1 s gaps between words and is
 * back at full level about 0.35 s after the voice stops.
 */
export const SIDECHAIN = { threshold: 0.001, ratio: 20, attack: 20, release: 150 } as const;

/**
 * Filter chains (for a -filter_complex) that turn `bed` into `out`, ducked for `voice`, which they
 * consume (split it first when it is mixed too). `voiceEnd` bounds the constant duck (seconds from 0;
 * the whole bed when absent). The key is padded with silence, so a voice shorter than the bed never
 * ends the bed.
 */
export function duckChains(
  labels: { bed: string; voice: string; out: string },
  duckTo: number,
  ducking: Ducking,
  voiceEnd?: number,
): string[] {
  const { bed, voice, out } = labels;
  if (ducking === 'sidechain') {
    const { threshold, ratio, attack, release } = SIDECHAIN;
    return [
      `[${voice}]apad[${out}_key]`,
      `[${bed}][${out}_key]sidechaincompress=threshold=${threshold}:ratio=${ratio}:attack=${attack}:release=${release}:mix=${f(1 - duckTo)}[${out}]`,
    ];
  }
  const enable = voiceEnd === undefined ? '' : `:enable='between(t,0,${voiceEnd.toFixed(3)})'`;
  return [`[${voice}]anullsink`, `[${bed}]volume=${f(duckTo)}${enable}[${out}]`];
}
