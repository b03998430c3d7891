/**
 * POST /api/v1/library/clips/{clip_id}/remove-audio (docs/compatibility.md#routes-library): a job that drops the clip's
 * audio track with the video copied (the original ran it inside the request, docs/compatibility.md#w12).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { findActiveJob } from '../../db/repos/jobs.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import { conflictResponse, errorResponses, jsonContent, rateLimitResponse, security } from '../../http/openapi.ts';
import { ownedClip } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';
import { requireVideo } from './clip-video.ts';

const tags = ['Library: render'];
const ClipIdParam = idParam('clip_id', 'clip');

export function clipRemoveAudioRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'removeClipAudio',
      path: '/clips/{clip_id}/remove-audio',
      tags,
      security,
      summary: "Remove a clip's audio track (job; video copied)",
      description:
        'The clip gets a new raw video without audio (`has_audio` false); the video stream is copied, not re-encoded. A clip already without audio answers 200 with no job. Supports `Idempotency-Key`.',
      request: { params: ClipIdParam },
      responses: {
        200: jsonContent(
          z.object({ status: z.literal('success'), clip_id: z.string(), job_id: z.null(), message: z.string() }),
          'Nothing to do',
        ),
        202: jsonContent(
          z.object({
            status: z.literal('processing'),
            clip_id: z.string(),
            job_id: z.string(),
            job: JobResponse,
            message: z.string(),
          }),
          'Removing',
        ),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { clip_id } = c.req.valid('param');
      const response = await idempotentJson(c, { clip_id }, async () => {
        const clip = await ownedClip(scope, clip_id);
        requireVideo(clip);
        const active = await findActiveJob(scope, 'remove_clip_audio', clip.id);
        if (active) {
          return {
            status: 202,
            body: {
              status: 'processing' as const,
              clip_id: clip.id,
              job_id: active.id,
              job: toJobResponse(active),
              message: 'Already removing the audio',
            },
          };
        }
        if (!clip.hasAudio)
          return {
            status: 200,
            body: { status: 'success' as const, clip_id: clip.id, job_id: null, message: 'The clip has no audio' },
          };
        const job = await enqueueJob(
          scope,
          c.env,
          'remove_clip_audio',
          { clip_id: clip.id },
          { resourceType: 'clip', resourceId: clip.id, step: 'Queued for audio removal' },
        );
        return {
          status: 202,
          body: {
            status: 'processing' as const,
            clip_id: clip.id,
            job_id: job.id,
            job: toJobResponse(job),
            message: 'Removing the audio track (video copied)',
          },
        };
      });
      return response as never;
    },
  );
}
