/**
 * /api/v1/library/projects (original §1.3): projects of the active profile, their persisted progress
 * and their clips. Generation routes live with the generation jobs.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { pageQuery } from '../db/pagination.ts';
import { coverClips, listProjectClips } from '../db/repos/clips.ts';
import { findActiveJobOnResource, requestCancel } from '../db/repos/jobs.ts';
import { recountSegmentUsage } from '../db/repos/segments.ts';
import type { Bindings } from '../core/env.ts';
import { reconcileGeneration } from '../library/project-generation.ts';
import { signedMediaUrl } from '../storage/signed-urls.ts';
import { THUMBNAIL_URL_TTL_SECONDS } from './source-video-response.ts';
import { type ProjectRow, createProject, deleteProject, getProject, listProjects, updateProject } from '../db/repos/projects.ts';
import { projectStatuses } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import { notFound } from '../core/errors.ts';
import { enqueueSystemTask } from '../jobs/producer.ts';
import { errorResponses, idParam, jsonBody, jsonContent, security } from '../http/openapi.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { storageKeys } from '../storage/keys.ts';
import { ClipResponse, toClipResponse } from './library-clips.ts';

export const ProjectResponse = z
  .object({
    id: z.string().openapi({ example: 'prj_01jd2v4m8r0000000000000000' }),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(projectStatuses),
    target_duration: z.number().int(),
    context_text: z.string().nullable(),
    source_video_id: z.string().nullable(),
    variants_count: z.number().int(),
    selected_count: z.number().int(),
    exported_count: z.number().int(),
    progress: z.number().int().min(0).max(100),
    progress_step: z.string().nullable(),
    generation_job_id: z.string().nullable(),
    thumbnail_url: z.string().nullable().openapi({ description: "Signed URL of the first clip's thumbnail" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Project');

export function toProjectResponse(p: ProjectRow, thumbnailUrl: string | null = null): z.infer<typeof ProjectResponse> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    status: p.status,
    target_duration: p.targetDuration,
    context_text: p.contextText,
    source_video_id: p.sourceVideoId,
    variants_count: p.variantsCount,
    selected_count: p.selectedCount,
    exported_count: p.exportedCount,
    progress: p.progress,
    progress_step: p.progressStep,
    generation_job_id: p.generationJobId,
    thumbnail_url: thumbnailUrl,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** Projects with their cover thumbnails (one query for the whole list). */
async function toProjectResponses(env: Bindings, scope: ProfileScope, rows: ProjectRow[]) {
  const covers = await coverClips(scope, rows.map((r) => r.id));
  return Promise.all(
    rows.map(async (p) => {
      const clipId = covers.get(p.id);
      const url = clipId ? (await signedMediaUrl(env, scope, { kind: 'clip_thumbnail', id: clipId }, { ttlSeconds: THUMBNAIL_URL_TTL_SECONDS })).url : null;
      return toProjectResponse(p, url);
    }),
  );
}

export async function ownedProject(scope: ProfileScope, id: string): Promise<ProjectRow> {
  const project = await getProject(scope, id);
  if (!project) throw notFound('Project');
  return project;
}

const ProjectCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5000).nullable().optional(),
    target_duration: z.number().int().min(3).max(600).default(20),
    context_text: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .openapi('ProjectCreate');

const ProjectUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).nullable().optional(),
    status: z.enum(['draft', 'ready_for_triage']).optional().openapi({ description: 'Generation states are set by jobs only.' }),
    target_duration: z.number().int().min(3).max(600).optional(),
    context_text: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .openapi('ProjectUpdate');

const ProjectIdParam = idParam('project_id', 'prj_01jd2v4m8r0000000000000000');
const tags = ['Library: projects'];

export function libraryProjectRoutes() {
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'post',
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
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects',
      tags,
      security,
      summary: 'List projects',
      description: 'Newest first, cursor-paginated, optionally filtered by status.',
      request: { query: pageQuery.extend({ status: z.enum(projectStatuses).optional() }) },
      responses: {
        200: jsonContent(z.object({ projects: z.array(ProjectResponse), next_cursor: z.string().nullable() }), 'Projects'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await listProjects(c.get('scope'), query, query);
      if (page.nextCursor) c.header('X-Next-Cursor', page.nextCursor);
      return c.json({ projects: await toProjectResponses(c.env, c.get('scope'), page.items), next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{project_id}',
      tags,
      security,
      summary: 'Get a project',
      request: { params: ProjectIdParam },
      responses: { 200: jsonContent(ProjectResponse, 'Project'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await reconcileGeneration(scope, await ownedProject(scope, c.req.valid('param').project_id));
      return c.json((await toProjectResponses(c.env, scope, [project]))[0]!, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
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
      const percentage = p.status === 'ready_for_triage' || p.status === 'failed' ? 100 : p.status === 'draft' ? 0 : p.progress;
      return c.json({ project_id: p.id, status: p.status, percentage, current_step: p.progressStep, job_id: p.generationJobId }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
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
      return c.json({ status: 'updated' as const, project: (await toProjectResponses(c.env, scope, [row!]))[0]! }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
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
      if (running) await requestCancel(scope, running.id);
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

  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{project_id}/clips',
      tags,
      security,
      summary: "A project's clips",
      description: 'Ordered by variant index. Soft-deleted clips only with `include_deleted=true`.',
      request: { params: ProjectIdParam, query: z.object({ include_deleted: z.enum(['true', 'false']).default('false') }) },
      responses: { 200: jsonContent(z.object({ clips: z.array(ClipResponse) }), 'Clips'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await ownedProject(scope, c.req.valid('param').project_id);
      const rows = await listProjectClips(scope, project.id, c.req.valid('query').include_deleted === 'true');
      return c.json({ clips: await Promise.all(rows.map((r) => toClipResponse(c.env, scope, r))) }, 200);
    },
  );

  return app;
}
