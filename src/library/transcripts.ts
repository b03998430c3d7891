/**
 * Transcripts as data: SRT built from timed words (bounded cue length and duration), words read
 * back from an edited SRT, and the local fallback that spreads a supplied script over the speech
 * the processor detected. That alignment is an estimate (words placed by their length, not heard)
 * and transcripts made with it say so (`approximate`).
 */
import { ApiError, notFound } from '../core/errors.ts';
import { parseSrt } from '../core/srt.ts';
import { getTranscript } from '../db/repos/transcripts.ts';
import type { TranscriptWord } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import { cuesToSrt, wordsToCues } from '../providers/captions.ts';

/** Cue bounds of transcript SRT: one line of at most 42 characters, shown at most 5 s. */
export const TRANSCRIPT_CUE_LIMITS = { maxChars: 42, maxWords: 8, maxSeconds: 5 } as const;
export const MAX_TRANSCRIPT_WORDS = 20_000;

export interface SpeechSpan {
  start: number;
  end: number;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function wordsToSrt(words: readonly TranscriptWord[]): string {
  return cuesToSrt(wordsToCues(words, TRANSCRIPT_CUE_LIMITS));
}

/** Splits a script into words (whitespace-separated, punctuation kept on its word). */
export function scriptWords(script: string): string[] {
  return script.split(/\s+/).filter(Boolean);
}

/**
 * Places the script's words over the speech spans in order, each word's share of the total speech
 * time proportional to its length in characters (plus one for the gap after it). A word belongs
 * to the span holding its middle and is clipped to that span. Without spans the whole
 * [0, duration] is one span.
 */
export function alignScript(script: string, spans: readonly SpeechSpan[], duration: number): TranscriptWord[] {
  const tokens = scriptWords(script);
  if (tokens.length === 0) return [];
  let usable = spans
    .map((s) => ({ start: Math.max(0, s.start), end: Math.min(duration, s.end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  if (usable.length === 0) usable = [{ start: 0, end: duration }];
  const speech = usable.reduce((n, s) => n + (s.end - s.start), 0);
  const weights = tokens.map((t) => t.length + 1);
  const totalWeight = weights.reduce((n, w) => n + w, 0);

  // Speech-time position (0..speech) → media time, and the span it falls in.
  const locate = (t: number): { time: number; span: SpeechSpan } => {
    let left = t;
    for (const span of usable) {
      const len = span.end - span.start;
      if (left <= len) return { time: span.start + left, span };
      left -= len;
    }
    const last = usable[usable.length - 1]!;
    return { time: last.end, span: last };
  };

  const words: TranscriptWord[] = [];
  let cursor = 0;
  tokens.forEach((text, i) => {
    const share = (weights[i]! / totalWeight) * speech;
    const from = cursor;
    // The gap after the word (its "+1") is not part of it.
    const to = cursor + share * ((weights[i]! - 1) / weights[i]!);
    cursor += share;
    const { span } = locate((from + to) / 2);
    const start = Math.max(span.start, locate(from).time);
    const end = Math.min(span.end, locate(to).time);
    words.push({ text, start: round3(Math.min(start, end)), end: round3(Math.max(start, end)) });
  });
  return words;
}

/**
 * Words of an edited SRT: each cue's words share its time by length (cue timings are what the
 * editor set; word timings inside a cue are estimated).
 */
export function srtToWords(srt: string): TranscriptWord[] {
  const { cues, problems } = parseSrt(srt);
  if (!cues.length || problems.length) {
    const first = problems[0];
    throw new ApiError(
      400,
      'validation_failed',
      first ? `The SRT has a broken block (block ${first.block}: ${first.reason})` : 'The SRT has no cues',
      { details: problems.map((p) => ({ path: 'srt', message: `block ${p.block} (line ${p.line}): ${p.reason}` })) },
    );
  }
  return cues.flatMap((cue) => {
    const words = alignScript(cue.text, [{ start: cue.start, end: cue.end }], cue.end);
    // The cue's last word ends with the cue, so its words give back the cue's own times.
    if (words.length) words[words.length - 1]!.end = round3(cue.end);
    return words;
  });
}

/** An edited SRT as stored: its cues as written (numbered again, text on one line per cue's lines). */
export function normalizeSrt(srt: string): string {
  return cuesToSrt(parseSrt(srt).cues);
}

/** Checks edited words: non-empty text, ordered, non-overlapping, inside the media. */
export function checkWords(words: readonly TranscriptWord[], duration: number | null): TranscriptWord[] {
  const out: TranscriptWord[] = [];
  words.forEach((w, i) => {
    const text = w.text.replace(/\s+/g, ' ').trim();
    const problem = !text
      ? 'text is empty'
      : !(w.end > w.start)
        ? 'end must be after start'
        : duration !== null && w.end > duration + 0.001
          ? `ends after the media (${duration} s)`
          : i > 0 && w.start < words[i - 1]!.end - 0.001
            ? 'starts before the previous word ends'
            : null;
    if (problem)
      throw new ApiError(400, 'validation_failed', `words[${i}]: ${problem}`, {
        details: [{ path: `words.${i}`, message: problem }],
      });
    out.push({ text, start: round3(w.start), end: round3(w.end) });
  });
  return out;
}

/** The SRT of a transcript of this profile, for the routes that take an SRT (404 otherwise). */
export async function transcriptSrt(scope: ProfileScope, id: string): Promise<string> {
  const row = await getTranscript(scope, id);
  if (!row) throw notFound('Transcript');
  if (!row.srt.trim()) throw new ApiError(409, 'conflict', 'The transcript has no words, so no subtitles');
  return row.srt;
}
