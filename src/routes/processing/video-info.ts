/**
 * POST /api/v1/video-info (docs/compatibility.md#routes-processing): width, height (rotation applied), duration, fps,
 * aspect ratio and orientation. For an owned source video that is ready the answer comes at once
 * from its stored metadata (200, no media work). An uploaded file becomes a source video and its
 * probe job is returned (202): its result carries the same fields. A video that failed to probe
 * answers 400, as the original's "Could not analyze video".
 */
import { z } from '@hono/zod-openapi';
import { findActiveJob } from '../../db/repos/jobs.ts';
import { ApiError } from '../../core/errors.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { JobResponse, jobCreated } from '../jobs/presenter.ts';
import { jobVideo, sourceVideoIdField } from './inputs.ts';

const Fields = z.object({ source_video_id: sourceVideoIdField.optional() });

const VideoInfo = z
  .object({
    source_video_id: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    duration: z.number(),
    fps: z.number(),
    rotation: z.number().int(),
    aspect_ratio: z.enum(['landscape', 'portrait', 'square']),
    is_vertical: z.boolean(),
  })
  .openapi('VideoInfo');

export function orientationOf(width: number, height: number): 'landscape' | 'portrait' | 'square' {
  if (width === height) return 'square';
  return width > height ? 'landscape' : 'portrait';
}

export function videoInfoRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'getVideoInfo',
      path: '/video-info',
      tags: ['Analysis'],
      summary: 'Video dimensions, duration, fps and orientation',
      description:
        'For an owned ready `source_video_id`: 200 from stored metadata. For an upload (or a video still probing): 202 with the probe job, whose result has `width`, `height`, `duration`, `fps`, `rotation`, `aspect_ratio`, `is_vertical`.',
      fields: Fields,
      files: { video: 'The video (becomes a source video of the profile)' },
      responses: {
        200: { description: 'Stored metadata', schema: VideoInfo },
        202: { description: 'Being probed', schema: JobResponse.extend({ source_video_id: z.string() }) },
      },
    },
    (c) =>
      handleJobRoute(c, { videos: ['video'] }, Fields, async ({ c, fields, request }) => {
        const scope = c.get('scope');
        const video = await jobVideo(scope, request, 'video', fields.source_video_id);
        const row = video.existing;
        if (row?.status === 'ready' && row.width !== null && row.height !== null && row.duration !== null) {
          return {
            status: 200,
            body: {
              source_video_id: row.id,
              width: row.width,
              height: row.height,
              duration: row.duration,
              fps: Math.round((row.fps ?? 0) * 100) / 100,
              rotation: row.rotation ?? 0,
              aspect_ratio: orientationOf(row.width, row.height),
              is_vertical: row.height > row.width,
            },
          };
        }
        if (row) {
          const probe = await findActiveJob(scope, 'probe_source_video', row.id);
          if (!probe)
            throw new ApiError(
              400,
              'bad_request',
              'Could not analyze video: it has no metadata and no probe is running',
            );
          return jobCreated(probe, { source_video_id: row.id });
        }
        const probes = await request.startProbes();
        return jobCreated(probes.get('video')!, { source_video_id: video.id });
      }),
  );
}
