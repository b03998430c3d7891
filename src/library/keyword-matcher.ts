/**
 * Matching segment keywords against subtitle text: the better of the original's two matchers (docs/compatibility.md#srt-matching).
 * Text and keywords are normalised (lower case, diacritics folded for any language, punctuation
 * removed); each keyword is compared with each word (or run of words, for multi-word keywords):
 * exact 1.0, word starts with keyword 0.95, keyword inside word 0.9, otherwise a similarity ratio
 * kept when ≥ max(0.7, min_confidence). The same keyword matched again within 1 s is a duplicate.
 *
 * The work is bounded (docs/api.md#matching-work): the similarity ratio is quadratic, so it only runs
 * for windows whose cheap upper bounds (length ratio, then the character bag) could still beat the
 * threshold and the best score so far; exact/prefix/contains scores come from one substring scan
 * of each cue per keyword; every step is charged to a `MatchBudget`, and a request that would need
 * more than its limit stops with `MatchWorkExceeded` (the route answers 422) instead of holding the
 * isolate. Results are those of the plain algorithm: the filters only skip windows that cannot
 * change the best score.
 */
import { ApiError } from '../core/errors.ts';
import { MATCH_WORK_LIMIT, MAX_MATCH_RESULTS } from '../core/limits.ts';
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

// ─── Work budget ─────────────────────────────────────────────────────────────────────────────

/** Thrown when matching would need more work units than its budget, or give more matches than allowed. */
export class MatchWorkExceeded extends Error {
  override name = 'MatchWorkExceeded';
  readonly reason: 'work' | 'results';
  readonly limit: number;
  readonly keywords: number;
  readonly textCharacters: number;
  constructor(budget: MatchBudget, reason: 'work' | 'results') {
    super(
      reason === 'work'
        ? `Matching ${budget.keywords} keyword(s) against ${budget.textCharacters} characters of subtitle text needs more than ${budget.limit} work units`
        : `Matching gives more than ${MAX_MATCH_RESULTS} matches`,
    );
    this.reason = reason;
    this.limit = budget.limit;
    this.keywords = budget.keywords;
    this.textCharacters = budget.textCharacters;
  }
}

/** The 422 a request gets when its matching would be too much work: what to reduce, and the figures. */
export function matchWorkError(err: MatchWorkExceeded): ApiError {
  const message =
    err.reason === 'results'
      ? `Matching gives more than ${MAX_MATCH_RESULTS} matches; raise min_confidence or send a shorter SRT`
      : `Matching ${err.keywords} distinct keyword(s) against ${err.textCharacters} characters of subtitle text is more work than one request may do; send a shorter SRT (split it into parts) or use fewer keywords`;
  return new ApiError(422, 'too_much_work', message, {
    details: { keywords: err.keywords, text_characters: err.textCharacters, work_limit: err.limit },
  });
}

/**
 * Counts work units (one DP cell of the similarity ratio, one character scanned, one window
 * considered) and stops the matcher past `limit`. Injectable, so tests can read what was spent.
 */
export class MatchBudget {
  spent = 0;
  /** Full similarity ratios computed (each one quadratic). */
  ratios = 0;
  keywords = 0;
  textCharacters = 0;
  readonly limit: number;
  constructor(limit: number = MATCH_WORK_LIMIT) {
    this.limit = limit;
  }

  /** Records `units` about to be done, or throws (without doing them) when they would pass the limit. */
  charge(units: number): void {
    if (this.spent + units > this.limit) throw new MatchWorkExceeded(this, 'work');
    this.spent += units;
  }
}

// ─── Scores ──────────────────────────────────────────────────────────────────────────────────

/** Ratcliff/Obershelp similarity (what Python's difflib ratio computes): 2·matches / total length. */
export function similarity(a: string, b: string, budget?: MatchBudget): number {
  if (!a.length && !b.length) return 1;
  return (2 * matchingCharacters(codeUnits(a), codeUnits(b), budget)) / (a.length + b.length);
}

