/** Keyword mentions in an SRT, per secondary video, with the shared matcher (docs/compatibility.md#srt-matching, min 0.7). */
import { matchKeywords } from '../library/keyword-matcher.ts';
import type { SrtCue } from '../core/srt.ts';
import type { KeywordHit } from './keyword-timeline.ts';

export const KEYWORD_MIN_CONFIDENCE = 0.7;

export function keywordHitsOf(cues: SrtCue[], keywordsPerSecondary: readonly (readonly string[])[]): KeywordHit[] {
  const matches = matchKeywords(
    cues,
    keywordsPerSecondary.map((keywords, i) => ({ segment_id: String(i), keywords: [...keywords] })),
    KEYWORD_MIN_CONFIDENCE,
  );
  return matches.map((m) => ({ time: m.srt_timestamp, keyword: m.keyword, secondary: Number(m.segment_id) }));
}
