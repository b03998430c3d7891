/**
 * /api/v1/library/clips/{clip_id} (docs/compatibility.md#routes-library): one clip with its content, and its editable
 * fields (name, selection, publish fields). Triage, trash, content and renders are their own
 * sub-resources.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { getClipContent, updateClip } from '../../db/repos/clips.ts';
import { recountProjects } from '../../db/repos/projects.ts';
import { postizStatuses } from '../../db/schema.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { ClipResponse, ContentResponse, tags, toClipResponse, toContentResponse } from './presenter.ts';
import { nameField } from '../../core/names.ts';
import { TAG_LIST_DESCRIPTION, tagList } from '../../core/tags.ts';
import { deleteAfterField } from '../../http/retention-fields.ts';

const ClipIdParam = idParam('clip_id', 'clip');

const ClipUpdate = z
  .object({
    variant_name: nameField(200).nullable().optional(),
    is_selected: z.boolean().optional(),
    postiz_status: z.enum(postizStatuses).optional(),
    postiz_post_id: z.string().max(200).nullable().optional(),
    postiz_scheduled_at: z.iso.datetime({ offset: true }).nullable().optional(),
    tags: tagList.optional().openapi({ description: TAG_LIST_DESCRIPTION }),
    delete_after: deleteAfterField,
  })
  .strict()
  .openapi('ClipUpdate');

export function clipRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getClip',
        path: '/clips/{clip_id}',
        tags,
        security,
        summary: 'Get a clip with its content',
        request: { params: ClipIdParam },
        responses: {
          200: jsonContent(z.object({ clip: ClipResponse, content: ContentResponse.nullable() }), 'Clip'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
        const content = await getClipContent(scope, clip.id);
        return c.json(
          {
            clip: await toClipResponse(c.env, scope, clip),
            content: content ? await toContentResponse(c.env, scope, content) : null,
          },
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateClip',
        path: '/clips/{clip_id}',
        tags,
        security,
        summary: 'Update a clip (name, selection, publish fields, tags, scheduled deletion)',
        request: { params: ClipIdParam, body: jsonBody(ClipUpdate) },
        responses: {
          200: jsonContent(z.object({ status: z.literal('updated'), clip: ClipResponse }), 'Updated'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id);
        const input = c.req.valid('json');
        const row = await updateClip(scope, clip.id, {
          variantName: input.variant_name,
          isSelected: input.is_selected,
          postizStatus: input.postiz_status,
          postizPostId: input.postiz_post_id,
          postizScheduledAt: input.postiz_scheduled_at,
          tags: input.tags,
          deleteAfter: input.delete_after,
        });
        if (input.is_selected !== undefined) await recountProjects(scope, [clip.projectId]);
        return c.json({ status: 'updated' as const, clip: await toClipResponse(c.env, scope, row!) }, 200);
      },
    );
}
