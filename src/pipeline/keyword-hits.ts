/** Keyword mentions in an SRT, per secondary video, with the shared matcher (docs/compatibility.md#srt-matching, min 0.7). */
import { MatchWorkExceeded, matchKeywords, matchWorkError } from '../library/keyword-matcher.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import type { SrtCue } from '../core/srt.ts';
import type { KeywordHit } from './keyword-timeline.ts';

export const KEYWORD_MIN_CONFIDENCE = 0.7;

/** The matching runs under the same work budget as a request; past it the job fails with the reason. */
export function keywordHitsOf(cues: SrtCue[], keywordsPerSecondary: readonly (readonly string[])[]): KeywordHit[] {
  let matches: ReturnType<typeof matchKeywords>;
  try {
    matches = matchKeywords(
      cues,
      keywordsPerSecondary.map((keywords, i) => ({ segment_id: String(i), keywords: [...keywords] })),
      KEYWORD_MIN_CONFIDENCE,
    );
  } catch (err) {
    if (err instanceof MatchWorkExceeded) throw new PermanentJobError('too_much_work', matchWorkError(err).message);
    throw err;
  }
  return matches.map((m) => ({ time: m.srt_timestamp, keyword: m.keyword, secondary: Number(m.segment_id) }));
}
