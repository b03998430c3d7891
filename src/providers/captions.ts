/**
 * Captions from a voice-over's timing, pure and deterministic: a character alignment (ElevenLabs
 * with-timestamps) becomes word timings, words become short readable cues (≤ ~7 words / 42 chars,
 * broken at sentence ends, clause punctuation and pauses), cues become SRT. `cuesToSrt` also
 * serves the local TTS path, which builds its own cues.
 */
import { formatSrt } from '../../shared/srt.ts';

export interface CharacterAlignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

export interface WordTiming {
  text: string;
  start: number;
  end: number;
}

export interface Cue {
  start: number;
  end: number;
  text: string;
}

export interface CueOptions {
  maxWords?: number;
  maxChars?: number;
  /** A cue never spans more than this many seconds (a word longer than it still gets its own cue). */
  maxSeconds?: number;
  /** A silence at least this long between words always starts a new cue. */
  pauseSeconds?: number;
  /** Clause punctuation (, ; :) ends a cue once it holds this many words. */
  minWordsBeforeClauseBreak?: number;
}

const DEFAULTS: Required<CueOptions> = {
  maxWords: 7,
  maxChars: 42,
  maxSeconds: Number.POSITIVE_INFINITY,
  pauseSeconds: 0.6,
  minWordsBeforeClauseBreak: 3,
};

const SENTENCE_END = /[.!?…]["'’”)\]]*$/;
const CLAUSE_END = /[,;:–—]["'’”)\]]*$/;

/** Groups aligned characters into words; whitespace separates words, punctuation stays attached. */
export function alignmentToWords(alignment: CharacterAlignment): WordTiming[] {
  const { characters, character_start_times_seconds: starts, character_end_times_seconds: ends } = alignment;
  const words: WordTiming[] = [];
  let text = '';
  let start = 0;
  let end = 0;
  const flush = () => {
    if (text) words.push({ text, start, end: Math.max(end, start) });
    text = '';
  };
  for (let i = 0; i < characters.length; i++) {
    const ch = characters[i] ?? '';
    if (/^\s*$/.test(ch)) {
      flush();
      continue;
    }
    const s = starts[i] ?? end;
    const e = ends[i] ?? s;
    if (!text) {
      start = s;
      end = e;
    } else end = Math.max(end, e);
    text += ch;
  }
  flush();
  return words;
}

/** Packs words into cues that read well on a phone screen. */
export function wordsToCues(words: readonly WordTiming[], options: CueOptions = {}): Cue[] {
  const opts = { ...DEFAULTS, ...options };
  const cues: Cue[] = [];
  let current: WordTiming[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const first = current[0]!;
    const last = current[current.length - 1]!;
    cues.push({
      start: first.start,
      end: Math.max(last.end, first.start + 0.001),
      text: current.map((w) => w.text).join(' '),
    });
    current = [];
  };
  for (const word of words) {
    if (current.length > 0) {
      const last = current[current.length - 1]!;
      const joinedLength = current.reduce((n, w) => n + w.text.length + 1, 0) + word.text.length;
      if (
        current.length >= opts.maxWords ||
        joinedLength > opts.maxChars ||
        word.start - last.end >= opts.pauseSeconds ||
        word.end - current[0]!.start > opts.maxSeconds
      )
        flush();
    }
    current.push(word);
    if (SENTENCE_END.test(word.text)) flush();
    else if (CLAUSE_END.test(word.text) && current.length >= opts.minWordsBeforeClauseBreak) flush();
  }
  flush();
  // Cues must not overlap, whatever the input timings did.
  for (let i = 1; i < cues.length; i++) {
    const prev = cues[i - 1]!;
    const cur = cues[i]!;
    if (prev.end > cur.start) prev.end = Math.max(prev.start + 0.001, cur.start);
  }
  return cues;
}

/**
 * Keeps cue text inside its cue: blank lines would end it early, and `-->` would be read as a
 * timing line by some parsers.
 */
function cueText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/-->/g, '->').replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** Cues with text and a positive length, as SRT. */
export function cuesToSrt(cues: readonly Cue[]): string {
  return formatSrt(cues.map((c) => ({ ...c, text: cueText(c.text) })).filter((c) => c.text && c.end > c.start));
}

/** Moves cues by `offsetSeconds` (e.g. a voice-over that starts later in the video). */
export function shiftCues(cues: readonly Cue[], offsetSeconds: number): Cue[] {
  return cues.map((c) => ({ ...c, start: c.start + offsetSeconds, end: c.end + offsetSeconds }));
}

export function alignmentToCues(alignment: CharacterAlignment, options?: CueOptions): Cue[] {
  return wordsToCues(alignmentToWords(alignment), options);
}

export function alignmentToSrt(alignment: CharacterAlignment, options?: CueOptions): string {
  return cuesToSrt(alignmentToCues(alignment, options));
}
