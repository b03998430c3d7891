/**
 * `audio`: put a new track (voice-over, music) on a video with the video stream copied (the
 * original re-encoded the video just to swap audio, docs/compatibility.md#w17).
 * - replace: the new track only;
 * - mix: the video's own audio kept under the new track, pushed down to `duck_to` only while the
 *   new track sounds (`ducking: sidechain`, the default) or throughout (`constant`), media/ducking.ts.
 * A video without audio gets the new track either way.
 */
import { join } from 'node:path';
import { type AudioResult, DEFAULT_DUCKING, type Ducking } from '../../../shared/processor/operations.ts';
import { aacArgs, filterScriptArgs } from '../media/audio-encode.ts';
import { duckChains } from '../media/ducking.ts';
import { MP4_FASTSTART, ms } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';
import { VIDEO_TYPES } from './remove-audio.ts';

export const DEFAULT_DUCK_TO = 0.1;
/** Both tracks are brought to one format before mixing. */
const MIX_FORMAT = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo';

export function mixGraph(duckTo: number, ducking: Ducking): string {
  return [
    `[0:a]${MIX_FORMAT}[original]`,
    `[1:a]${MIX_FORMAT},asplit=2[voice][key]`,
    ...duckChains({ bed: 'original', voice: 'key', out: 'ducked' }, duckTo, ducking),
    '[ducked][voice]amix=inputs=2:duration=longest:dropout_transition=0:normalize=0[mixed]',
  ].join(';');
}

export const audioOperation: Operation<'audio'> = {
  name: 'audio',
  outputTypes: VIDEO_TYPES,
  async run(request, ctx): Promise<AudioResult> {
    ctx.progress(0, 'probing');
    const videoSource = urlSource(request.video);
    const audioSource = urlSource(request.audio);
    const [{ info: video }, { info: track }] = await Promise.all([
      ctx.probe(videoSource, { video: true }),
      ctx.probe(audioSource, { audio: true }),
    ]);
    ctx.expectWholeRead(videoSource);
    ctx.expectWholeRead(audioSource);
    const mix = request.mode === 'mix' && video.audio !== null;
    const duration = request.trim_to_audio ? track.duration : Math.max(video.duration, track.duration);
    const out = join(ctx.tempDir, 'output.mp4');
    const audioArgs = mix
      ? [
          ...(await filterScriptArgs(
            ctx.tempDir,
            'mix',
            '-filter_complex_script',
            mixGraph(request.duck_to ?? DEFAULT_DUCK_TO, request.ducking ?? DEFAULT_DUCKING),
          )),
          '-map',
          `0:${video.video!.index}`,
          '-map',
          '[mixed]',
        ]
      : ['-map', `0:${video.video!.index}`, '-map', `1:${track.audio!.index}`];
    await ctx.ffmpeg(
      [
        ...ctx.input(videoSource),
        ...ctx.input(audioSource),
        ...audioArgs,
        '-c:v',
        'copy',
        ...aacArgs(null, 192_000),
        '-ar',
        '48000',
        ...(request.trim_to_audio ? ['-t', track.duration.toFixed(3)] : []),
        ...MP4_FASTSTART,
        out,
      ],
      { expectedDuration: duration, onProgress: (f) => ctx.progress(5 + f * 85, mix ? 'mixing' : 'replacing audio') },
    );
    const { written, size } = await ctx.deliver(out, request.output);
    return { duration: ms(written.duration), video_copied: true, size_bytes: size };
  },
};
