/**
 * /api/v1/segments (docs/compatibility.md#routes-segments): the segment library of the profile's ready source videos, and
 * one segment's get, edit and delete. Every id in a request must belong to the active profile
 * (404 otherwise, nothing changed); the original checked none of them (docs/compatibility.md#w6).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../../core/errors.ts';
import { pageQuery } from '../../db/pagination.ts';
import { deleteSegment, listLibrarySegments, updateSegment } from '../../db/repos/segments.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedSegment, ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { deletePrefix, storageKeys } from '../../storage/keys.ts';
import { SegmentResponse, SegmentTransformsSchema, toSegmentResponse } from './presenter.ts';
import {
  Keywords,
  MAX_KEYWORD_LENGTH,
  Notes,
  Time,
  checkTimes,
  normalizeKeywords,
  queueThumbnail,
  sameTransforms,
  tags,
  toTransforms,
} from './segment-input.ts';

import { TAG_LIST_DESCRIPTION, tagList, tagValue } from '../../core/tags.ts';

const SegmentIdParam = idParam('id', 'segment');

const SegmentUpdate = z
  .object({
    start_time: Time.optional(),
    end_time: Time.optional(),
    keywords: Keywords.optional(),
    notes: Notes.optional(),
    transforms: SegmentTransformsSchema.nullable().optional(),
    tags: tagList.optional().openapi({ description: TAG_LIST_DESCRIPTION }),
  })
  .strict()
  .openapi('SegmentUpdate');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const LibraryQuery = pageQuery.extend({
  keyword: z
    .string()
    .trim()
    .min(1)
    .max(MAX_KEYWORD_LENGTH)
    .optional()
    .openapi({ description: 'Segments having this keyword (case-insensitive, exact)' }),
  source_video_id: z.string().max(64).optional(),
  favorites_only: bool.default(false),
  min_duration: z.coerce.number().min(0).optional(),
  max_duration: z.coerce.number().min(0).optional(),
  search: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Text in keywords, notes or the source video name' }),
  tag: tagValue.optional().openapi({ description: 'Only those carrying this tag (normalised as tags are)' }),
});

export function segmentRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listSegments',
        path: '/',
        tags,
        security,
        summary: 'The segment library',
        description:
          'Newest first, as a plain array (as the original). Filters combine. The next page: the `X-Next-Cursor` header (pass it as `cursor`) or the `Link: <…>; rel="next"` URL.',
        request: { query: LibraryQuery },
        responses: { 200: jsonContent(z.array(SegmentResponse), 'Segments'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const query = c.req.valid('query');
        const page = await listLibrarySegments(scope, query, query);
        setNextPage(c, page.nextCursor, query.limit);
        return c.json(await Promise.all(page.items.map((r) => toSegmentResponse(c.env, scope, r))), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSegment',
        path: '/{id}',
        tags,
        security,
        summary: 'Get a segment',
        request: { params: SegmentIdParam },
        responses: { 200: jsonContent(SegmentResponse, 'Segment'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        return c.json(await toSegmentResponse(c.env, scope, await ownedSegment(scope, c.req.valid('param').id)), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateSegment',
        path: '/{id}',
        tags,
        security,
        summary: 'Update a segment',
        description:
          'Times are re-validated against the video (with the unchanged one, when only one is sent). New times or transforms discard the extracted cut (extract again) and queue a new thumbnail.',
        request: { params: SegmentIdParam, body: jsonBody(SegmentUpdate) },
        responses: { 200: jsonContent(SegmentResponse, 'Updated'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const view = await ownedSegment(scope, c.req.valid('param').id);
        const current = view.segment;
        const input = c.req.valid('json');
        const start = input.start_time ?? current.startTime;
        const end = input.end_time ?? current.endTime;
        const timesChanged = start !== current.startTime || end !== current.endTime;
        const transforms = input.transforms !== undefined ? toTransforms(input.transforms) : current.transforms;
        const cutChanged = timesChanged || !sameTransforms(transforms, current.transforms);
        if (timesChanged) {
          const video = await ownedSourceVideo(scope, current.sourceVideoId);
          checkTimes(start, end, video.duration ?? 0);
        }
        const row = await updateSegment(scope, current.id, {
          startTime: start,
          endTime: end,
          ...(input.keywords !== undefined ? { keywords: normalizeKeywords(input.keywords) } : {}),
          ...(input.notes !== undefined ? { notes: input.notes } : {}),
          ...(input.tags !== undefined ? { tags: input.tags } : {}),
          transforms,
          ...(cutChanged
            ? {
                extractStatus: 'none' as const,
                extractError: null,
                extractedKey: null,
                extractedDuration: null,
                extractMode: null,
              }
            : {}),
          ...(timesChanged ? { thumbnailKey: null } : {}),
        });
        if (!row) throw notFound('Segment');
        if (cutChanged) await c.env.MEDIA.delete(storageKeys.segmentExtract(scope, row.id));
        if (timesChanged) await queueThumbnail(c, row);
        return c.json(await toSegmentResponse(c.env, scope, { segment: row, videoName: view.videoName }), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteSegment',
        path: '/{id}',
        tags,
        security,
        summary: 'Delete a segment and its stored objects',
        description: 'Its project assignments go with it; clips already made from it keep their video.',
        request: { params: SegmentIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), id: z.string() }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { id } = c.req.valid('param');
        const deleted = await deleteSegment(scope, id);
        if (!deleted) throw notFound('Segment');
        // Rows first, then objects: a crash in between leaves orphans for the sweep, never dangling rows.
        await deletePrefix(c.env.MEDIA, storageKeys.segmentPrefix(scope, id));
        return c.json({ status: 'deleted' as const, id }, 200);
      },
    );
}
