/**
 * /api/v1/transcripts: list a profile's transcripts (of a video or a clip); /{transcript_id}: read a transcript (JSON or its SRT), edit it before a render
 * (`PATCH` the words, or the SRT text: the other is rebuilt from it), delete it. A transcript's id
 * is accepted wherever an SRT is (`transcript_id` on the pipelines and on match-srt).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, notFound } from '../../core/errors.ts';
import { pageQuery } from '../../db/pagination.ts';
import { deleteTranscript, getTranscript, listTranscripts, updateTranscriptText } from '../../db/repos/transcripts.ts';
import { setNextPage } from '../../http/next-page.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { MAX_TRANSCRIPT_WORDS, checkWords, normalizeSrt, srtToWords, wordsToSrt } from '../../library/transcripts.ts';
import {
  TranscriptListItem,
  TranscriptResponse,
  TranscriptWordSchema,
  tags,
  toTranscriptListItem,
  toTranscriptResponse,
} from './presenter.ts';

const TranscriptIdParam = idParam('transcript_id', 'transcript');

// Filters combine (both given: transcripts matching both), as the other lists' filters do.
const TranscriptListQuery = pageQuery.extend({
  source_video_id: z.string().max(64).optional().openapi({ description: 'Only transcripts of this source video' }),
  clip_id: z.string().max(64).optional().openapi({ description: 'Only transcripts of this clip' }),
});

const TranscriptEdit = z
  .object({
    words: z.array(TranscriptWordSchema).min(1).max(MAX_TRANSCRIPT_WORDS).optional().openapi({
      description: 'The whole word list, in order and not overlapping; the SRT is rebuilt from it',
    }),
    srt: z.string().min(1).max(1_000_000).optional().openapi({
      description:
        'The whole SRT; every block must parse. Words are rebuilt from its cues (each cue’s time shared by its words by length)',
    }),
  })
  .strict()
  .refine((v) => (v.words === undefined) !== (v.srt === undefined), {
    error: 'Send exactly one of `words` or `srt`',
  })
  .openapi('TranscriptEdit');

export function transcriptRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listTranscripts',
        path: '/',
        tags,
        security,
        summary: "The profile's transcripts, of a video or a clip",
        description:
          'Newest first, cursor-paginated (`next_cursor`, the `X-Next-Cursor` header, or the `Link: <…>; rel="next"` URL). Filter by `source_video_id` and/or `clip_id` (both given: both apply); an id of another profile lists nothing. Items carry `word_count` instead of the words and SRT: read those with `GET /api/v1/transcripts/{transcript_id}`.',
        request: { query: TranscriptListQuery },
        responses: {
          200: jsonContent(
            z.object({ transcripts: z.array(TranscriptListItem), next_cursor: z.string().nullable() }),
            'Transcripts',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const page = await listTranscripts(
          c.get('scope'),
          { sourceVideoId: query.source_video_id, clipId: query.clip_id },
          query,
        );
        setNextPage(c, page.nextCursor, query.limit);
        return c.json({ transcripts: page.items.map(toTranscriptListItem), next_cursor: page.nextCursor }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getTranscript',
        path: '/{transcript_id}',
        tags,
        security,
        summary: 'A transcript: timed words and SRT',
        request: { params: TranscriptIdParam },
        responses: { 200: jsonContent(TranscriptResponse, 'The transcript'), ...errorResponses },
      }),
      async (c) => {
        const row = await getTranscript(c.get('scope'), c.req.valid('param').transcript_id);
        if (!row) throw notFound('Transcript');
        return c.json(toTranscriptResponse(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getTranscriptSrt',
        path: '/{transcript_id}/srt',
        tags,
        security,
        summary: "A transcript's SRT file",
        request: { params: TranscriptIdParam },
        responses: {
          200: { description: 'SRT', content: { 'application/x-subrip': { schema: z.string() } } },
          ...errorResponses,
        },
      }),
      async (c) => {
        const row = await getTranscript(c.get('scope'), c.req.valid('param').transcript_id);
        if (!row) throw notFound('Transcript');
        return c.body(row.srt, 200, {
          'content-type': 'application/x-subrip; charset=utf-8',
          'content-disposition': `attachment; filename="${row.id}.srt"`,
        }) as never;
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateTranscript',
        path: '/{transcript_id}',
        tags,
        security,
        summary: 'Edit a transcript (words or SRT) before rendering',
        description:
          'Send `words` (the whole list; each with text, start < end, in order, not overlapping, inside the media) or `srt` (every block must parse). An edited SRT is kept as written (renumbered) and the words are rebuilt from its cues; edited words get their SRT rebuilt. `edited_at` is set.',
        request: { params: TranscriptIdParam, body: jsonBody(TranscriptEdit) },
        responses: { 200: jsonContent(TranscriptResponse, 'The edited transcript'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { transcript_id } = c.req.valid('param');
        const edit = c.req.valid('json');
        const row = await getTranscript(scope, transcript_id);
        if (!row) throw notFound('Transcript');
        let words = edit.words ? checkWords(edit.words, row.duration) : srtToWords(edit.srt!);
        if (edit.srt !== undefined) words = checkWords(words, row.duration);
        // An edited SRT is kept as the editor wrote it; edited words get their SRT rebuilt.
        const srt = edit.srt !== undefined ? normalizeSrt(edit.srt) : wordsToSrt(words);
        if (!srt.trim()) throw new ApiError(400, 'validation_failed', 'The edit leaves no subtitle');
        const updated = await updateTranscriptText(scope, transcript_id, { words, srt });
        if (!updated) throw notFound('Transcript');
        return c.json(toTranscriptResponse(updated), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteTranscript',
        path: '/{transcript_id}',
        tags,
        security,
        summary: 'Delete a transcript',
        request: { params: TranscriptIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), transcript_id: z.string() }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const { transcript_id } = c.req.valid('param');
        if (!(await deleteTranscript(c.get('scope'), transcript_id))) throw notFound('Transcript');
        return c.json({ status: 'deleted' as const, transcript_id }, 200);
      },
    );
}
