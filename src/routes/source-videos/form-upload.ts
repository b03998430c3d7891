/**
 * POST /api/v1/segments/source-videos: the original's one-post form upload, streamed into storage
 * (never held in memory) and then probed like any other upload.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent, rateLimitResponse, security, tooLargeResponse } from '../../http/openapi.ts';
import { receiveFormUpload } from '../../http/form-upload.ts';
import { createTenantRouter, plainRoute } from '../../http/router.ts';
import { SourceVideoResponse, tags, toSourceVideoResponse } from './presenter.ts';

export function sourceVideoFormUploadRoutes() {
  // Not an `openapi()` route: its validator would buffer the form. Documented here.
  return plainRoute(
    createTenantRouter(),
    createRoute({
      method: 'post',
      operationId: 'uploadSourceVideoForm',
      path: '/',
      tags,
      security,
      summary: 'Upload a video in one form post (original API)',
      description:
        'multipart/form-data with `video` (file), `name` and optional `description`. Streamed into storage (never held in memory); the first bytes must be a video container (400 `invalid_media` otherwise). Responds with the video in `processing` and its probe job. For large files or resumable uploads use `POST /uploads`.',
      request: {
        body: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: z.object({
                video: z.string().openapi({ type: 'string', format: 'binary' }),
                name: z.string(),
                description: z.string().optional(),
              }),
            },
          },
        },
      },
      responses: {
        201: jsonContent(SourceVideoResponse.extend({ job_id: z.string() }), 'Stored; probing'),
        ...errorResponses,
        ...tooLargeResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { video, job } = await receiveFormUpload(c.env, scope, c.req.raw);
      return c.json({ ...(await toSourceVideoResponse(c.env, scope, video)), job_id: job.id }, 201);
    },
  );
}
