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