const codeUnits = (s: string) => {
  const out = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

let row = new Int32Array(256);

/**
 * Characters matched by Ratcliff/Obershelp: the longest common substring (first found, scanning
 * `x` then `y`), then the same on the pieces left and right of it. Index ranges instead of slices,
 * one reused DP row, and an explicit stack instead of recursion.
 */
function matchingCharacters(x: Uint16Array, y: Uint16Array, budget?: MatchBudget): number {
  if (row.length < y.length + 1) row = new Int32Array(y.length + 1);
  let total = 0;
  const stack: number[] = [0, x.length, 0, y.length];
  while (stack.length) {
    const yTo = stack.pop()!;
    const yFrom = stack.pop()!;
    const xTo = stack.pop()!;
    const xFrom = stack.pop()!;
    if (xFrom >= xTo || yFrom >= yTo) continue;
    budget?.charge((xTo - xFrom) * (yTo - yFrom));
    row.fill(0, 0, yTo - yFrom + 1);
    let bestLen = 0;
    let bestX = 0;
    let bestY = 0;
    for (let i = xFrom; i < xTo; i++) {
      const c = x[i];
      let diag = 0;
      for (let j = 1, yj = yFrom; yj < yTo; j++, yj++) {
        const above = row[j]!;
        const run = c === y[yj] ? diag + 1 : 0;
        row[j] = run;
        if (run > bestLen) {
          bestLen = run;
          bestX = i + 1 - run;
          bestY = yj + 1 - run;
        }
        diag = above;
      }
    }
    if (!bestLen) continue;
    total += bestLen;
    // Right piece pushed first so the left one is taken next (the order does not change the sum).
    stack.push(bestX + bestLen, xTo, bestY + bestLen, yTo);
    stack.push(xFrom, bestX, yFrom, bestY);
  }
  return total;
}

const roundScore = (ratio: number) => Math.round(ratio * 1000) / 1000;

export function matchScore(word: string, keyword: string, threshold: number): number {
  if (!word || !keyword) return 0;
  if (word === keyword) return 1;
  if (word.startsWith(keyword)) return 0.95;
  if (word.includes(keyword)) return 0.9;
  const ratio = similarity(word, keyword);
  return ratio >= threshold ? roundScore(ratio) : 0;
}

/** The ratio can be at most 2·min(len)/(sum of lengths): every match pairs one character of each. */
const lengthBound = (a: number, b: number) => (2 * Math.min(a, b)) / (a + b);

/**
 * Work units, calibrated so a unit costs about the same time whatever the input's shape
 * (bench/match-srt.ts prints ns per unit for each): one similarity DP cell or one character
 * scanned is 1; one word or window considered (a comparison, bounds, a call) is STEP_UNITS; one
 * match kept (an object, its share of the sort and the de-duplication) is MATCH_UNITS.
 */
const STEP_UNITS = 10;
const MATCH_UNITS = 50;

// ─── Matching ────────────────────────────────────────────────────────────────────────────────

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

/**
 * The subtitles once normalised: each cue's text, where its words start and end, and its words as
 * ids into `vocabulary` (the distinct words), so a one-word keyword is scored once per distinct word.
 */
interface PreparedText {
  cues: { text: string; starts: number[]; ends: number[]; ids: Int32Array }[];
  vocabulary: string[];
  words: number;
  characters: number;
}

function prepareText(cues: SrtCue[]): PreparedText {
  const idOf = new Map<string, number>();
  const vocabulary: string[] = [];
  let words = 0;
  let characters = 0;
  const prepared = cues.map((cue) => {
    const text = normalizeText(cue.text);
    const starts: number[] = [];
    const ends: number[] = [];
    const ids: number[] = [];
    let at = 0;
    for (const word of text.split(' ')) {
      if (word) {
        starts.push(at);
        ends.push(at + word.length);
        let id = idOf.get(word);
        if (id === undefined) {
          id = vocabulary.push(word) - 1;
          idOf.set(word, id);
        }
        ids.push(id);
      }
      at += word.length + 1;
    }
    words += ids.length;
    characters += text.length;
    return { text, starts, ends, ids: Int32Array.from(ids) };
  });
  return { cues: prepared, vocabulary, words, characters };
}

/** The index of the word containing text position `p` (the last word starting at or before it). */
function wordAt(starts: number[], p: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Counts of a keyword's UTF-16 code units, to bound how many characters a window can share with it
 * (the character-bag bound: no more matches than Σ min(count in window, count in keyword)). Two
 * tables indexed by code unit, filled and cleared per keyword/window so nothing is allocated per
 * window.
 */
class CharacterBag {
  private readonly counts = new Int32Array(65536);
  private readonly used = new Int32Array(65536);
  private keyword = '';

  use(keyword: string): void {
    for (let i = 0; i < this.keyword.length; i++) this.counts[this.keyword.charCodeAt(i)] = 0;
    this.keyword = keyword;
    for (let i = 0; i < keyword.length; i++) this.counts[keyword.charCodeAt(i)]!++;
  }

  shared(text: string, from: number, to: number): number {
    let shared = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (this.used[c]! < this.counts[c]!) {
        this.used[c]!++;
        shared++;
      }
    }
    for (let i = from; i < to; i++) this.used[text.charCodeAt(i)] = 0;
    return shared;
  }
}

/** What one keyword is matched with: its text, the score floor, the budget and reused buffers. */
interface KeywordContext {
  keyword: string;
  threshold: number;
  budget: MatchBudget;
  bag: CharacterBag;
  /** Per distinct word: its score (one-word keywords). */
  wordScores: Float64Array;
  /** Per cue: the keyword's best score in it (the output of the scoring functions). */
  best: Float64Array;
}

/**
 * The similarity score of a window that does not contain the keyword, or 0 when it is below the
 * threshold or cannot beat `best` (its upper bounds say so before the quadratic ratio runs).
 */
function fuzzyScore(ctx: KeywordContext, text: string, from: number, to: number, best: number): number {
  const k = ctx.keyword.length;
  const length = to - from;
  const bound = lengthBound(length, k);
  if (bound < ctx.threshold || bound <= best) return 0;
  ctx.budget.charge(2 * length);
  const bagBound = (2 * ctx.bag.shared(text, from, to)) / (length + k);
  if (bagBound < ctx.threshold || bagBound <= best) return 0;
  ctx.budget.ratios++;
  const ratio = similarity(from === 0 && to === text.length ? text : text.slice(from, to), ctx.keyword, ctx.budget);
  return ratio >= ctx.threshold ? roundScore(ratio) : 0;
}

/** A one-word keyword: scored once per distinct word, then each cue takes its best word. */
function singleWordScores(ctx: KeywordContext, prepared: PreparedText): void {
  const { keyword, budget, wordScores, best: out } = ctx;
  const { vocabulary } = prepared;
  budget.charge(STEP_UNITS * vocabulary.length);
  let scored = false;
  for (let id = 0; id < vocabulary.length; id++) {
    const word = vocabulary[id]!;
    let score = 0;
    if (word === keyword) score = 1;
    else if (word.length > keyword.length) {
      budget.charge(word.length);
      if (word.startsWith(keyword)) score = 0.95;
      else if (word.includes(keyword)) score = 0.9;
    }
    if (!score) score = fuzzyScore(ctx, word, 0, word.length, 0);
    wordScores[id] = score;
    if (score) scored = true;
  }
  out.fill(0);
  // Most keywords match no word at all: then no cue needs looking at.
  if (!scored) return;
  budget.charge(prepared.words);
  for (let index = 0; index < out.length; index++) {
    const ids = prepared.cues[index]!.ids;
    let best = 0;
    for (let i = 0; i < ids.length; i++) if (wordScores[ids[i]!]! > best) best = wordScores[ids[i]!]!;
    out[index] = best;
  }
}

/**
 * A keyword of several words, against every run of as many words in each cue: exact, prefix and
 * contains from one substring scan of the cue (an occurrence lies in the run starting at the word
 * it starts in), the ratio for the other runs when their bounds allow.
 */
function phraseScores(ctx: KeywordContext, prepared: PreparedText, span: number): void {
  const { keyword, budget, best: out } = ctx;
  const k = keyword.length;
  out.fill(0);
  const containing = new Set<number>();
  for (let index = 0; index < out.length; index++) {
    const { text, starts, ends } = prepared.cues[index]!;
    const windows = starts.length - span + 1;
    if (windows <= 0) continue;
    budget.charge(text.length + STEP_UNITS * windows);
    let best = 0;
    containing.clear();
    for (let p = text.indexOf(keyword); p !== -1 && best < 1; p = text.indexOf(keyword, p + 1)) {
      budget.charge(1);
      const w = wordAt(starts, p);
      const atStart = p === starts[w];
      const score = atStart && p + k === ends[w + span - 1] ? 1 : atStart ? 0.95 : 0.9;
      containing.add(w);
      if (score > best) best = score;
    }
    for (let w = 0; w < windows && best < 1; w++) {
      if (containing.size && containing.has(w)) continue;
      const score = fuzzyScore(ctx, text, starts[w]!, ends[w + span - 1]!, best);
      if (score > best) best = score;
    }
    out[index] = best;
  }
}

/**
 * The least work the input needs before any similarity ratio: per distinct keyword, one pass over
 * the distinct words (one word) or one scan of every cue (several words), and one over the cues'
 * scores. Refuses at once (MatchWorkExceeded) when that alone is over the budget.
 */
function checkBaseline(keywords: string[], prepared: PreparedText, budget: MatchBudget) {
  let needed = 0;
  for (const keyword of keywords)
    needed +=
      prepared.cues.length +
      (keyword.includes(' ')
        ? prepared.characters + STEP_UNITS * prepared.words
        : STEP_UNITS * prepared.vocabulary.length);
  budget.keywords = keywords.length;
  budget.textCharacters = prepared.characters;
  if (budget.spent + needed > budget.limit) throw new MatchWorkExceeded(budget, 'work');
}

/**
 * For a request that queues the matching as a job: 422 at once when the input is over the budget
 * whatever its content (the job still enforces the whole budget).
 */
export function assertMatchWorkFits(cues: SrtCue[], keywords: readonly string[]): void {
  try {
    checkBaseline(distinctKeywords(keywords), prepareText(cues), new MatchBudget());
  } catch (err) {
    if (err instanceof MatchWorkExceeded) throw matchWorkError(err);
    throw err;
  }
}

/** Keywords as matched: normalised, empty ones dropped, each once. */
function distinctKeywords(keywords: Iterable<string>): string[] {
  const distinct = new Set<string>();
  for (const raw of keywords) distinct.add(normalizeText(raw));
  distinct.delete('');
  return [...distinct];
}

export interface MatchOptions {
  /** Work budget (default: a fresh one of MATCH_WORK_LIMIT units). */
  budget?: MatchBudget;
}

export function matchKeywords(
  cues: SrtCue[],
  sources: KeywordSource[],
  minConfidence: number,
  options: MatchOptions = {},
): KeywordMatch[] {
  const budget = options.budget ?? new MatchBudget();
  // The fuzzy similarity floor is the original's 0.7 (difflib ratio), whatever `min_confidence` allows:
  // below it "sunset" would match "sunrise" and "market" match "we". min_confidence filters on top.
  const threshold = Math.max(SIMILARITY_FLOOR, Math.min(1, minConfidence));
  const prepared = prepareText(cues);
  // Each distinct normalised keyword is scored once, however many segments share it.
  const distinct = distinctKeywords(sources.flatMap((s) => s.keywords));
  checkBaseline(distinct, prepared, budget);
  // Per keyword only the cues it matches (index, score): memory follows the matches, not keywords × cues.
  const hits = new Map<string, { cues: number[]; scores: number[] }>();
  const bag = new CharacterBag();
  const wordScores = new Float64Array(prepared.vocabulary.length);
  const best = new Float64Array(cues.length);
  for (const keyword of distinct) {
    bag.use(keyword);
    const ctx = { keyword, threshold, budget, bag, wordScores, best };
    const span = keyword.split(' ').length;
    if (span === 1) singleWordScores(ctx, prepared);
    else phraseScores(ctx, prepared, span);
    const found = { cues: [] as number[], scores: [] as number[] };
    for (let i = 0; i < best.length; i++) {
      if (best[i]! > 0 && best[i]! >= minConfidence) {
        found.cues.push(i);
        found.scores.push(best[i]!);
      }
    }
    hits.set(keyword, found);
  }

  const matches: { match: KeywordMatch; normalized: string }[] = [];
  for (const source of sources) {
    for (const raw of source.keywords) {
      const normalized = normalizeText(raw);
      const found = hits.get(normalized);
      if (!found) continue;
      for (let i = 0; i < found.cues.length; i++) {
        budget.charge(MATCH_UNITS);
        if (matches.length === MAX_MATCH_RESULTS) throw new MatchWorkExceeded(budget, 'results');
        const cue = cues[found.cues[i]!]!;
        const match = {
          segment_id: source.segment_id,
          keyword: raw,
          srt_timestamp: cue.start,
          srt_end: cue.end,
          text: cue.text,
          confidence: found.scores[i]!,
        };
        matches.push({ match, normalized });
      }
    }
  }
  matches.sort((a, b) => a.match.srt_timestamp - b.match.srt_timestamp || b.match.confidence - a.match.confidence);
  const lastSeen = new Map<string, number>();
  const kept: KeywordMatch[] = [];
  for (const { match: m, normalized } of matches) {
    const key = `${m.segment_id}\u0000${normalized}`;
    const last = lastSeen.get(key);
    if (last !== undefined && m.srt_timestamp - last < DEDUPE_WINDOW_SECONDS) continue;
    lastSeen.set(key, m.srt_timestamp);
    kept.push(m);
  }
  return kept;
}
