/** POST /api/v1/segments/{id}/extract: cuts a segment into its own video (job). */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { findActiveJob } from '../../db/repos/jobs.ts';
import { markExtractingStatement } from '../../db/repos/segments.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import { conflictResponse, errorResponses, jsonContent, rateLimitResponse, security } from '../../http/openapi.ts';
import { ownedSegment } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';
import { SegmentResponse, toSegmentResponse } from './presenter.ts';
import { tags } from './segment-input.ts';

const SegmentIdParam = idParam('id', 'segment');

const ExtractRequest = z
  .object({ mode: z.enum(['smart', 'copy', 'reencode']).default('smart') })
  .strict()
  .openapi('SegmentExtractRequest');

export function segmentExtractRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'extractSegment',
      path: '/{id}/extract',
      tags,
      security,
      summary: 'Extract the segment into its own video (job)',
      description:
        '`smart` (default): frame-accurate, only the frames before the first keyframe (and a few at the end) re-encoded; `copy`: stream copy from the keyframe at or before the start; `reencode`: full encode. Transforms force a re-encode. Idempotent: a running extraction with the same mode is reported (202; another mode: 409), a finished one with the same mode answers 200 without a job. Supports `Idempotency-Key`. Body optional.',
      request: {
        params: SegmentIdParam,
        body: { required: false, content: { 'application/json': { schema: ExtractRequest } } },
      },
      responses: {
        200: jsonContent(
          z.object({ status: z.literal('ready'), segment_id: z.string(), job_id: z.null(), segment: SegmentResponse }),
          'Already extracted',
        ),
        202: jsonContent(
          z.object({ status: z.literal('extracting'), segment_id: z.string(), job_id: z.string(), job: JobResponse }),
          'Extracting',
        ),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      // The body is optional: without one the validator hands over {}.
      const mode = (c.req.valid('json') as { mode?: 'smart' | 'copy' | 'reencode' }).mode ?? 'smart';
      const response = await idempotentJson(c, { id, mode }, async () => {
        const view = await ownedSegment(scope, id);
        const segment = view.segment;
        const active = await findActiveJob(scope, 'extract_segment', segment.id);
        if (active) {
          const running = (active.input as { mode?: string }).mode;
          if (running !== mode)
            throw new ApiError(
              409,
              'conflict',
              `A ${running} extraction of this segment is running; ask again when it ends`,
              { details: { job_id: active.id } },
            );
          return {
            status: 202,
            body: {
              status: 'extracting' as const,
              segment_id: segment.id,
              job_id: active.id,
              job: toJobResponse(active),
            },
          };
        }
        if (segment.extractStatus === 'ready' && segment.extractedKey && segment.extractMode === mode) {
          return {
            status: 200,
            body: {
              status: 'ready' as const,
              segment_id: segment.id,
              job_id: null,
              segment: await toSegmentResponse(c.env, scope, view),
            },
          };
        }
        const job = await enqueueJob(
          scope,
          c.env,
          'extract_segment',
          { segment_id: segment.id, mode },
          {
            resourceType: 'segment',
            resourceId: segment.id,
            step: `Queued for ${mode} extraction`,
            alongside: () => [markExtractingStatement(scope, segment.id, mode)],
          },
        );
        return {
          status: 202,
          body: { status: 'extracting' as const, segment_id: segment.id, job_id: job.id, job: toJobResponse(job) },
        };
      });
      return response as never;
    },
  );
}
