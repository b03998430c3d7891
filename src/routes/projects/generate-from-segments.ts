/**
 * /api/v1/library/projects/{id}/generate-from-segments (docs/compatibility.md#routes-library, docs/compatibility.md#clip-generation): variants of a project
 * from its assigned segments, as a job. Additive (new variants continue the index), one generation
 * per project at a time (409 otherwise), progress persisted on the project and the job,
 * cancellable (cancel-generation.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { nextVariantIndex } from '../../db/repos/clips.ts';
import { findActiveJobOnResource } from '../../db/repos/jobs.ts';
import { claimProjectForGeneration, updateProjectStatement } from '../../db/repos/projects.ts';
import { countProjectSegments } from '../../db/repos/segments.ts';
import { ApiError, conflict } from '../../core/errors.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import { newId } from '../../core/ids.ts';
import {
  budgetResponse,
  conflictResponse,
  errorResponses,
  jsonContent,
  rateLimitResponse,
  security,
} from '../../http/openapi.ts';
import { ownedProject } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { reconcileGeneration } from '../../library/project-generation.ts';
import { checkVoiceovers } from '../../voiceover/budget.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';

const tags = ['Library: generation'];
const ProjectIdParam = idParam('project_id', 'project');

export const GenerateFromSegmentsRequest = z
  .object({
    variant_count: z.number().int().min(1).max(10).default(3),
    selection_mode: z.enum(['random', 'sequential', 'weighted']).default('random').openapi({
      description:
        'sequential: assignment order, each variant starting one segment later; random: seeded shuffle; weighted: seeded shuffle favouring long, favourite and little-used segments',
    }),
    target_duration: z.number().int().min(3).max(600).optional().openapi({
      description: "Seconds per variant (default: the project's target_duration, which this value replaces)",
    }),
    mute_source_voice: z.boolean().default(false),
    mute_style: z.enum(['hard', 'duck', 'fade']).default('fade').openapi({
      description:
        "fade: the original's exponential fades to 3 % around speech; duck: speech at 20 %; hard: speech silenced. Only the audio is re-encoded.",
    }),
    tts_text: z
      .string()
      .trim()
      .min(1)
      .max(5000)
      .nullable()
      .optional()
      .openapi({ description: "Voice-over text stored on every new clip's content (voiced when rendered)" }),
    generate_tts: z.boolean().default(false).openapi({
      description:
        'Synthesise the voice-over now: variants are cut to its length and every clip gets the audio and its captions',
    }),
  })
  .strict()
  .openapi('GenerateFromSegmentsRequest');

const GenerateResponse = z
  .object({
    status: z.literal('generating'),
    project_id: z.string(),
    variant_count: z.number().int(),
    segments_count: z.number().int(),
    start_variant_index: z.number().int(),
    message: z.string(),
    job_id: z.string(),
    job: JobResponse,
  })
  .openapi('GenerateResponse');

export function projectGenerateFromSegmentsRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'generateProjectFromSegments',
      path: '/projects/{project_id}/generate-from-segments',
      tags,
      security,
      summary: 'Generate variants from the assigned segments (job)',
      description:
        'Each variant: segments picked by `selection_mode` until `target_duration` (the last one cut frame-accurately to fit; within ±0.5 s when the material suffices), joined by stream copy when their parameters match, the source voice muted with one audio-only encode when asked. Additive: new variants continue after the highest variant index. 409 while a generation of the project runs; 400 when no segment is assigned. Supports `Idempotency-Key`. Body optional.',
      request: {
        params: ProjectIdParam,
        body: { required: false, content: { 'application/json': { schema: GenerateFromSegmentsRequest } } },
      },
      responses: {
        202: jsonContent(GenerateResponse, 'Generating'),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
        ...budgetResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { project_id } = c.req.valid('param');
      // Without a body the validator hands over {}: apply the defaults here.
      const input = GenerateFromSegmentsRequest.parse(c.req.valid('json') ?? {});
      const response = await idempotentJson(c, { project_id, ...input }, async () => {
        const project = await reconcileGeneration(scope, await ownedProject(scope, project_id));
        const running = await findActiveJobOnResource(scope, 'project', project.id);
        if (running || project.status === 'generating') {
          throw new ApiError(409, 'conflict', 'A generation of this project is already running', {
            details: { job_id: running?.id ?? project.generationJobId },
          });
        }
        const segmentsCount = await countProjectSegments(scope, project.id);
        if (!segmentsCount)
          throw new ApiError(
            400,
            'bad_request',
            'No segments are assigned to this project (POST /api/v1/segments/projects/{project_id}/assign)',
          );
        if (input.generate_tts && !input.tts_text)
          throw new ApiError(400, 'validation_failed', 'generate_tts needs tts_text', {
            details: [{ path: 'tts_text', message: 'required when generate_tts is true' }],
          });

        if (input.generate_tts && input.tts_text)
          await checkVoiceovers(c.env, scope, [{ text: input.tts_text, label: 'tts_text' }]);
        const target = input.target_duration ?? project.targetDuration;
        const start = await nextVariantIndex(scope, project.id);
        const claimed = await claimProjectForGeneration(scope, project.id, project.status);
        if (!claimed) throw conflict('A generation of this project is already starting');
        try {
          const job = await enqueueJob(
            scope,
            c.env,
            'generate_from_segments',
            {
              project_id: project.id,
              start_variant_index: start,
              clip_ids: Array.from({ length: input.variant_count }, () => newId('clip')),
              selection_mode: input.selection_mode,
              target_duration: target,
              mute_source_voice: input.mute_source_voice,
              mute_style: input.mute_style,
              tts_text: input.tts_text ?? null,
              generate_tts: input.generate_tts,
              seed: crypto.getRandomValues(new Uint32Array(1))[0]!,
              previous_status: project.status,
            },
            {
              resourceType: 'project',
              resourceId: project.id,
              step: 'Queued for generation',
              alongside: (jobId) => [
                updateProjectStatement(scope, project.id, { generationJobId: jobId, targetDuration: target }),
              ],
            },
          );
          return {
            status: 202,
            body: {
              status: 'generating' as const,
              project_id: project.id,
              variant_count: input.variant_count,
              segments_count: segmentsCount,
              start_variant_index: start,
              message: `Generating ${input.variant_count} variant(s) of ${target} s from ${segmentsCount} segment(s)`,
              job_id: job.id,
              job: toJobResponse(job),
            },
          };
        } catch (err) {
          // Nothing was queued: give the project back its state.
          await updateProjectStatement(scope, project.id, {
            status: project.status,
            progress: project.progress,
            progressStep: project.progressStep,
          });
          throw err;
        }
      });
      return response as never;
    },
  );
}
