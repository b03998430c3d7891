/**
 * A clip's publications (GET /api/v1/postiz/clips/{clip_id}/publications) and their refresh from
 * Postiz (POST /publications/refresh; the hourly cron does the same for every profile).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { type PublicationRow, listClipPublications } from '../../db/repos/publications.ts';
import { publicationStatuses } from '../../db/schema.ts';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { requirePostiz } from '../../publishing/postiz-connection.ts';
import { refreshPublications } from '../../publishing/publication-sync.ts';
import { tags } from './presenter.ts';

const ClipIdParam = idParam('clip_id', 'clip');

const PublicationResponse = z
  .object({
    id: z.string(),
    clip_id: z.string(),
    job_id: z.string().nullable(),
    status: z.enum(publicationStatuses),
    integration_ids: z.array(z.string()),
    platforms: z.array(z.string()),
    caption: z.string(),
    scheduled_at: z.string().nullable(),
    published_at: z.string().nullable(),
    postiz_post_ids: z.array(z.string()),
    posts: z.array(
      z.object({
        post_id: z.string(),
        integration_id: z.string(),
        platform: z.string().nullable(),
        state: z.string(),
        release_url: z.string().nullable(),
      }),
    ),
    release_url: z.string().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Publication');

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

function toPublicationResponse(p: PublicationRow): z.infer<typeof PublicationResponse> {
  return {
    id: p.id,
    clip_id: p.clipId,
    job_id: p.jobId,
    status: p.status,
    integration_ids: p.integrationIds,
    platforms: p.platforms,
    caption: p.caption,
    scheduled_at: p.scheduledAt,
    published_at: p.publishedAt,
    postiz_post_ids: p.postizPostIds,
    posts: p.postizPosts,
    release_url: p.releaseUrl,
    error: p.errorMessage,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

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
