/** GET /api/v1/library/projects/{project_id}/progress: the persisted generation progress. */
import { createRoute, z } from '@hono/zod-openapi';
import { projectStatuses } from '../../db/schema.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedProject } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { reconcileGeneration } from '../../library/project-generation.ts';

const ProjectIdParam = idParam('project_id', 'project');
const tags = ['Library: projects'];

export function projectProgressRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getProjectProgress',
      path: '/projects/{project_id}/progress',
      tags,
      security,
      summary: 'Generation progress',
      description: 'Persisted in D1 (0–100). A failed generation reports `failed`, never a stuck percentage.',
      request: { params: ProjectIdParam },
      responses: {
        200: jsonContent(
          z.object({
            project_id: z.string(),
            status: z.enum(projectStatuses),
            percentage: z.number().int().min(0).max(100),
            current_step: z.string().nullable(),
            job_id: z.string().nullable(),
          }),
          'Progress',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const p = await reconcileGeneration(scope, await ownedProject(scope, c.req.valid('param').project_id));
      const percentage =
        p.status === 'ready_for_triage' || p.status === 'failed' ? 100 : p.status === 'draft' ? 0 : p.progress;
      return c.json(
        { project_id: p.id, status: p.status, percentage, current_step: p.progressStep, job_id: p.generationJobId },
        200,
      );
    },
  );
}
