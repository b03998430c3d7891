/** GET /api/v1/library/projects/{project_id}/clips: a project's clips by variant index. */
import { createRoute, z } from '@hono/zod-openapi';
import { listProjectClips } from '../../db/repos/clips.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedProject } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { ClipResponse, toClipResponse } from '../clips/presenter.ts';
import { tagValue } from '../../core/tags.ts';

const ProjectIdParam = idParam('project_id', 'project');
const tags = ['Library: projects'];

export function projectClipRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'listProjectClips',
      path: '/projects/{project_id}/clips',
      tags,
      security,
      summary: "A project's clips",
      description: 'Ordered by variant index. Soft-deleted clips only with `include_deleted=true`.',
      request: {
        params: ProjectIdParam,
        query: z.object({
          include_deleted: z.enum(['true', 'false']).default('false'),
          tag: tagValue.optional().openapi({ description: 'Only those carrying this tag (normalised as tags are)' }),
        }),
      },
      responses: { 200: jsonContent(z.object({ clips: z.array(ClipResponse) }), 'Clips'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await ownedProject(scope, c.req.valid('param').project_id);
      const query = c.req.valid('query');
      const rows = await listProjectClips(scope, project.id, query.include_deleted === 'true', query.tag);
      return c.json({ clips: await Promise.all(rows.map((r) => toClipResponse(c.env, scope, r))) }, 200);
    },
  );
}
