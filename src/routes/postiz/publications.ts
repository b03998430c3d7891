/**
 * A clip's publications (GET /api/v1/postiz/clips/{clip_id}/publications) and their refresh from
 * Postiz (POST /publications/refresh; the hourly cron does the same for every profile).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { listClipPublications } from '../../db/repos/publications.ts';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { requirePostiz } from '../../publishing/postiz-connection.ts';
import { refreshPublications } from '../../publishing/publication-sync.ts';
import { PublicationResponse, tags, toPublicationResponse } from './presenter.ts';

const ClipIdParam = idParam('clip_id', 'clip');

const RefreshResponse = z
  .object({
    checked: z.number().int(),
    published: z.number().int(),
    failed: z.number().int(),
    unchanged: z.number().int(),
    missing: z.array(z.string()),
    error: z.string().nullable(),
  })
  .openapi('PublicationRefresh');

export function postizPublicationRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listClipPublications',
        path: '/clips/{clip_id}/publications',
        tags,
        security,
        summary: "A clip's publications",
        description:
          'Newest first, with status (`pending | scheduled | published | failed`), Postiz post ids per channel and release URLs once Postiz reports them.',
        request: { params: ClipIdParam },
        responses: {
          200: jsonContent(
            z.object({ clip_id: z.string(), publications: z.array(PublicationResponse) }),
            'Publications',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
        const rows = await listClipPublications(scope, clip.id);
        return c.json({ clip_id: clip.id, publications: rows.map(toPublicationResponse) }, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'refreshPublications',
        path: '/publications/refresh',
        tags,
        security,
        summary: 'Poll Postiz for the final state of due publications',
        description:
          'Moves due `scheduled` (and `published` without a URL) publications to `published` with release URLs, or `failed` when Postiz reports an error. The hourly cron does the same for every profile.',
        responses: { 200: jsonContent(RefreshResponse, 'What changed'), ...conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        await requirePostiz(c.env, scope);
        return c.json(await refreshPublications(c.env, scope), 200);
      },
    );
}
