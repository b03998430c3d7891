/** `segment_thumbnail`: a JPEG of the source video at the segment's midpoint. */
import { getSegment, setSegmentThumbnail } from '../db/repos/segments.ts';
import { getSourceVideoSummary } from '../db/repos/source-videos.ts';
import { storageKeys } from '../storage/keys.ts';
import type { JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { mediaInput, mediaOutput, progressSlice } from '../processor/io.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export const SEGMENT_THUMBNAIL_WIDTH = 480;

export function segmentThumbnailHandler(processorFor: ProcessorFor): JobHandler<'segment_thumbnail'> {
  return {
    async run(ctx) {
      const { env, scope } = ctx;
      const segment = await getSegment(scope, ctx.input.segment_id);
      if (!segment) throw new PermanentJobError('not_found', 'The segment no longer exists');
      const video = await getSourceVideoSummary(scope, segment.sourceVideoId);
      if (video?.status !== 'ready') throw new PermanentJobError('invalid_state', 'The source video is not ready');
      const time = (segment.startTime + segment.endTime) / 2;
      const result = await callProcessor(async () =>
        processorFor(ctx).run(
          'thumbnail',
          {
            input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
            time,
            width: Math.max(16, Math.min(SEGMENT_THUMBNAIL_WIDTH, video.width ?? SEGMENT_THUMBNAIL_WIDTH)),
            output: await mediaOutput(env, scope, { kind: 'segment_thumbnail', id: segment.id }, 'image/jpeg'),
          },
          progressSlice((p, s) => ctx.progress(p, s), 0, 95, 'Rendering thumbnail'),
        ),
      );
      // Times changed meanwhile: the PATCH queued a newer thumbnail job; this one records nothing.
      const recorded = await setSegmentThumbnail(
        scope,
        segment.id,
        storageKeys.segmentThumbnail(scope, segment.id),
        segment,
      );
      return {
        result: { segment_id: segment.id, time: result.time, recorded: Boolean(recorded) },
        step: 'Thumbnail ready',
      };
    },
  };
}
