/**
 * The keyword matcher as it was before its work was bounded: every keyword against every window of
 * every cue, the full similarity ratio each time. Kept as the reference the bounded matcher must
 * agree with (test/unit/keyword-matcher.test.ts) and as the naive side of bench/match-srt.ts.
 */
import {
  SIMILARITY_FLOOR,
  type KeywordMatch,
  type KeywordSource,
  normalizeText,
} from '../../src/library/keyword-matcher.ts';
import type { SrtCue } from '../../src/core/srt.ts';

export function referenceSimilarity(a: string, b: string): number {
  if (!a.length && !b.length) return 1;
  const matches = (x: string, y: string): number => {
    if (!x.length || !y.length) return 0;
    let bestLen = 0;
    let bestX = 0;
    let bestY = 0;
    const prev = new Array<number>(y.length + 1).fill(0);
    for (let i = 1; i <= x.length; i++) {
      let diag = 0;
      for (let j = 1; j <= y.length; j++) {
        const tmp = prev[j]!;
        prev[j] = x[i - 1] === y[j - 1] ? diag + 1 : 0;
        if (prev[j]! > bestLen) {
          bestLen = prev[j]!;
          bestX = i - bestLen;
          bestY = j - bestLen;
        }
        diag = tmp;
      }
    }
    if (!bestLen) return 0;
    return (
      bestLen +
      matches(x.slice(0, bestX), y.slice(0, bestY)) +
      matches(x.slice(bestX + bestLen), y.slice(bestY + bestLen))
    );
  };
  return (2 * matches(a, b)) / (a.length + b.length);
}

function referenceScore(word: string, keyword: string, threshold: number): number {
  if (!word || !keyword) return 0;
  if (word === keyword) return 1;
  if (word.startsWith(keyword)) return 0.95;
  if (word.includes(keyword)) return 0.9;
  const ratio = referenceSimilarity(word, keyword);
  return ratio >= threshold ? Math.round(ratio * 1000) / 1000 : 0;
}

export function referenceMatchKeywords(
  cues: SrtCue[],
  sources: KeywordSource[],
  minConfidence: number,
): KeywordMatch[] {
  const threshold = Math.max(SIMILARITY_FLOOR, Math.min(1, minConfidence));
  const tokenized = cues.map((cue) => ({ cue, words: normalizeText(cue.text).split(' ').filter(Boolean) }));
  const matches: KeywordMatch[] = [];
  for (const source of sources) {
    for (const raw of source.keywords) {
      const keyword = normalizeText(raw);
      if (!keyword) continue;
      const span = keyword.split(' ').length;
      for (const { cue, words } of tokenized) {
        let best = 0;
        for (let i = 0; i + span <= words.length; i++) {
          best = Math.max(best, referenceScore(words.slice(i, i + span).join(' '), keyword, threshold));
          if (best === 1) break;
        }
        if (best > 0 && best >= minConfidence) {
          matches.push({
            segment_id: source.segment_id,
            keyword: raw,
            srt_timestamp: cue.start,
            srt_end: cue.end,
            text: cue.text,
            confidence: best,
          });
        }
      }
    }
  }
  matches.sort((a, b) => a.srt_timestamp - b.srt_timestamp || b.confidence - a.confidence);
  const lastSeen = new Map<string, number>();
  return matches.filter((m) => {
    const key = `${m.segment_id}\u0000${normalizeText(m.keyword)}`;
    const last = lastSeen.get(key);
    if (last !== undefined && m.srt_timestamp - last < 1) return false;
    lastSeen.set(key, m.srt_timestamp);
    return true;
  });
}
