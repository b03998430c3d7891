/** /api/v1/segments/source-videos/{id}/segments: a ready source video's segments (create, list). */
import { createRoute, z } from '@hono/zod-openapi';
import { conflict } from '../../core/errors.ts';
import { tagValue } from '../../core/tags.ts';
import { createSegment, listVideoSegments } from '../../db/repos/segments.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import { conflictResponse, errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { SegmentResponse, SegmentTransformsSchema, toSegmentResponse } from './presenter.ts';
import {
  Keywords,
  Notes,
  Time,
  checkTimes,
  normalizeKeywords,
  queueThumbnail,
  tags,
  toTransforms,
} from './segment-input.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

const SegmentCreate = z
  .object({
    start_time: Time,
    end_time: Time,
    keywords: Keywords.default([]),
    notes: Notes.optional(),
    transforms: SegmentTransformsSchema.nullable().optional(),
  })
  .strict()
  .openapi('SegmentCreate');

export function videoSegmentRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'createSegment',
        path: '/source-videos/{id}/segments',
        tags,
        security,
        summary: 'Create a segment on a ready source video',
        description:
          "0 ≤ start_time < end_time ≤ the video's duration (at least 0.1 s long). A thumbnail at the midpoint is made in the background. Supports `Idempotency-Key`.",
        request: { params: VideoIdParam, body: jsonBody(SegmentCreate) },
        responses: { 201: jsonContent(SegmentResponse, 'Created'), ...errorResponses, ...conflictResponse },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const response = await idempotentJson(c, { id, ...input }, async () => {
          const video = await ownedSourceVideo(scope, id);
          if (video.status !== 'ready' || video.duration === null)
            throw conflict(`Segments can be made on a ready video (this one is ${video.status})`);
          checkTimes(input.start_time, input.end_time, video.duration);
          const row = await createSegment(scope, video.id, {
            startTime: input.start_time,
            endTime: input.end_time,
            keywords: normalizeKeywords(input.keywords),
            notes: input.notes ?? null,
            transforms: toTransforms(input.transforms),
          });
          await queueThumbnail(c, row);
          return { status: 201, body: await toSegmentResponse(c.env, scope, { segment: row, videoName: video.name }) };
        });
        return response as never;
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listSourceVideoSegments',
        path: '/source-videos/{id}/segments',
        tags,
        security,
        summary: "A source video's segments, by start time",
        request: {
          params: VideoIdParam,
          query: z.object({
            tag: tagValue.optional().openapi({ description: 'Only those carrying this tag (normalised as tags are)' }),
          }),
        },
        responses: { 200: jsonContent(z.array(SegmentResponse), 'Segments'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const video = await ownedSourceVideo(scope, c.req.valid('param').id);
        const rows = await listVideoSegments(scope, video.id, c.req.valid('query').tag);
        return c.json(await Promise.all(rows.map((r) => toSegmentResponse(c.env, scope, r))), 200);
      },
    );
}
