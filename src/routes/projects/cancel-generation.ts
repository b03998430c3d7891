/** POST /api/v1/library/projects/{project_id}/cancel: stops the project's running generation. */
import { createRoute, z } from '@hono/zod-openapi';
import { conflict } from '../../core/errors.ts';
import { findActiveJobOnResource } from '../../db/repos/jobs.ts';
import { requestJobCancel } from '../../jobs/job-events.ts';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedProject } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { settleStoppedGeneration } from '../../library/project-generation.ts';

const tags = ['Library: generation'];
const ProjectIdParam = idParam('project_id', 'project');

export function projectCancelGenerationRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'cancelProjectGeneration',
      path: '/projects/{project_id}/cancel',
      tags,
      security,
      summary: "Cancel the project's running generation",
      description:
        'A queued generation is cancelled at once; a running one stops before its next step (status `cancelling`, then the job turns `cancelled`). The project keeps the variants already made (`ready_for_triage`) or goes back to its previous state. 409 when nothing is running.',
      request: { params: ProjectIdParam },
      responses: {
        200: jsonContent(
          z.object({
            status: z.enum(['cancelled', 'cancelling']),
            project_id: z.string(),
            job_id: z.string().nullable(),
            project_status: z.string(),
          }),
          'Cancelled or cancelling',
        ),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await ownedProject(scope, c.req.valid('param').project_id);
      const active = await findActiveJobOnResource(scope, 'project', project.id);
      if (!active) {
        if (project.status !== 'generating') throw conflict('No generation of this project is running');
        const settled = await settleStoppedGeneration(scope, project, undefined, 'Cancelled');
        return c.json(
          { status: 'cancelled' as const, project_id: project.id, job_id: null, project_status: settled.status },
          200,
        );
      }
      const job = await requestJobCancel(c.env, scope, active.id);
      if (job?.status === 'cancelled') {
        // It never ran: nothing of it to keep.
        const settled = await settleStoppedGeneration(scope, project, job.input, 'Cancelled');
        return c.json(
          { status: 'cancelled' as const, project_id: project.id, job_id: active.id, project_status: settled.status },
          200,
        );
      }
      return c.json(
        { status: 'cancelling' as const, project_id: project.id, job_id: active.id, project_status: project.status },
        200,
      );
    },
  );
}
