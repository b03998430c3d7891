/**
 * Cutting a segment out of its source video into the segment's own object (`segments/{id}/extract.mp4`).
 * Shared by the `extract_segment` job and by generation and render, which extract each segment they
 * need once and then reuse the cut (the cache is the segment row: `extract_status = ready`).
 */
import { type SegmentRow, getSegment, markExtractReady } from '../db/repos/segments.ts';
import { getSourceVideoSummary } from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import type { ExtractMode, ExtractResult, ProcessorClient, ProgressEvent } from '../processor/contract.ts';
import { storageKeys } from '../storage/keys.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { callProcessor } from '../jobs/processor-failures.ts';

export interface ExtractedSegment {
  segment: SegmentRow;
  result: ExtractResult | null;
}

/** True when the segment's stored cut matches its current times (and, if given, the mode). */
export function hasUsableExtract(segment: SegmentRow, mode?: ExtractMode): boolean {
  return (
    segment.extractStatus === 'ready' &&
    Boolean(segment.extractedKey) &&
    (mode === undefined || segment.extractMode === mode)
  );
}

/**
 * Extracts the segment with `mode` unless a usable cut exists. Throws PermanentJobError when the
 * segment or its video is gone or not ready.
 */
export async function extractSegment(
  env: Bindings,
  scope: ProfileScope,
  processor: ProcessorClient,
  segmentId: string,
  options: { mode: ExtractMode; reuseAnyMode: boolean; onProgress?: (event: ProgressEvent) => void | Promise<void> },
): Promise<ExtractedSegment> {
  const segment = await getSegment(scope, segmentId);
  if (!segment) throw new PermanentJobError('not_found', `Segment ${segmentId} no longer exists`);
  if (hasUsableExtract(segment, options.reuseAnyMode ? undefined : options.mode)) return { segment, result: null };
  const video = await getSourceVideoSummary(scope, segment.sourceVideoId);
  if (!video) throw new PermanentJobError('not_found', `The source video of segment ${segmentId} no longer exists`);
  if (video.status !== 'ready')
    throw new PermanentJobError(
      'invalid_state',
      `The source video of segment ${segmentId} is ${video.status}, not ready`,
    );

  const transforms =
    segment.transforms && (segment.transforms.flip_horizontal || segment.transforms.rotate)
      ? { flip_horizontal: segment.transforms.flip_horizontal, rotate: segment.transforms.rotate }
      : undefined;
  const result = await callProcessor(async () =>
    processor.run(
      'extract',
      {
        input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
        start: segment.startTime,
        end: segment.endTime,
        mode: options.mode,
        ...(transforms ? { transforms } : {}),
        output: await mediaOutput(env, scope, { kind: 'segment_extract', id: segment.id }, 'video/mp4'),
      },
      options.onProgress,
    ),
  );
  const updated = await markExtractReady(scope, segment.id, {
    startTime: segment.startTime,
    endTime: segment.endTime,
    key: storageKeys.segmentExtract(scope, segment.id),
    // The mode asked for (a smart cut may have fallen back to a re-encode; the job result says so).
    mode: options.mode,
    duration: result.duration,
  });
  if (!updated) {
    // Deleted, or its times changed while we cut: the bytes show a range nobody asked for any more.
    const now = await getSegment(scope, segment.id);
    if (!now) throw new PermanentJobError('not_found', `Segment ${segmentId} was deleted while it was being extracted`);
    throw new PermanentJobError(
      'conflict',
      `Segment ${segmentId} changed while it was being extracted; extract it again`,
    );
  }
  return { segment: updated, result };
}
