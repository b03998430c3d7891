/**
 * Matching segment keywords against subtitle text: the better of the original's two matchers (docs/compatibility.md#srt-matching).
 * Text and keywords are normalised (lower case, diacritics folded for any language, punctuation
 * removed); each keyword is compared with each word (or run of words, for multi-word keywords):
 * exact 1.0, word starts with keyword 0.95, keyword inside word 0.9, otherwise a similarity ratio
 * kept when ≥ max(0.7, min_confidence). The same keyword matched again within 1 s is a duplicate.
 */
import type { SrtCue } from '../core/srt.ts';

export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Ratcliff/Obershelp similarity (what Python's difflib ratio computes): 2·matches / total length. */
export function similarity(a: string, b: string): number {
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

export function matchScore(word: string, keyword: string, threshold: number): number {
  if (!word || !keyword) return 0;
  if (word === keyword) return 1;
  if (word.startsWith(keyword)) return 0.95;
  if (word.includes(keyword)) return 0.9;
  const ratio = similarity(word, keyword);
  return ratio >= threshold ? Math.round(ratio * 1000) / 1000 : 0;
}

export interface KeywordSource {
  segment_id: string;
  keywords: string[];
}

export interface KeywordMatch {
  segment_id: string;
  keyword: string;
  srt_timestamp: number;
  srt_end: number;
  text: string;
  confidence: number;
}

export const DEDUPE_WINDOW_SECONDS = 1;
/** Fuzzy matches below this similarity are never kept (docs/compatibility.md#srt-matching: 0.7). */
export const SIMILARITY_FLOOR = 0.7;

export function matchKeywords(cues: SrtCue[], sources: KeywordSource[], minConfidence: number): KeywordMatch[] {
  // The fuzzy similarity floor is the original's 0.7 (difflib ratio), whatever `min_confidence` allows:
  // below it "sunset" would match "sunrise" and "market" match "we". min_confidence filters on top.
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
          best = Math.max(best, matchScore(words.slice(i, i + span).join(' '), keyword, threshold));
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
    if (last !== undefined && m.srt_timestamp - last < DEDUPE_WINDOW_SECONDS) return false;
    lastSeen.set(key, m.srt_timestamp);
    return true;
  });
}
