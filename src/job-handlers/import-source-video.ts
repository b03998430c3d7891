/**
 * `import_source_video`: fetches the video's `import_url` into R2 from the Worker (streamed,
 * bounded, resumable: src/source-videos/url-import.ts), then probes it exactly as an upload is
 * probed (`probe_source_video`'s handler, run in this job). Idempotent: a redelivery continues where
 * the stored bytes end, or goes straight to the probe once they are all stored.
 */
import { IMPORT_MAX_SECONDS } from '../core/limits.ts';
import { getSourceVideo, markSourceVideoFailed } from '../db/repos/source-videos.ts';
import type { JobHandler } from '../jobs/context.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { discardImport, fetchIntoStorage } from '../source-videos/url-import.ts';
import { probeSourceVideoHandler } from './probe-source-video.ts';

export function importSourceVideoHandler(processorFor: ProcessorFor): JobHandler<'import_source_video'> {
  const probe = probeSourceVideoHandler(processorFor);
  const release = async (ctx: Parameters<NonNullable<JobHandler<'import_source_video'>['onCancelled']>>[0]) => {
    const video = await getSourceVideo(ctx.scope, ctx.input.source_video_id);
    if (video?.status === 'pending_upload') await discardImport(ctx.env, ctx.scope, video);
    return video;
  };
  return {
    async run(ctx) {
      const id = ctx.input.source_video_id;
      const video = await getSourceVideo(ctx.scope, id);
      if (!video) throw new PermanentJobError('not_found', 'The source video no longer exists');
      let imported: { size_bytes: number; resumed_from: number } | null = null;
      if (video.status === 'pending_upload') {
        if (Date.now() - Date.parse(ctx.job.createdAt) > IMPORT_MAX_SECONDS * 1000)
          throw new PermanentJobError('timeout', `The import did not finish within ${IMPORT_MAX_SECONDS} s`);
        const fetched = await fetchIntoStorage({
          env: ctx.env,
          scope: ctx.scope,
          video,
          deadline: ctx.deadline,
          progress: (percent, step) => ctx.progress(Math.round(percent * 0.6), step),
          throwIfCancelled: () => ctx.throwIfCancelled(),
        });
        imported = { size_bytes: fetched.sizeBytes, resumed_from: fetched.resumedFrom };
      }
      // The bytes are stored (now or by an earlier delivery): probe as an upload is probed.
      const outcome = await probe.run({
        ...ctx,
        progress: (percent, step, force) => ctx.progress(60 + Math.round(percent * 0.4), step, force),
      });
      return { ...outcome, result: { ...outcome.result, ...(imported ? { imported } : {}) } };
    },

    async onFailure(ctx, code, message) {
      await release(ctx);
      await markSourceVideoFailed(ctx.scope, ctx.input.source_video_id, code, message);
    },

    async onCancelled(ctx) {
      await release(ctx);
      await markSourceVideoFailed(ctx.scope, ctx.input.source_video_id, 'cancelled', 'The import was cancelled');
    },
  };
}
