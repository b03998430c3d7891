/**
 * /api/v1/library/projects (docs/compatibility.md#routes-library): projects of the active profile. Their progress, clips
 * and generation are their own sub-resources.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../../core/errors.ts';
import { pageQuery } from '../../db/pagination.ts';
import { listProjectClips } from '../../db/repos/clips.ts';
import { findActiveJobOnResource } from '../../db/repos/jobs.ts';
import { requestJobCancel } from '../../jobs/job-events.ts';
import { createProject, deleteProject, listProjects, updateProject } from '../../db/repos/projects.ts';
import { recountSegmentUsage } from '../../db/repos/segments.ts';
import { projectStatuses } from '../../db/schema.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedProject, ownedProjectListing } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { enqueueSystemTask } from '../../jobs/producer.ts';
import { reconcileGeneration } from '../../library/project-generation.ts';
import { storageKeys } from '../../storage/keys.ts';
import { ProjectResponse, toProjectResponse, toProjectResponses } from './presenter.ts';
import { nameField, textField } from '../../core/names.ts';

const ProjectCreate = z
  .object({
    name: nameField(200),
    description: textField(5000).nullable().optional(),
    target_duration: z.number().int().min(3).max(600).default(20),
    context_text: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .openapi('ProjectCreate');

const ProjectUpdate = z
  .object({
    name: nameField(200).optional(),
    description: textField(5000).nullable().optional(),
    status: z
      .enum(['draft', 'ready_for_triage'])
      .optional()
      .openapi({ description: 'Generation states are set by jobs only.' }),
    target_duration: z.number().int().min(3).max(600).optional(),
    context_text: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .openapi('ProjectUpdate');

const ProjectIdParam = idParam('project_id', 'project');
const tags = ['Library: projects'];

export function projectRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'createProject',
        path: '/projects',
        tags,
        security,
        summary: 'Create a project',
        request: { body: jsonBody(ProjectCreate) },
        responses: { 201: jsonContent(ProjectResponse, 'Created (status draft)'), ...errorResponses },
      }),
      async (c) => {
        const input = c.req.valid('json');
        const row = await createProject(c.get('scope'), {
          name: input.name,
          description: input.description ?? null,
          targetDuration: input.target_duration,
          contextText: input.context_text ?? null,
        });
        return c.json(toProjectResponse(row), 201);
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listProjects',
        path: '/projects',
        tags,
        security,
        summary: 'List projects',
        description: 'Newest first, cursor-paginated, optionally filtered by status.',
        request: { query: pageQuery.extend({ status: z.enum(projectStatuses).optional() }) },
        responses: {
          200: jsonContent(
            z.object({ projects: z.array(ProjectResponse), next_cursor: z.string().nullable() }),
            'Projects',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const page = await listProjects(c.get('scope'), query, query);
        setNextPage(c, page.nextCursor, query.limit);
        return c.json(
          { projects: await toProjectResponses(c.env, c.get('scope'), page.items), next_cursor: page.nextCursor },
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getProject',
        path: '/projects/{project_id}',
        tags,
        security,
        summary: 'Get a project',
        request: { params: ProjectIdParam },
        responses: { 200: jsonContent(ProjectResponse, 'Project'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const listed = await ownedProjectListing(scope, c.req.valid('param').project_id);
        // A settled generation is a new row (without its cover: the presenter looks it up).
        const project = await reconcileGeneration(scope, listed);
        return c.json((await toProjectResponses(c.env, scope, [project]))[0]!, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateProject',
        path: '/projects/{project_id}',
        tags,
        security,
        summary: 'Update a project',
        request: { params: ProjectIdParam, body: jsonBody(ProjectUpdate) },
        responses: {
          200: jsonContent(z.object({ status: z.literal('updated'), project: ProjectResponse }), 'Updated'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const id = c.req.valid('param').project_id;
        await ownedProject(scope, id);
        const input = c.req.valid('json');
        const row = await updateProject(scope, id, {
          name: input.name,
          description: input.description,
          status: input.status,
          targetDuration: input.target_duration,
          contextText: input.context_text,
        });
        return c.json(
          { status: 'updated' as const, project: (await toProjectResponses(c.env, scope, [row!]))[0]! },
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteProject',
        path: '/projects/{project_id}',
        tags,
        security,
        summary: 'Delete a project with its clips and their media',
        request: { params: ProjectIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), project_id: z.string() }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const id = c.req.valid('param').project_id;
        const project = await ownedProject(scope, id);
        // A running generation stops at its next step (and finds the project gone).
        const running = await findActiveJobOnResource(scope, 'project', project.id);
        if (running) await requestJobCancel(c.env, scope, running.id);
        const usedSegments = (await listProjectClips(scope, project.id, true)).flatMap((clip) => clip.segmentIds);
        const deleted = await deleteProject(scope, project.id);
        if (!deleted) throw notFound('Project');
        await recountSegmentUsage(scope, usedSegments);
        // Rows are gone first; objects follow through the queue (retried; the orphan sweep backs it up).
        for (const clipId of deleted.clipIds) {
          await enqueueSystemTask(c.env, { task: 'purge_prefix', prefix: storageKeys.clipPrefix(scope, clipId) });
        }
        return c.json({ status: 'deleted' as const, project_id: deleted.project.id }, 200);
      },
    );
}
