/**
 * POST /api/v1/library/projects/{project_id}/generate (docs/compatibility.md#routes-library, docs/compatibility.md#clip-generation): variants of a video
 * as clips of the project, through the same pipeline as POST /jobs. The input is an uploaded file
 * (it becomes a source video of the profile) or an owned `source_video_id`, never the original's
 * server path. The project moves to `generating` in the same transaction as the job is created,
 * its progress is persisted as the job runs, and a second request while one runs answers 409
 * (the original silently dropped it and left the project "generating" forever).
 */
import { z } from '@hono/zod-openapi';
import { nextVariantIndex } from '../../db/repos/clips.ts';
import { findActiveJobOnResource } from '../../db/repos/jobs.ts';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import { updateProjectStatement } from '../../db/repos/projects.ts';
import { conflict } from '../../core/errors.ts';
import { assertWithinBudget } from '../../jobs/budget.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { formNumber } from '../../http/form-fields.ts';
import { handleJobRoute } from '../../http/job-route.ts';
import { ownedProject } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { jobRoute } from '../../http/openapi-job-route.ts';
import { createTenantRouter } from '../../http/router.ts';
import { estimateGeminiAnalysisUsd } from '../../providers/cost-estimates.ts';
import { loadPriceTable } from '../../providers/pricing.ts';
import { ASSUMED_UPLOAD_DURATION_SECONDS, geminiEnabled, jobVideo, sourceVideoIdField } from '../processing/inputs.ts';

const Fields = z.object({
  source_video_id: sourceVideoIdField.optional(),
  variant_count: formNumber.optional().default(3).pipe(z.number().int().min(1).max(10)),
});

export function projectGenerateRoutes() {
  return jobRoute(
    createTenantRouter(),
    {
      operationId: 'generateProjectClips',
      path: '/projects/{project_id}/generate',
      tags: ['Library: projects'],
      summary: 'Generate clips for a project from a video (job)',
      description:
        "Upload `video` or name an owned `source_video_id`; `variant_count` 1–10 (default 3). The project's `target_duration` and `context_text` (Gemini when configured) apply. New clips continue after the highest existing variant index. Progress: `GET /library/projects/{id}/progress` or the job. 409 while a generation of the project is running.",
      params: idParam('project_id', 'project'),
      fields: Fields,
      files: { video: 'The video (becomes a source video of the profile)' },
      responses: {
        202: {
          description: 'Generating',
          schema: z.object({
            status: z.literal('generating'),
            project_id: z.string(),
            variant_count: z.number().int(),
            source_video_id: z.string(),
            engine: z.string(),
            estimated_cost_usd: z.number(),
            message: z.string(),
            job_id: z.string(),
          }),
        },
      },
    },
    (c) =>
      handleJobRoute(c, { videos: ['video'] }, Fields, async ({ c, fields, request, jobId }) => {
        const scope = c.get('scope');
        const env = c.env;
        const project = await ownedProject(scope, c.req.param('project_id') ?? '');
        // Any generation of the project (this route's or generate-from-segments) blocks another.
        const running = await findActiveJobOnResource(scope, 'project', project.id);
        if (running) throw conflict('This project is already generating', { job_id: running.id });
        const video = await jobVideo(scope, request, 'video', fields.source_video_id);
        const engine = geminiEnabled(env, project.contextText) ? 'gemini' : 'highlights';
        let estimate = 0;
        if (engine === 'gemini') {
          const model = (await getScopeProfile(scope)).geminiModel || env.GEMINI_MODEL;
          estimate = estimateGeminiAnalysisUsd(
            loadPriceTable(env.PRICES_JSON),
            model,
            video.existing?.duration ?? ASSUMED_UPLOAD_DURATION_SECONDS,
          );
          await assertWithinBudget(scope, estimate);
        }
        const start = await nextVariantIndex(scope, project.id);
        await request.startProbes();
        const job = await enqueueJob(
          scope,
          env,
          'generate_project',
          {
            project_id: project.id,
            source_video_id: video.id,
            variant_count: fields.variant_count,
            target_duration: project.targetDuration,
            context_text: project.contextText,
            engine,
            start_variant_index: start,
          },
          {
            id: jobId,
            resourceType: 'project',
            resourceId: project.id,
            step: 'Queued for generation',
            alongside: (id) => [
              updateProjectStatement(scope, project.id, {
                status: 'generating',
                progress: 0,
                progressStep: 'Se inițializează...',
                generationJobId: id,
                sourceVideoId: video.id,
              }),
            ],
          },
        );
        return {
          status: 202,
          body: {
            status: 'generating',
            project_id: project.id,
            variant_count: fields.variant_count,
            source_video_id: video.id,
            engine,
            estimated_cost_usd: estimate,
            message: `Generating ${fields.variant_count} variant(s)`,
            job_id: job.id,
          },
        };
      }),
  );
}
