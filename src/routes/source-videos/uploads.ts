/**
 * Upload routes under /api/v1/segments/source-videos: ask for an upload (single signed PUT or a
 * resumable multipart plan), page through signed part URLs, see which parts arrived, complete
 * (magic bytes, then the probe job) or abort.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { conflict } from '../../core/errors.ts';
import {
  conflictResponse,
  errorResponses,
  jsonBody,
  jsonContent,
  rateLimitResponse,
  security,
} from '../../http/openapi.ts';
import { ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { removeSourceVideo } from '../../source-videos/removal.ts';
import { allowedVideoTypeList } from '../../core/sniff.ts';
import {
  MAX_PART_BYTES,
  MAX_UPLOAD_BYTES,
  MIN_PART_BYTES,
  PARTS_PAGE_MAX,
  SINGLE_UPLOAD_MAX_BYTES,
} from '../../core/limits.ts';
import {
  completeUpload,
  createUpload,
  partCountOf,
  partUrls,
  uploadInstructions,
  uploadStatus,
} from '../../source-videos/uploads.ts';
import { SourceVideoResponse, tags, toSourceVideoResponse } from './presenter.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

const UploadCreate = z
  .object({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(5000).nullable().optional(),
    size_bytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_UPLOAD_BYTES)
      .openapi({ description: 'Exact size of the file in bytes' }),
    content_type: z
      .enum(allowedVideoTypeList)
      .openapi({ description: 'Declared video type; the bytes are checked on completion' }),
    filename: z.string().trim().min(1).max(255).optional(),
    max_duration_seconds: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .optional()
      .openapi({
        description: 'The probe fails the video when it is longer',
      }),
    multipart: z
      .boolean()
      .optional()
      .openapi({
        description: `Force a resumable multipart upload even at or under ${SINGLE_UPLOAD_MAX_BYTES} bytes`,
      }),
    part_size_bytes: z.number().int().min(MIN_PART_BYTES).max(MAX_PART_BYTES).optional().openapi({
      description: 'Preferred part size for multipart uploads (grown when the file needs more than 10 000 parts)',
    }),
  })
  .strict()
  .openapi('UploadCreate');

const SingleUpload = z
  .object({
    method: z.literal('PUT'),
    upload_url: z.string(),
    headers: z.object({ 'Content-Type': z.string() }),
    size_bytes: z.number().int(),
    expires_at: z.string(),
    status_url: z.string(),
    complete_url: z.string(),
    abort_url: z.string(),
  })
  .openapi('SingleUpload');

const MultipartUpload = z
  .object({
    method: z.literal('multipart'),
    size_bytes: z.number().int(),
    part_size: z.number().int(),
    part_count: z.number().int(),
    parts_url: z.string(),
    status_url: z.string(),
    complete_url: z.string(),
    abort_url: z.string(),
    expires_at: z.string(),
  })
  .openapi('MultipartUpload');

const UploadInstructions = z.discriminatedUnion('method', [SingleUpload, MultipartUpload]);

const UploadCreated = z
  .object({ source_video: SourceVideoResponse, upload: UploadInstructions })
  .openapi('UploadCreated');

const UploadStatusResponse = z
  .object({
    source_video_id: z.string(),
    status: SourceVideoResponse.shape.status,
    method: z.enum(['PUT', 'multipart']),
    size_bytes: z.number().int(),
    received_bytes: z.number().int(),
    part_size: z.number().int().nullable(),
    part_count: z.number().int().nullable(),
    received_parts: z.array(z.number().int()),
    missing_parts: z.array(z.number().int()),
    expires_at: z.string().nullable(),
    upload: UploadInstructions.nullable().openapi({ description: 'Fresh instructions while the upload is open' }),
  })
  .openapi('UploadStatus');

const PartsQuery = z.object({
  from: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(PARTS_PAGE_MAX).default(100),
  missing: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .openapi({ description: 'Only parts not received yet (for resuming)' }),
});

const PartsResponse = z
  .object({
    source_video_id: z.string(),
    part_size: z.number().int(),
    part_count: z.number().int(),
    parts: z.array(z.object({ part_number: z.number().int(), size_bytes: z.number().int(), url: z.string() })),
    next_from: z.number().int().nullable(),
    expires_at: z.string(),
  })
  .openapi('UploadParts');

const CompletedResponse = SourceVideoResponse.extend({
  job_id: z
    .string()
    .nullable()
    .openapi({ description: 'The probe job (null when the upload had already been completed)' }),
}).openapi('SourceVideoWithJob');

export function sourceVideoUploadRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'createSourceVideoUpload',
        path: '/uploads',
        tags,
        security,
        summary: 'Start an upload',
        description: `Creates the video in \`pending_upload\` and returns how to send the bytes: one signed PUT URL up to ${SINGLE_UPLOAD_MAX_BYTES} bytes, otherwise a resumable multipart plan.`,
        request: { body: jsonBody(UploadCreate) },
        responses: { 201: jsonContent(UploadCreated, 'Upload created'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const scope = c.get('scope');
        const row = await createUpload(c.env, scope, {
          name: body.name,
          description: body.description ?? null,
          sizeBytes: body.size_bytes,
          contentType: body.content_type,
          filename: body.filename ?? null,
          maxDurationSeconds: body.max_duration_seconds ?? null,
          multipart: body.multipart ?? false,
          partSizeBytes: body.part_size_bytes,
        });
        const [video, upload] = await Promise.all([
          toSourceVideoResponse(c.env, scope, row),
          uploadInstructions(c.env, scope, row),
        ]);
        return c.json({ source_video: video, upload }, 201);
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideoUpload',
        path: '/{id}/upload',
        tags,
        security,
        summary: 'Upload status: which bytes arrived',
        description:
          'For multipart uploads, the part numbers received and missing (resume by sending only the missing ones).',
        request: { params: VideoIdParam },
        responses: { 200: jsonContent(UploadStatusResponse, 'Upload status'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const row = await ownedSourceVideo(scope, c.req.valid('param').id);
        const status = await uploadStatus(c.env, scope, row);
        const open =
          row.status === 'pending_upload' && !!row.uploadExpiresAt && Date.parse(row.uploadExpiresAt) > Date.now();
        return c.json(
          { source_video_id: row.id, ...status, upload: open ? await uploadInstructions(c.env, scope, row) : null },
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listSourceVideoUploadParts',
        path: '/{id}/upload/parts',
        tags,
        security,
        summary: 'Signed part URLs of a multipart upload',
        description:
          'One page of part URLs from part `from`; `next_from` continues. With `missing=true` only parts not yet received.',
        request: { params: VideoIdParam, query: PartsQuery },
        responses: { 200: jsonContent(PartsResponse, 'Part URLs'), ...errorResponses, ...conflictResponse },
      }),
      async (c) => {
        const scope = c.get('scope');
        const row = await ownedSourceVideo(scope, c.req.valid('param').id);
        const query = c.req.valid('query');
        const page = await partUrls(c.env, scope, row, {
          from: query.from,
          limit: query.limit,
          missingOnly: query.missing,
        });
        return c.json(
          {
            source_video_id: row.id,
            part_size: row.partSizeBytes!,
            part_count: partCountOf(row.declaredSizeBytes, row.partSizeBytes!),
            ...page,
          },
          200,
        );
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'completeSourceVideoUpload',
        path: '/{id}/complete',
        tags,
        security,
        summary: 'Complete an upload',
        description:
          'Checks that every byte arrived and that the bytes are a video (magic bytes), then starts the probe job (202). A file that is not a video answers 400 `invalid_media`; its bytes are deleted and the video is `failed`. Completing again is harmless (200).',
        request: { params: VideoIdParam },
        responses: {
          200: jsonContent(CompletedResponse, 'Already completed'),
          202: jsonContent(CompletedResponse, 'Completed; probing'),
          ...errorResponses,
          ...conflictResponse,
          ...rateLimitResponse,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const row = await ownedSourceVideo(scope, c.req.valid('param').id);
        const { video, job } = await completeUpload(c.env, scope, row);
        const body = { ...(await toSourceVideoResponse(c.env, scope, video)), job_id: job?.id ?? null };
        return job ? c.json(body, 202) : c.json(body, 200);
      },
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'abortSourceVideoUpload',
        path: '/{id}/abort',
        tags,
        security,
        summary: 'Abort an upload',
        description: 'Removes the unfinished video and every byte received for it.',
        request: { params: VideoIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('aborted'), id: z.string() }), 'Aborted'),
          ...errorResponses,
          ...conflictResponse,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const row = await ownedSourceVideo(scope, c.req.valid('param').id);
        if (row.status !== 'pending_upload')
          throw conflict(`Only an unfinished upload can be aborted (video is ${row.status}); delete it instead`);
        await removeSourceVideo(c.env, scope, row.id);
        return c.json({ status: 'aborted' as const, id: row.id }, 200);
      },
    );
}
