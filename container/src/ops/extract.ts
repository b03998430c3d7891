/** `extract`: a cut of a video as its own MP4 (copy / smart / reencode; see media/cut.ts). */
import { join } from 'node:path';
import type { ExtractResult } from '../../../shared/processor/operations.ts';
import { type CutOutcome, cutToFile, probeForCut, STAGE_MARGIN_SECONDS } from '../media/cut.ts';
import { inProcessInfo, openSmartStage, planSmartStage } from '../mp4/smart-stage.ts';
import { copyCutInProcess } from '../mp4/copy-cut.ts';
import { ms } from '../media/output-file.ts';
import { startStageClock } from '../media/stage-clock.ts';
import { type Operation, urlSource } from '../operation.ts';
import { VIDEO_TYPES } from './remove-audio.ts';

export const extractOperation: Operation<'extract'> = {
  name: 'extract',
  outputTypes: VIDEO_TYPES,
  async run(request, ctx): Promise<ExtractResult> {
    const clock = startStageClock();
    ctx.progress(0, 'probing');
    const transformed = Boolean(request.transforms?.flip_horizontal || request.transforms?.rotate);
    if (request.mode === 'copy' && !request.mute && !transformed && ctx.config.inProcessMp4) {
      // MP4/MOV the processor fully understands: cut without a child process (else ffmpeg below).
      const done = await copyCutInProcess(ctx, {
        url: request.input.url,
        start: request.start,
        end: request.end,
        output: request.output,
      });
      if (!('fallback' in done)) return done;
    }
    const source = urlSource(request.input);
    const out = join(ctx.tempDir, 'output.mp4');
    const upload = (path: string) => ctx.upload(path, request.output);
    const uploadStream = (size: number, produce: () => AsyncIterable<Uint8Array>) =>
      ctx.uploadStream(request.output, size, produce);
    let cut: Promise<CutOutcome> | null = null;
    if (request.mode === 'smart' && !transformed && ctx.config.inProcessMp4) {
      // MP4/MOV the processor fully understands: the stage is planned from the sample tables and
      // fetched in-process, the codec parameters the matched encoder needs read from the stream's
      // parameter sets (ffprobe only where they say something that module does not model, or where
      // a mute re-encodes the audio and needs its parameters).
      const planned = await planSmartStage(ctx, request.input.url, request.start, request.end + STAGE_MARGIN_SECONDS);
      clock.mark('gated');
      if (!('fallback' in planned)) {
        const staged = openSmartStage(ctx, planned);
        let info = request.mute ? null : inProcessInfo(planned.gated);
        if (!info) {
          // ffprobe while the stage downloads; both settle before going on (neither keeps writing
          // into the temp dir after a failure).
          const [probed, written] = await Promise.allSettled([
            ctx.probe(source, { video: true }),
            staged.fetch([], 0).written,
          ]);
          if (probed.status === 'rejected') throw probed.reason;
          if (written.status === 'rejected') throw written.reason;
          info = probed.value.info;
        }
        cut = cutToFile(ctx, source, info, request, out, { staged, upload, uploadStream, clock });
      }
    }
    cut ??= probeForCut(ctx, source, request.start).then((info) =>
      cutToFile(ctx, source, info, request, out, { upload }),
    );
    const { written: inspected, uploaded, mode_used, fallback_reason, actual_start } = await cut;
    ctx.progress(92, 'uploading');
    // Reading the result back and uploading it overlap (a smart cut was uploaded while verified).
    const [written, size] = await Promise.all([inspected, uploaded ?? upload(out)]);
    clock.mark('uploaded');
    if (mode_used === 'smart') clock.report('smart cut timings');
    return {
      mode_used,
      fallback_reason,
      actual_start: ms(actual_start),
      duration: ms(written.video ? Number(written.video.raw.duration ?? written.duration) : written.duration),
      width: written.video?.width ?? 0,
      height: written.video?.height ?? 0,
      size_bytes: size,
    };
  },
};
