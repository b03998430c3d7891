/** Transcripts (timed words + SRT of a source video or clip), profile-scoped. */
import { desc, eq, getTableColumns, lt, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import { type Page, type PageQuery, toPage } from '../pagination.ts';
import { type TranscriptWord, transcripts } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';

export type TranscriptRow = typeof transcripts.$inferSelect;
export type TranscriptInsert = Omit<typeof transcripts.$inferInsert, 'id' | 'profileId' | 'createdAt' | 'updatedAt'>;

export function getTranscript(scope: ProfileScope, id: string): Promise<TranscriptRow | undefined> {
  return scope.db.query.transcripts.findFirst({ where: owned(transcripts, scope, eq(transcripts.id, id)) });
}

/** A transcript without its words and SRT (a listing), with the word count in their place. */
export type TranscriptSummary = Omit<TranscriptRow, 'words' | 'srt'> & { wordCount: number };

export interface TranscriptFilters {
  sourceVideoId?: string;
  clipId?: string;
}

/**
 * The profile's transcripts, newest first, optionally of one video or clip. The words and SRT stay
 * in the table (up to 20,000 words each): D1 counts the words instead of sending them.
 */
export async function listTranscripts(
  scope: ProfileScope,
  filters: TranscriptFilters,
  page: PageQuery,
): Promise<Page<TranscriptSummary>> {
  const { words: _words, srt: _srt, ...columns } = getTableColumns(transcripts);
  const rows = await scope.db
    .select({ ...columns, wordCount: sql<number>`json_array_length(${transcripts.words})`.mapWith(Number) })
    .from(transcripts)
    .where(
      owned(
        transcripts,
        scope,
        filters.sourceVideoId ? eq(transcripts.sourceVideoId, filters.sourceVideoId) : undefined,
        filters.clipId ? eq(transcripts.clipId, filters.clipId) : undefined,
        page.cursor ? lt(transcripts.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(transcripts.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

/** The transcript a job made, if it got that far (a redelivered job reuses it). */
export function transcriptOfJob(scope: ProfileScope, jobId: string): Promise<TranscriptRow | undefined> {
  return scope.db.query.transcripts.findFirst({ where: owned(transcripts, scope, eq(transcripts.jobId, jobId)) });
}

export async function insertTranscript(scope: ProfileScope, values: TranscriptInsert): Promise<TranscriptRow> {
  const [row] = await scope.db
    .insert(transcripts)
    .values(stamped(scope, { id: newId('transcript'), ...values }))
    .returning();
  return row!;
}

/** Replaces the words and SRT (an edit); undefined when the transcript is not the profile's. */
export async function updateTranscriptText(
  scope: ProfileScope,
  id: string,
  values: { words: TranscriptWord[]; srt: string },
): Promise<TranscriptRow | undefined> {
  const now = new Date().toISOString();
  const [row] = await scope.db
    .update(transcripts)
    .set({ words: values.words, srt: values.srt, editedAt: now, updatedAt: now })
    .where(owned(transcripts, scope, eq(transcripts.id, id)))
    .returning();
  return row;
}

export async function deleteTranscript(scope: ProfileScope, id: string): Promise<boolean> {
  const rows = await scope.db
    .delete(transcripts)
    .where(owned(transcripts, scope, eq(transcripts.id, id)))
    .returning({ id: transcripts.id });
  return rows.length === 1;
}
