/** GET /api/v1/segments/source-videos/{id}/stream: the video's bytes behind the bearer token. */
import { createRoute, z } from '@hono/zod-openapi';
import { conflict } from '../../core/errors.ts';
import { errorResponse, conflictResponse, errorResponses, security } from '../../http/openapi.ts';
import { ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { touchSourceVideo } from '../../db/repos/retention.ts';
import { serveObject } from '../../storage/serve-object.ts';
import { downloadFilename, tags } from './presenter.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

export function sourceVideoStreamRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'streamSourceVideo',
      path: '/{id}/stream',
      tags,
      security,
      summary: 'Stream the video (Bearer token; Range supported)',
      description:
        'Same bytes and Range handling as the signed `stream_url` (which is what `<video>` tags should use, since they cannot send headers). `?download=true` serves it as an attachment.',
      request: { params: VideoIdParam, query: z.object({ download: z.enum(['true', 'false', '1', '0']).optional() }) },
      responses: {
        200: { description: 'The whole video' },
        206: { description: 'The requested range' },
        ...errorResponses,
        ...conflictResponse,
        416: errorResponse(416, 'Range outside the video'),
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const row = await ownedSourceVideo(scope, c.req.valid('param').id);
      if (row.status !== 'ready' && row.status !== 'processing')
        throw conflict(`The video has no playable bytes (status ${row.status})`);
      const download = c.req.valid('query').download;
      // A download is a use (retention counts from the last one); playback ranges are not.
      if (download === 'true' || download === '1') await touchSourceVideo(scope, row.id);
      return serveObject(c.env.MEDIA, row.storageKey, c.req.raw, {
        what: 'Source video',
        contentType: row.contentType,
        attachmentFilename: download === 'true' || download === '1' ? downloadFilename(row) : undefined,
      });
    },
  );
}
