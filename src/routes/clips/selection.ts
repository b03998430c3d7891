/** Clip selection: one clip (`PATCH /clips/{clip_id}/select`) or several (`POST /clips/bulk-select`). */
import { createRoute, z } from '@hono/zod-openapi';
import { setClipsSelected } from '../../db/repos/clips.ts';
import { recountProjects } from '../../db/repos/projects.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip, requireOwnedClips } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { ClipIds, tags } from './presenter.ts';

const ClipIdParam = idParam('clip_id', 'clip');
const SelectedQuery = z.object({ selected: z.enum(['true', 'false']) });

export function clipSelectionRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'selectClip',
        path: '/clips/{clip_id}/select',
        tags,
        security,
        summary: 'Select or unselect a clip',
        request: { params: ClipIdParam, query: SelectedQuery },
        responses: {
          200: jsonContent(
            z.object({ status: z.literal('updated'), clip_id: z.string(), is_selected: z.boolean() }),
            'Updated',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id);
        const selected = c.req.valid('query').selected === 'true';
        await setClipsSelected(scope, [clip.id], selected);
        await recountProjects(scope, [clip.projectId]);
        return c.json({ status: 'updated' as const, clip_id: clip.id, is_selected: selected }, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'bulkSelectClips',
        path: '/clips/bulk-select',
        tags,
        security,
        summary: 'Select or unselect several clips',
        description: 'Body: a JSON array of clip ids (as the original). Every id must be a clip of this profile.',
        request: { query: SelectedQuery, body: jsonBody(ClipIds) },
        responses: {
          200: jsonContent(
            z.object({ status: z.literal('updated'), count: z.number().int(), is_selected: z.boolean() }),
            'Updated',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const ids = [...new Set(c.req.valid('json'))];
        await requireOwnedClips(scope, ids);
        const selected = c.req.valid('query').selected === 'true';
        const projectIds = await setClipsSelected(scope, ids, selected);
        await recountProjects(scope, projectIds);
        return c.json({ status: 'updated' as const, count: projectIds.length, is_selected: selected }, 200);
      },
    );
}
