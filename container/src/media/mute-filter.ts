/**
 * Audio filters that silence or lower time ranges of a track (the original's three mute styles):
 * - hard: volume 0 inside the ranges;
 * - duck: volume `keep` inside the ranges;
 * - fade: the original's (docs/compatibility.md#voice-detection) "exponential" fades: the level falls to `keep` over `fade` seconds before
 *   each range and rises back over `fade` seconds after it (quadratic curves), ranges closer than
 *   0.4 s merged, optionally followed by the original's afftdn denoise.
 * The volume is evaluated per 256-sample block (5 ms at 48 kHz), not per 1024-sample AAC frame, so
 * edges land where asked.
 */
import type { TimeRange } from '../../../shared/processor/media.ts';
import type { MuteMode } from '../../../shared/processor/operations.ts';
import { normaliseIntervals } from '../../../shared/time-ranges.ts';

export const FADE_MERGE_GAP = 0.4;
export const DEFAULT_FADE_DURATION = 0.8;
export const DEFAULT_FADE_KEEP = 0.03;
export const DEFAULT_DUCK_KEEP = 0.2;
export const DENOISE_FILTER = 'afftdn=nr=25:nf=-20:tn=1';
const BLOCK = 'asetnsamples=n=256:p=0';

export interface MuteSpec {
  intervals: TimeRange[];
  mode: MuteMode;
  keep?: number;
  fadeDuration?: number;
  denoise?: boolean;
}

/**
 * Where the filter runs when its input is not the whole track from 0 but pieces of it set back to
 * back (media/mp4-mute.ts): the offset, in ticks of `rate` (the decoder's time base), from a
 * range's presentation time to the filter's time there.
 */
export interface PiecewiseTimeline {
  rate: number;
  shiftOf(range: TimeRange): number;
}

/** Whether the filter changes the whole track (denoise) rather than the intervals and their fades only. */
export const filtersWholeTrack = (spec: Pick<MuteSpec, 'mode' | 'denoise'>) => spec.denoise ?? spec.mode === 'fade';

/** The spans a mute spec changes (fades included), merged as the filter merges them. */
export function changedSpans(spec: MuteSpec, duration: number): TimeRange[] {
  const fade = spec.mode === 'fade' ? (spec.fadeDuration ?? DEFAULT_FADE_DURATION) : 0;
  return normaliseIntervals(spec.intervals, duration, spec.mode === 'fade' ? FADE_MERGE_GAP : 0).map((r) => ({
    start: r.start - fade,
    end: r.end + fade,
  }));
}

const f = (n: number) => Number(n.toFixed(4)).toString();

function fadeFactor(range: TimeRange, keep: number, fade: number): string {
  const s = f(range.start);
  const e = f(range.end);
  const fd = f(fade);
  const k = f(keep);
  const rest = f(1 - keep);
  return (
    `if(lt(t,${s}-${fd}),1,` +
    `if(lt(t,${s}),${k}+${rest}*pow((${s}-t)/${fd},2),` +
    `if(lte(t,${e}),${k},` +
    `if(lt(t,${e}+${fd}),${k}+${rest}*(1-pow(1-(t-${e})/${fd},2)),1))))`
  );
}

/**
 * The first and last frame times (ticks at `rate`) that `between(t,start,end)` selects: what ffmpeg
 * computes (t = pts·(1/rate) in doubles, bounds as printed), so a shifted filter picks the same frames.
 */
function tickBounds(range: TimeRange, rate: number): [number, number] {
  const start = Number(f(range.start));
  const end = Number(f(range.end));
  const t = (pts: number) => pts * (1 / rate);
  let first = Math.ceil(start * rate);
  while (t(first - 1) >= start) first--;
  while (t(first) < start) first++;
  let last = Math.floor(end * rate);
  while (t(last + 1) <= end) last++;
  while (t(last) > end) last--;
  return [first, last];
}

/** The -af chain for a mute spec over media of `duration` seconds, or null when nothing changes. */
export function muteFilter(spec: MuteSpec, duration: number, timeline?: PiecewiseTimeline): string | null {
  const fade = spec.fadeDuration ?? DEFAULT_FADE_DURATION;
  const denoise = filtersWholeTrack(spec);
  const ranges = normaliseIntervals(spec.intervals, duration, spec.mode === 'fade' ? FADE_MERGE_GAP : 0);
  const parts: string[] = [];
  if (ranges.length > 0) {
    parts.push(BLOCK);
    if (spec.mode === 'fade') {
      const keep = spec.keep ?? DEFAULT_FADE_KEEP;
      // Fades are continuous: a shift by a (rounded) number of seconds changes nothing audible.
      const shifted = timeline
        ? ranges.map((r) => ({
            start: r.start + timeline.shiftOf(r) / timeline.rate,
            end: r.end + timeline.shiftOf(r) / timeline.rate,
          }))
        : ranges;
      parts.push(`volume='${shifted.map((r) => fadeFactor(r, keep, fade)).join('*')}':eval=frame`);
    } else {
      const keep = spec.mode === 'hard' ? 0 : (spec.keep ?? DEFAULT_DUCK_KEEP);
      if (timeline) {
        // On a piecewise timeline the bounds are whole ticks (the volume expression sees the frame's
        // pts; `enable` does not), so exactly the frames of the plain filter are muted.
        const inside = ranges
          .map((r) => tickBounds(r, timeline.rate).map((tick) => tick + timeline.shiftOf(r)))
          .map(([a, b]) => `between(pts,${a},${b})`)
          .join('+');
        parts.push(`volume='if(${inside},${f(keep)},1)':eval=frame`);
      } else {
        const enable = ranges.map((r) => `between(t,${f(r.start)},${f(r.end)})`).join('+');
        parts.push(`volume=${f(keep)}:enable='${enable}'`);
      }
    }
  }
  if (denoise) parts.push(DENOISE_FILTER);
  return parts.length ? parts.join(',') : null;
}

/** Mute intervals (in the original's time) shifted into a cut that starts at `offset`. */
export function shiftIntervals(intervals: readonly TimeRange[], offset: number): TimeRange[] {
  return intervals.map((r) => ({ start: r.start - offset, end: r.end - offset }));
}
