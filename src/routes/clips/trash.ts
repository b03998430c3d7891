/**
 * The clip trash: soft delete (one clip or several), restore, and purge for good. Only clips of the
 * active profile: any unknown id in a bulk request makes it 404 and nothing changes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Bindings } from '../../core/env.ts';
import { purgeClip, setClipsDeleted } from '../../db/repos/clips.ts';
import { recountProjects } from '../../db/repos/projects.ts';
import { recountSegmentUsage } from '../../db/repos/segments.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip, requireOwnedClips } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { enqueueSystemTask } from '../../jobs/producer.ts';
import { storageKeys } from '../../storage/keys.ts';
import { ClipIds, ClipResponse, tags, toClipResponse } from './presenter.ts';

const ClipIdParam = idParam('clip_id', 'clip');

async function purgeObjects(env: Bindings, scope: ProfileScope, clipIds: string[]) {
  for (const id of clipIds)
    await enqueueSystemTask(env, { task: 'purge_prefix', prefix: storageKeys.clipPrefix(scope, id) });
}

export function clipTrashRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'trashClip',
        path: '/clips/{clip_id}',
        tags,
        security,
        summary: 'Move a clip to the trash',
        description: 'Soft delete: restorable with `/restore`; `/purge` removes it and its media for good.',
        request: { params: ClipIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), clip_id: z.string() }), 'In the trash'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id);
        await setClipsDeleted(scope, [clip.id], true);
        await recountProjects(scope, [clip.projectId]);
        await recountSegmentUsage(scope, clip.segmentIds);
        return c.json({ status: 'deleted' as const, clip_id: clip.id }, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'restoreClip',
        path: '/clips/{clip_id}/restore',
        tags,
        security,
        summary: 'Restore a clip from the trash',
        request: { params: ClipIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('restored'), clip: ClipResponse }), 'Restored'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
        const [row] = clip.isDeleted ? await setClipsDeleted(scope, [clip.id], false) : [clip];
        await recountProjects(scope, [clip.projectId]);
        await recountSegmentUsage(scope, clip.segmentIds);
        return c.json({ status: 'restored' as const, clip: await toClipResponse(c.env, scope, row!) }, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'purgeClip',
        path: '/clips/{clip_id}/purge',
        tags,
        security,
        summary: 'Delete a clip and its media for good',
        request: { params: ClipIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('purged'), clip_id: z.string() }), 'Purged'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
        await purgeClip(scope, clip.id);
        await recountProjects(scope, [clip.projectId]);
        await recountSegmentUsage(scope, clip.segmentIds);
        await purgeObjects(c.env, scope, [clip.id]);
        return c.json({ status: 'purged' as const, clip_id: clip.id }, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'bulkDeleteClips',
        path: '/clips/bulk-delete',
        tags,
        security,
        summary: 'Move several clips to the trash',
        request: { body: jsonBody(z.object({ clip_ids: ClipIds }).strict()) },
        responses: {
          200: jsonContent(
            z.object({
              status: z.literal('completed'),
              deleted_count: z.number().int(),
              deleted: z.array(z.string()),
              failed_count: z.number().int(),
              failed: z.array(z.object({ id: z.string(), error: z.string() })),
            }),
            'Result',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const ids = [...new Set(c.req.valid('json').clip_ids)];
        await requireOwnedClips(scope, ids, { includeDeleted: true });
        const rows = await setClipsDeleted(scope, ids, true);
        await recountProjects(
          scope,
          rows.map((r) => r.projectId),
        );
        await recountSegmentUsage(
          scope,
          rows.flatMap((r) => r.segmentIds),
        );
        const deleted = new Set(rows.map((r) => r.id));
        const failed = ids.filter((id) => !deleted.has(id)).map((id) => ({ id, error: 'already in the trash' }));
        return c.json(
          {
            status: 'completed' as const,
            deleted_count: deleted.size,
            deleted: [...deleted],
            failed_count: failed.length,
            failed,
          },
          200,
        );
      },
    );
}
