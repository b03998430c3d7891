/**
 * /api/v1/segments/projects/{project_id}/…: the segments assigned to a project, in order (replace
 * the assignment, list it).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, validationError } from '../../core/errors.ts';
import { listProjectSegments, ownedSegmentIds, replaceProjectSegments } from '../../db/repos/segments.ts';
import type { TenantContext } from '../../http/context.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedProject } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter, plainRoute } from '../../http/router.ts';
import { SegmentResponse, toSegmentResponse } from './presenter.ts';
import { MAX_ASSIGNED_SEGMENTS, tags } from './segment-input.ts';

const ProjectIdParam = idParam('project_id', 'project');

const AssignJson = z
  .object({ segment_ids: z.array(z.string().min(1).max(64)).max(MAX_ASSIGNED_SEGMENTS) })
  .strict()
  .openapi('SegmentAssign');

async function readAssignBody(c: TenantContext): Promise<string[]> {
  const type = (c.req.header('Content-Type') ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new ApiError(400, 'bad_request', 'The request body is not valid JSON');
    }
    const parsed = AssignJson.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, 'request body');
    return parsed.data.segment_ids;
  }
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await c.req.parseBody({ all: true });
    const value = form.segment_ids;
    const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
    if (list.some((v) => typeof v !== 'string'))
      throw new ApiError(400, 'validation_failed', 'segment_ids must be text fields, not files');
    const parsed = AssignJson.safeParse({ segment_ids: list });
    if (!parsed.success) throw validationError(parsed.error, 'form data');
    return parsed.data.segment_ids;
  }
  throw new ApiError(
    415,
    'unsupported_media_type',
    'Send segment_ids as JSON ({"segment_ids": [...]}) or as repeated form fields',
  );
}

export function projectSegmentRoutes() {
  // Not an `openapi()` route: its validators would read the body as JSON only. Documented here.
  return plainRoute(
    createTenantRouter(),
    createRoute({
      method: 'post',
      operationId: 'assignProjectSegments',
      path: '/projects/{project_id}/assign',
      tags,
      security,
      summary: "Replace a project's segments",
      description: `As the original: form fields \`segment_ids\` (repeated, in order), or JSON \`{"segment_ids": [...]}\`. At most ${MAX_ASSIGNED_SEGMENTS}; a segment may appear more than once. Every id must be a segment of this profile, else 404 naming the unknown ones and the previous assignment stays. The replacement is one transaction. An empty list clears the assignment.`,
      request: {
        params: ProjectIdParam,
        body: {
          required: true,
          content: {
            'application/json': { schema: AssignJson },
            'application/x-www-form-urlencoded': { schema: z.object({ segment_ids: z.array(z.string()) }) },
            'multipart/form-data': { schema: z.object({ segment_ids: z.array(z.string()) }) },
          },
        },
      },
      responses: {
        200: jsonContent(
          z.object({ status: z.literal('assigned'), project_id: z.string(), segments_count: z.number().int() }),
          'Assigned',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await ownedProject(scope, c.req.param('project_id'));
      const ids = await readAssignBody(c);
      const found = await ownedSegmentIds(scope, ids);
      const missing = [...new Set(ids.filter((id) => !found.has(id)))];
      if (missing.length)
        throw new ApiError(404, 'not_found', `Segment not found: ${missing.join(', ')}`, { details: { missing } });
      await replaceProjectSegments(scope, project.id, ids);
      return c.json({ status: 'assigned' as const, project_id: project.id, segments_count: ids.length }, 200);
    },
  ).openapi(
    createRoute({
      method: 'get',
      operationId: 'listProjectSegments',
      path: '/projects/{project_id}/segments',
      tags,
      security,
      summary: "A project's segments in sequence order",
      request: { params: ProjectIdParam },
      responses: {
        200: jsonContent(z.array(SegmentResponse.extend({ sequence_order: z.number().int() })), 'Segments'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await ownedProject(scope, c.req.valid('param').project_id);
      const rows = await listProjectSegments(scope, project.id);
      return c.json(
        await Promise.all(
          rows.map(async (r) => ({ ...(await toSegmentResponse(c.env, scope, r)), sequence_order: r.sequenceOrder })),
        ),
        200,
      );
    },
  );
}
