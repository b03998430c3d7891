/** GET /api/v1/library/all-clips: every clip of the profile, filtered and cursor-paginated. */
import { createRoute, z } from '@hono/zod-openapi';
import { pageQuery } from '../../db/pagination.ts';
import { listAllClips } from '../../db/repos/clips.ts';
import { finalStatuses, postizStatuses } from '../../db/schema.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { ClipResponse, tags, toClipResponse } from './presenter.ts';
import { tagValue } from '../../core/tags.ts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export function allClipRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'listAllClips',
      path: '/all-clips',
      tags,
      security,
      summary: 'All clips of the profile',
      description: 'Newest first, cursor-paginated, with filters. `deleted=true` lists the trash.',
      request: {
        query: pageQuery.extend({
          project_id: z.string().max(64).optional(),
          is_selected: bool.optional(),
          final_status: z.enum(finalStatuses).optional(),
          postiz_status: z.enum(postizStatuses).optional(),
          has_subtitles: bool.optional(),
          has_voiceover: bool.optional(),
          search: z.string().max(200).optional(),
          deleted: bool.optional(),
          tag: tagValue.optional().openapi({ description: 'Only those carrying this tag (normalised as tags are)' }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            clips: z.array(
              ClipResponse.extend({ project_name: z.string(), has_subtitles: z.boolean(), has_voiceover: z.boolean() }),
            ),
            next_cursor: z.string().nullable(),
          }),
          'Clips',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const query = c.req.valid('query');
      const page = await listAllClips(scope, query, query);
      setNextPage(c, page.nextCursor, query.limit);
      const clips = await Promise.all(
        page.items.map(async (item) => ({
          ...(await toClipResponse(c.env, scope, item.clip)),
          project_name: item.projectName,
          has_subtitles: item.hasSubtitles,
          has_voiceover: item.hasVoiceover,
        })),
      );
      return c.json({ clips, next_cursor: page.nextCursor }, 200);
    },
  );
}
