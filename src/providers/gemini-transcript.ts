/**
 * Gemini's word-timed transcript: the response schema we ask for, the zod check of the answer, and
 * the clean-up (times clamped to the audio, words ordered, empty or inverted words dropped).
 */
import { z } from 'zod';

export interface TranscriptWordTiming {
  text: string;
  start: number;
  end: number;
}

/** `responseJsonSchema` for the transcription call. */
export const TRANSCRIPT_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    language: { type: 'string', description: 'BCP-47 code of the spoken language' },
    words: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          text: { type: 'string', description: 'One spoken word as heard, with its punctuation' },
          start: { type: 'number', description: 'Start in seconds from the start of the audio' },
          end: { type: 'number', description: 'End in seconds from the start of the audio' },
        },
        required: ['text', 'start', 'end'],
        propertyOrdering: ['text', 'start', 'end'],
      },
    },
  },
  required: ['words'],
  propertyOrdering: ['language', 'words'],
} as const;

export const RawTranscriptAnswer = z.object({
  language: z.string().max(35).optional(),
  words: z.array(
    z.object({
      text: z.string(),
      start: z.number(),
      end: z.number(),
    }),
  ),
});
export type RawTranscriptAnswer = z.infer<typeof RawTranscriptAnswer>;

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Words inside [0, duration], in time order; the count of those that could not be kept. */
export function validateTranscriptWords(
  words: RawTranscriptAnswer['words'],
  duration: number,
): { kept: TranscriptWordTiming[]; dropped: number } {
  const kept: TranscriptWordTiming[] = [];
  let dropped = 0;
  for (const w of words) {
    const text = w.text.replace(/\s+/g, ' ').trim();
    if (!text || !Number.isFinite(w.start) || !Number.isFinite(w.end) || w.start >= duration || w.end < 0) {
      dropped++;
      continue;
    }
    const start = Math.max(0, w.start);
    const end = Math.min(duration, Math.max(w.end, start));
    kept.push({ text, start: round3(start), end: round3(end) });
  }
  kept.sort((a, b) => a.start - b.start);
  return { kept, dropped };
}

export function buildTranscriptPrompt(opts: { duration: number; languageHint?: string }): string {
  const lines = [
    `Transcribe the speech in this ${Math.round(opts.duration * 100) / 100} s audio clip word by word.`,
    `For every spoken word give its text (keep the punctuation attached to it) and its start and end time in seconds from the start of the audio.`,
    `Leave out music, noises and silence; do not invent words that are not spoken.`,
    `Answer only with JSON that follows the response schema.`,
  ];
  if (opts.languageHint?.trim()) lines.push(`The speech is probably in: ${opts.languageHint.trim()}.`);
  return lines.join('\n');
}

/**
 * Audio per Gemini call. A word-timed answer costs ~20–25 output tokens per word (times are
 * tokenized digit by digit), i.e. ~3,000–5,000 tokens per minute of dense speech: 5 minutes stay
 * far inside the 65,536-token output limit of the 2.5 and 3 models, thinking included, and answer
 * in about a minute. One call over 30 minutes would be cut off at MAX_TOKENS.
 */
export const TRANSCRIPT_CHUNK_SECONDS = 300;
/** Each chunk's audio reaches this far into its neighbours, so a word cut by a boundary is heard whole once. */
export const TRANSCRIPT_CHUNK_OVERLAP_SECONDS = 2;
/** A last piece shorter than this joins the chunk before it. */
const MIN_LAST_CHUNK_SECONDS = 30;
/**
 * Longest media transcribed. Not the model's limit (9.5 h of audio per prompt; we send 5 minutes
 * at a time) but the transcript's: ~2 h of speech at 150 words/min is MAX_TRANSCRIPT_WORDS
 * (src/library/transcripts.ts), which keeps the stored row well inside D1's 2 MB.
 */
export const MAX_TRANSCRIBE_SECONDS = 2 * 3600;

export interface TranscriptChunk {
  index: number;
  /** The audio sent: [start, end) of the media, overlap included. */
  start: number;
  end: number;
  /** The words this chunk owns: those whose middle lies in [keepFrom, keepUntil). */
  keepFrom: number;
  keepUntil: number;
}

/** Back-to-back chunks of TRANSCRIPT_CHUNK_SECONDS covering [0, duration]. */
export function planTranscriptChunks(
  duration: number,
  chunkSeconds = TRANSCRIPT_CHUNK_SECONDS,
  overlap = TRANSCRIPT_CHUNK_OVERLAP_SECONDS,
): TranscriptChunk[] {
  if (!(duration > 0) || !(chunkSeconds > 0)) throw new RangeError('duration and chunk length must be positive');
  const count = Math.max(1, Math.ceil((duration - Math.min(MIN_LAST_CHUNK_SECONDS, chunkSeconds / 10)) / chunkSeconds));
  const chunks: TranscriptChunk[] = [];
  for (let i = 0; i < count; i++) {
    const keepFrom = i * chunkSeconds;
    const keepUntil = i === count - 1 ? duration : (i + 1) * chunkSeconds;
    chunks.push({
      index: i,
      start: round3(Math.max(0, keepFrom - (i === 0 ? 0 : overlap))),
      end: round3(Math.min(duration, keepUntil + (i === count - 1 ? 0 : overlap))),
      keepFrom,
      keepUntil: i === count - 1 ? Number.POSITIVE_INFINITY : keepUntil,
    });
  }
  return chunks;
}

/** A chunk's words (times relative to its audio) on the media's timeline, only those it owns. */
export function placeChunkWords(
  chunk: TranscriptChunk,
  words: readonly TranscriptWordTiming[],
  duration: number,
): TranscriptWordTiming[] {
  return words
    .map((w) => ({
      text: w.text,
      start: round3(Math.min(duration, w.start + chunk.start)),
      end: round3(Math.min(duration, w.end + chunk.start)),
    }))
    .filter((w) => {
      const middle = (w.start + w.end) / 2;
      return middle >= chunk.keepFrom && middle < chunk.keepUntil;
    });
}
