/**
 * `extract` in copy mode without a child process, for MP4/MOV inputs whose index the processor
 * fully understands (H.264/H.265 video, AAC/MP3/Opus audio, non-fragmented): `moov` is read with
 * ranged reads through the range gateway and gated in-process, the samples from the keyframe at or
 * before `start` are chosen from the sample tables (the same frames as ffmpeg's stream copy), and
 * a new MP4 — `moov` first, its length known up front — is streamed straight from the source's
 * byte ranges to the output URL. Anything else answers `{ fallback }` and the ffmpeg path runs.
 */
import type { MediaOutput } from '../../../shared/processor/media.ts';
import type { ExtractResult } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../errors.ts';
import { log } from '../log.ts';
import { planCopyCut } from './copy-plan.ts';
import { matrixRotation } from './display-matrix.ts';
import { loadMovie } from './load-movie.ts';
import { layoutSamples } from './sample-layout.ts';
import { streamPayload } from './stream-payload.ts';
import { Mp4Unsupported } from './unsupported.ts';
import { movieSpecFrom, videoBrands, writeMovieHead } from './write-movie.ts';
import type { OpContext } from '../operation.ts';
import { ms } from '../media/output-file.ts';

export interface InProcessCopyRequest {
  url: string;
  start: number;
  end: number;
  output: MediaOutput;
}

export async function copyCutInProcess(
  ctx: OpContext,
  request: InProcessCopyRequest,
): Promise<ExtractResult | { fallback: string }> {
  const source = ctx.bytes(request.url);
  let prepared;
  try {
    const gated = await loadMovie(source, ctx.config.limits, { video: true });
    if (request.start >= gated.duration) {
      throw new ProcessorFailure(
        'invalid_request',
        `start: ${request.start} s is past the end of the media (${ms(gated.duration)} s)`,
      );
    }
    const plan = planCopyCut(gated, request.start, request.end);
    const rotation = matrixRotation(plan.video.source.track.header.matrix);
    const planned = [plan.video, ...(plan.audio ? [plan.audio] : [])];
    const layout = layoutSamples(
      planned.map((t) => ({
        offsets: t.source.samples.offset.subarray(t.range.first, t.range.end),
        sizes: t.output.sizes,
      })),
    );
    const head = writeMovieHead(
      movieSpecFrom(gated.movie, plan.timescale, videoBrands(plan.video.source.entry.codec)),
      planned.map((t) => t.output),
      layout.chunks,
      layout.payloadBytes,
    );
    prepared = { plan, rotation, layout, head };
  } catch (err) {
    if (!(err instanceof Mp4Unsupported)) throw err;
    log('info', 'copy cut falls back to ffmpeg', { reason: err.message });
    return { fallback: err.message };
  }
  const { plan, rotation, layout, head } = prepared;
  ctx.progress(30, 'copying');
  const size = await ctx.uploadStream(request.output, head.totalBytes, async function* () {
    yield head.head;
    yield* streamPayload(source, layout.parts, layout.spans);
  });
  log('info', 'copy cut done in-process', { bytes: size, requests: layout.spans.length });
  const { width, height } = plan.video.source.entry;
  const turned = rotation === 90 || rotation === 270;
  return {
    mode_used: 'copy',
    fallback_reason: null,
    actual_start: ms(plan.keyframeTime),
    duration: ms(plan.videoSeconds),
    width: turned ? height : width,
    height: turned ? width : height,
    size_bytes: size,
  };
}
