/** POST /api/v1/segments/{id}/favorite: toggles a segment's favourite flag. */
import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../../core/errors.ts';
import { toggleSegmentFavorite } from '../../db/repos/segments.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { tags } from './segment-input.ts';

const SegmentIdParam = idParam('id', 'segment');

export function segmentFavoriteRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'toggleSegmentFavorite',
      path: '/{id}/favorite',
      tags,
      security,
      summary: 'Toggle favourite',
      request: { params: SegmentIdParam },
      responses: {
        200: jsonContent(z.object({ id: z.string(), is_favorite: z.boolean() }), 'Toggled'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const row = await toggleSegmentFavorite(c.get('scope'), c.req.valid('param').id);
      if (!row) throw notFound('Segment');
      return c.json({ id: row.id, is_favorite: row.isFavorite }, 200);
    },
  );
}
