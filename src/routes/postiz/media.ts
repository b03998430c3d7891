/**
 * POST /api/v1/postiz/upload and /bulk-upload: clips' videos streamed from storage to Postiz. They
 * take clip ids of this profile only, never a path.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { getClip } from '../../db/repos/clips.ts';
import { conflictResponse, errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip, requireOwnedClips } from '../../http/owned.ts';
import { createTenantRouter } from '../../http/router.ts';
import { isProviderError } from '../../providers/provider-error.ts';
import { ClipVideoUnavailable, uploadClipVideo } from '../../publishing/clip-media.ts';
import { requirePostiz } from '../../publishing/postiz-connection.ts';
import { ClipId, callingPostiz, tags, unprocessable } from './presenter.ts';

const IgnoredVideoPath = z.string().max(4096).optional().openapi({
  description:
    'Accepted for compatibility with the original and IGNORED: the video always comes from the clip in storage.',
});

const UploadRequest = z
  .object({ clip_id: ClipId, video_path: IgnoredVideoPath })
  .strict()
  .openapi('PostizUploadRequest');
const UploadResponse = z
  .object({
    status: z.literal('success'),
    clip_id: z.string(),
    media_id: z.string(),
    media_path: z.string(),
    source: z
      .enum(['final', 'raw'])
      .openapi({ description: 'Which video was sent: the rendered one, or the raw variant when not rendered.' }),
    message: z.string(),
  })
  .openapi('PostizUploadResponse');

export const MAX_BULK_UPLOAD = 20;
const BulkUploadRequest = z
  .object({
    clip_ids: z.array(ClipId).min(1).max(MAX_BULK_UPLOAD).optional(),
    clips: z
      .array(z.object({ clip_id: ClipId, video_path: IgnoredVideoPath }).strict())
      .min(1)
      .max(MAX_BULK_UPLOAD)
      .optional()
      .openapi({ description: "The original's shape; `video_path` is ignored." }),
  })
  .strict()
  .refine((b) => (b.clip_ids === undefined) !== (b.clips === undefined), {
    message: 'send either clip_ids or clips',
    path: ['clip_ids'],
  })
  .openapi('PostizBulkUploadRequest');
const BulkUploadResponse = z
  .object({
    status: z.enum(['completed', 'completed_with_errors', 'failed']),
    uploaded_count: z.number().int(),
    uploaded: z.array(z.object({ clip_id: z.string(), media_id: z.string(), media_path: z.string() })),
    failed_count: z.number().int(),
    failed: z.array(z.object({ clip_id: z.string(), error: z.string() })),
  })
  .openapi('PostizBulkUploadResponse');

export function postizMediaRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'uploadClipToPostiz',
        path: '/upload',
        tags,
        security,
        summary: "Upload a clip's video to Postiz",
        description:
          'Streams the rendered video (or the raw variant when not rendered) from storage to Postiz and records the media on the clip (`postiz_status: uploaded`). Takes a clip id of this profile; a `video_path` is ignored.',
        request: { body: jsonBody(UploadRequest) },
        responses: {
          200: jsonContent(UploadResponse, 'Uploaded'),
          ...conflictResponse,
          ...unprocessable,
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const clip = await ownedClip(scope, c.req.valid('json').clip_id);
        const { client } = await requirePostiz(c.env, scope);
        try {
          const media = await callingPostiz(() => uploadClipVideo(c.env, scope, client, clip));
          return c.json(
            {
              status: 'success' as const,
              clip_id: clip.id,
              media_id: media.id,
              media_path: media.path,
              source: media.source,
              message: `Uploaded the ${media.source === 'final' ? 'rendered' : 'raw'} video (${media.size} bytes)`,
            },
            200,
          );
        } catch (err) {
          if (err instanceof ClipVideoUnavailable)
            throw new ApiError(422, 'not_publishable', `Cannot upload clip ${clip.id}: ${err.message}`);
          throw err;
        }
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'bulkUploadClipsToPostiz',
        path: '/bulk-upload',
        tags,
        security,
        summary: "Upload several clips' videos to Postiz",
        description: `One by one, reporting each clip. Every id must be a clip of this profile (else 404, nothing uploaded). At most ${MAX_BULK_UPLOAD} clips per request. Accepts \`{clip_ids}\` or the original's \`{clips:[{clip_id, video_path}]}\` (video_path ignored).`,
        request: { body: jsonBody(BulkUploadRequest) },
        responses: { 200: jsonContent(BulkUploadResponse, 'Per-clip results'), ...conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const body = c.req.valid('json');
        const ids = [...new Set(body.clip_ids ?? body.clips!.map((x) => x.clip_id))];
        await requireOwnedClips(scope, ids);
        const { client } = await requirePostiz(c.env, scope);
        const uploaded: { clip_id: string; media_id: string; media_path: string }[] = [];
        const failed: { clip_id: string; error: string }[] = [];
        for (const id of ids) {
          const clip = await getClip(scope, id);
          if (!clip) {
            failed.push({ clip_id: id, error: 'clip not found' });
            continue;
          }
          try {
            const media = await uploadClipVideo(c.env, scope, client, clip);
            uploaded.push({ clip_id: id, media_id: media.id, media_path: media.path });
          } catch (err) {
            if (!(err instanceof ClipVideoUnavailable) && !isProviderError(err)) throw err;
            failed.push({ clip_id: id, error: isProviderError(err) ? `Postiz: ${err.message}` : err.message });
          }
        }
        const status = failed.length === 0 ? 'completed' : uploaded.length === 0 ? 'failed' : 'completed_with_errors';
        return c.json(
          { status, uploaded_count: uploaded.length, uploaded, failed_count: failed.length, failed } as const,
          200,
        );
      },
    );
}
