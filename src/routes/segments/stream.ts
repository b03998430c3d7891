/** GET /api/v1/segments/{id}/stream: the extracted cut behind the bearer token. */
import { createRoute } from '@hono/zod-openapi';
import { conflict } from '../../core/errors.ts';
import { errorResponse, conflictResponse, errorResponses, security } from '../../http/openapi.ts';
import { ownedSegment } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { serveObject } from '../../storage/serve-object.ts';
import { tags } from './segment-input.ts';

const SegmentIdParam = idParam('id', 'segment');

export function segmentStreamRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'streamSegment',
      path: '/{id}/stream',
      tags,
      security,
      summary: 'Stream the extracted segment (Bearer token; Range supported)',
      description: 'Same bytes as the signed `stream_url`. 409 until the segment is extracted.',
      request: { params: SegmentIdParam },
      responses: {
        200: { description: 'The whole cut' },
        206: { description: 'The requested range' },
        ...errorResponses,
        ...conflictResponse,
        416: errorResponse(416, 'Range outside the cut'),
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { segment } = await ownedSegment(scope, c.req.valid('param').id);
      if (segment.extractStatus !== 'ready' || !segment.extractedKey) {
        throw conflict(
          `The segment is not extracted (extract_status ${segment.extractStatus}). Call POST /api/v1/segments/${segment.id}/extract first.`,
        );
      }
      return serveObject(c.env.MEDIA, segment.extractedKey, c.req.raw, {
        what: 'Extracted segment',
        contentType: 'video/mp4',
      });
    },
  );
}
