/**
 * `generate_project` (`/library/projects/{id}/generate`, docs/compatibility.md#clip-generation): the main pipeline over a
 * source video of the profile, writing one clip per variant into the project. Each variant's clip
 * id is derived from the job id and its variant index, so its video (`clips/{id}/raw.mp4`), its
 * thumbnail and its row are the same on every delivery, and `insertClip` is idempotent on
 * (project, variant_index): a redelivered job creates no duplicate clip. Project progress is
 * persisted as the job goes; the project ends `ready_for_triage`, or `failed` with the reason.
 */
import { insertClip } from '../db/repos/clips.ts';
import { finishProjectGeneration, getProject, recountProjects, setProjectProgress } from '../db/repos/projects.ts';
import { pruneJobObjects } from '../storage/job-outputs.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { storageKeys } from '../storage/keys.ts';
import { derivedId } from '../core/ids.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { runCutPipeline, totalDuration } from '../pipeline/cut-pipeline.ts';
import { readySourceVideo } from '../pipeline/source-video.ts';

const THUMBNAIL_WIDTH = 320;

export function generateProjectHandler(processorFor: ProcessorFor): JobHandler<'generate_project'> {
  return {
    async run(ctx) {
      const { env, scope, input } = ctx;
      const processor = processorFor(ctx);
      const project = await getProject(scope, input.project_id);
      if (!project) throw new PermanentJobError('not_found', 'The project no longer exists');
      const video = await readySourceVideo(scope, input.source_video_id);
      let lastProjectWrite = 0;
      const projectProgress = async (percent: number, step: string, force = false) => {
        const now = Date.now();
        if (!force && now - lastProjectWrite < 1000) return;
        lastProjectWrite = now;
        await setProjectProgress(scope, project.id, percent, step);
      };
      await projectProgress(1, 'Se inițializează...', true);

      const clipIdOf = (index: number) =>
        derivedId('clip', ctx.job.id, `variant-${input.start_variant_index + index - 1}`);
      const pipeline = await runCutPipeline({
        ctx,
        processor,
        video,
        target: input.target_duration,
        variantCount: input.variant_count,
        engine: input.engine,
        contextText: input.context_text,
        muteSourceVoice: false,
        voiceover: null,
        subtitles: null,
        outputFor: async (index) => ({ kind: 'clip_raw', id: await clipIdOf(index) }),
        onProgress: (p, step) => projectProgress(p, step),
        onVariant: async (variant) => {
          const clipId = await clipIdOf(variant.index);
          const variantIndex = input.start_variant_index + variant.index - 1;
          const thumbnailKey = storageKeys.clipThumbnail(scope, clipId);
          if (!(await env.MEDIA.head(thumbnailKey))) {
            await callProcessor(async () =>
              processor.run('thumbnail', {
                input: await mediaInput(env, scope, variant.output),
                time: Math.min(1, variant.duration / 2),
                width: THUMBNAIL_WIDTH,
                output: await mediaOutput(env, scope, { kind: 'clip_thumbnail', id: clipId }, 'image/jpeg'),
              }),
            );
          }
          await insertClip(scope, {
            id: clipId,
            projectId: project.id,
            variantIndex,
            variantName: `Variant ${variantIndex}`,
            rawKey: storageKeys.clipRaw(scope, clipId),
            thumbnailKey,
            duration: variant.duration,
            hasAudio: video.hasAudio ?? true,
          });
          await recountProjects(scope, [project.id]);
        },
        progressFrom: 2,
        progressTo: 98,
      });
      await pruneJobObjects(env, scope, ctx.job.id, []);
      await recountProjects(scope, [project.id]);
      await finishProjectGeneration(scope, project.id, ctx.job.id, { status: 'ready_for_triage', step: 'Complet' });
      const clips = await Promise.all(
        pipeline.variants.map(async (v) => ({
          clip_id: await clipIdOf(v.index),
          variant_index: input.start_variant_index + v.index - 1,
          duration: v.duration,
          encodes: v.encodes,
          segments_used: v.segments_used,
        })),
      );
      return {
        result: {
          status: 'success',
          project_id: project.id,
          source_video_id: video.id,
          variants_count: clips.length,
          clips,
          engine_used: pipeline.candidates.engine_used,
          timings: pipeline.timings,
          ...(pipeline.candidates.fallback_reason
            ? { engine_fallback_reason: pipeline.candidates.fallback_reason }
            : {}),
          ...(pipeline.candidates.gemini ? { gemini: pipeline.candidates.gemini } : {}),
          total_duration: totalDuration(clips),
        },
        outputKeys: [],
        processingSeconds: video.duration,
        step: `${clips.length} clip(s) ready for triage`,
      };
    },

    async onCancelled(ctx) {
      await finishProjectGeneration(ctx.scope, ctx.input.project_id, ctx.job.id, {
        status: 'failed',
        step: 'Anulat (cancelled)',
      });
    },

    async onFailure(ctx, _code, message) {
      await finishProjectGeneration(ctx.scope, ctx.input.project_id, ctx.job.id, {
        status: 'failed',
        step: `Eșuat: ${message}`,
      });
    },
  };
}
