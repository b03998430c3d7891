/** The transcript resource as the API shows it. */
import { z } from '@hono/zod-openapi';
import type { TranscriptRow, TranscriptSummary } from '../../db/repos/transcripts.ts';

export const tags = ['Transcripts'];

export const TranscriptWordSchema = z
  .object({
    text: z.string().min(1).max(200),
    start: z.number().min(0).max(1e7).openapi({ description: 'Seconds from the start of the media' }),
    end: z.number().min(0).max(1e7),
  })
  .openapi('TranscriptWord');

/** What a transcript and its list item share (the list leaves out the words and the SRT). */
const transcriptFields = {
  id: z.string(),
  source_video_id: z.string().nullable(),
  clip_id: z.string().nullable(),
  job_id: z.string().nullable(),
  engine: z.enum(['gemini', 'script_alignment']),
  model: z.string().nullable(),
  language: z.string().nullable(),
  approximate: z.boolean().openapi({
    description: 'True when the timings are estimated (a supplied script spread over the detected speech), not heard',
  }),
  duration: z.number().nullable(),
  edited_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const TranscriptResponse = z
  .object({
    ...transcriptFields,
    words: z.array(TranscriptWordSchema),
    srt: z.string().openapi({ description: 'SRT built from the words (cues ≤ 42 characters, ≤ 8 words, ≤ 5 s)' }),
  })
  .openapi('Transcript');

/** A list item: the transcript without its words and SRT (up to 20,000 words each); `word_count` instead. */
export const TranscriptListItem = z
  .object({
    ...transcriptFields,
    word_count: z.number().int().openapi({ description: 'How many timed words the transcript has' }),
  })
  .openapi('TranscriptListItem');

function sharedFields(row: Omit<TranscriptRow, 'words' | 'srt'>) {
  return {
    id: row.id,
    source_video_id: row.sourceVideoId,
    clip_id: row.clipId,
    job_id: row.jobId,
    engine: row.engine,
    model: row.model,
    language: row.language,
    approximate: row.approximate,
    duration: row.duration,
    edited_at: row.editedAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function toTranscriptListItem(row: TranscriptSummary): z.infer<typeof TranscriptListItem> {
  return { ...sharedFields(row), word_count: row.wordCount };
}

export function toTranscriptResponse(row: TranscriptRow): z.infer<typeof TranscriptResponse> {
  return { ...sharedFields(row), words: row.words, srt: row.srt };
}
