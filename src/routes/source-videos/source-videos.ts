/**
 * /api/v1/segments/source-videos (docs/compatibility.md#routes-segments): the profile's library of source videos: list with
 * cursor pagination, get, rename, delete (rows first, then every object). Responses carry ids and
 * short-lived signed URLs, never storage keys or paths (docs/compatibility.md#w5 to #w13). Uploads, streaming,
 * the waveform and voice detection are their own sub-resources.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { pageQuery } from '../../db/pagination.ts';
import { sourceVideoStatuses } from '../../db/schema.ts';
import { listSourceVideos, updateSourceVideoDetails } from '../../db/repos/source-videos.ts';
import { notFound } from '../../core/errors.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH } from '../../http/form-upload.ts';
import { ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { removeSourceVideo } from '../../source-videos/removal.ts';
import { SourceVideoResponse, tags, toSourceVideoResponse } from './presenter.ts';
import { nameField, textField } from '../../core/names.ts';
import { TAG_LIST_DESCRIPTION, tagList, tagValue } from '../../core/tags.ts';
import { deleteAfterField } from '../../http/retention-fields.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

const ListQuery = pageQuery.extend({
  status: z.enum(sourceVideoStatuses).optional(),
  tag: tagValue.optional().openapi({ description: 'Only those carrying this tag (normalised as tags are)' }),
});

const SourceVideoUpdate = z
  .object({
    name: nameField(MAX_NAME_LENGTH).optional(),
    description: textField(MAX_DESCRIPTION_LENGTH).nullable().optional(),
    tags: tagList.optional().openapi({ description: TAG_LIST_DESCRIPTION }),
    delete_after: deleteAfterField,
  })
  .strict()
  .openapi('SourceVideoUpdate');

export function sourceVideoRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listSourceVideos',
        path: '/',
        tags,
        security,
        summary: "List this profile's source videos",
        description:
          'Newest first, as a plain array (as the original). The next page: the `X-Next-Cursor` header (pass it as `cursor`) or the `Link: <…>; rel="next"` URL.',
        request: { query: ListQuery },
        responses: { 200: jsonContent(z.array(SourceVideoResponse), 'Source videos'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const query = c.req.valid('query');
        const page = await listSourceVideos(scope, { status: query.status, tag: query.tag }, query);
        setNextPage(c, page.nextCursor, query.limit);
        return c.json(await Promise.all(page.items.map((row) => toSourceVideoResponse(c.env, scope, row))), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideo',
        path: '/{id}',
        tags,
        security,
        summary: 'Get a source video',
        request: { params: VideoIdParam },
        responses: { 200: jsonContent(SourceVideoResponse, 'Source video'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        return c.json(
          await toSourceVideoResponse(c.env, scope, await ownedSourceVideo(scope, c.req.valid('param').id)),
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateSourceVideo',
        path: '/{id}',
        tags,
        security,
        summary: 'Rename, describe, tag or schedule the deletion of a source video',
        request: { params: VideoIdParam, body: jsonBody(SourceVideoUpdate) },
        responses: { 200: jsonContent(SourceVideoResponse, 'Updated'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { id } = c.req.valid('param');
        const body = c.req.valid('json');
        const row = await updateSourceVideoDetails(scope, id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.tags !== undefined ? { tags: body.tags } : {}),
          ...(body.delete_after !== undefined ? { deleteAfter: body.delete_after } : {}),
        });
        if (!row) throw notFound('Source video');
        return c.json(await toSourceVideoResponse(c.env, scope, row), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteSourceVideo',
        path: '/{id}',
        tags,
        security,
        summary: 'Delete a source video, its segments and every stored object of both',
        request: { params: VideoIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), id: z.string() }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { id } = c.req.valid('param');
        const deleted = await removeSourceVideo(c.env, scope, id);
        if (!deleted) throw notFound('Source video');
        return c.json({ status: 'deleted' as const, id }, 200);
      },
    );
}
