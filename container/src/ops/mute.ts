/**
 * `mute`: silence, duck or fade time ranges of the audio (given, or the detected speech), with the
 * video stream copied packet for packet: only the audio is re-encoded, so it costs a fraction of
 * the original's full re-encode.
 */
import { join } from 'node:path';
import { type MuteResult, SPEECH_MUTE_MARGINS } from '../../../shared/processor/operations.ts';
import { NO_MARGINS, widenIntervals } from '../../../shared/time-ranges.ts';
import { aacArgs, filterScriptArgs } from '../media/audio-encode.ts';
import { muteFilter } from '../media/mute-filter.ts';
import { MP4_FASTSTART, ms } from '../media/output-file.ts';
import { muteInProcess } from '../mp4/mute.ts';
import { detectVoice, voiceDetectionResult, withVoiceDefaults } from '../media/voice.ts';
import { type Operation, urlSource } from '../operation.ts';
import { VIDEO_TYPES } from './remove-audio.ts';

export const muteOperation: Operation<'mute'> = {
  name: 'mute',
  outputTypes: VIDEO_TYPES,
  async run(request, ctx): Promise<MuteResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    let intervals = request.intervals;
    // Given intervals are muted as given unless margins are asked for; detected speech gets the speech margins.
    const margins = request.margins ?? (intervals ? NO_MARGINS : SPEECH_MUTE_MARGINS);
    // No intervals: detect the speech first, in this operation (one request, one probe), and answer
    // the detection with the result so the caller need not run `detect-voice` as well.
    let detection: MuteResult['detection'];
    if (!intervals) {
      const { info } = await ctx.probe(source, { video: true, audio: true });
      const detected = await detectVoice(ctx, source, info, withVoiceDefaults(request.detect), (f) =>
        ctx.progress(2 + f * 38, 'detecting speech'),
      );
      detection = voiceDetectionResult(detected, info);
      intervals = detected.segments.map((s) => ({ start: s.start, end: s.end }));
    }
    const withDetection = (result: Omit<MuteResult, 'detection'>): MuteResult =>
      detection ? { ...result, detection } : result;
    if (ctx.config.inProcessMp4) {
      // MP4/MOV the processor fully understands: one read, only the audio through ffmpeg (else below).
      const done = await muteInProcess(ctx, { ...request, url: request.input.url, intervals, margins });
      if (!('fallback' in done)) return withDetection(done);
    }
    const { info } = await ctx.probe(source, { video: true, audio: true });
    ctx.expectWholeRead(source);
    const normalised = widenIntervals(intervals, margins, info.duration);
    const filter = muteFilter(
      {
        intervals: normalised,
        mode: request.mode,
        keep: request.keep_percentage,
        fadeDuration: request.fade_duration,
        denoise: request.denoise,
      },
      info.duration,
    );
    const out = join(ctx.tempDir, 'output.mp4');
    const base = detection ? 40 : 5;
    await ctx.ffmpeg(
      [
        ...ctx.input(source),
        '-map',
        `0:${info.video!.index}`,
        '-map',
        `0:${info.audio!.index}`,
        '-c:v',
        'copy',
        ...(filter ? await filterScriptArgs(ctx.tempDir, 'mute', '-filter_script:a', filter) : []),
        ...aacArgs(info.audio),
        ...MP4_FASTSTART,
        out,
      ],
      { expectedDuration: info.duration, onProgress: (f) => ctx.progress(base + f * (90 - base), 'muting') },
    );
    const { written, size } = await ctx.deliver(out, request.output);
    return withDetection({
      intervals: normalised.map((r) => ({ start: ms(r.start), end: ms(r.end) })),
      duration: ms(written.duration),
      video_copied: true,
      size_bytes: size,
    });
  },
};
