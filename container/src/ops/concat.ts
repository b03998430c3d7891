/**
 * `concat`: join clips (each optionally cut to [start, end), frame-accurately) into one MP4.
 * When every piece has the same codec parameters the pieces are stream-copied end to end (the
 * concat demuxer); otherwise one normalising encode brings them to one size, frame rate, pixel
 * format and audio format (the original re-encoded twice, docs/compatibility.md#w16).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConcatRequest, ConcatResult } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../errors.ts';
import { filterScriptArgs } from '../media/audio-encode.ts';
import { cutToFile, probeForCut } from '../media/cut.ts';
import { copyWholeInProcess } from '../mp4/local-copy.ts';
import { MP4_FASTSTART, ms } from '../media/output-file.ts';
import type { MediaInfo } from '../media/probe.ts';
import { type OpContext, type Operation, urlSource } from '../operation.ts';
import { VIDEO_TYPES } from './remove-audio.ts';

/** Pieces prepared at once: two keeps both cores busy without one operation crowding out the others. */
const PIECE_WORKERS = 2;

type Piece = { path: string; info: MediaInfo };

/** What must match for pieces to be joined without re-encoding. */
export function copySignature(info: MediaInfo): string {
  const v = info.video;
  const a = info.audio;
  return JSON.stringify([
    v && [v.codec, v.profile, v.codedWidth, v.codedHeight, v.pixelFormat, v.timeBase, v.raw.r_frame_rate, v.rotation],
    a && [a.codec, a.sampleRate, a.channels],
  ]);
}

async function stagePiece(ctx: OpContext, input: ConcatRequest['inputs'][number], index: number): Promise<Piece> {
  const source = urlSource({ url: input.url });
  const path = join(ctx.tempDir, `clip-${index}.mp4`);
  if (input.start !== undefined || input.end !== undefined) {
    const info = await probeForCut(ctx, source, input.start ?? 0);
    const start = input.start ?? 0;
    const end = Math.min(input.end ?? info.duration, info.duration);
    if (end <= start) throw new ProcessorFailure('invalid_request', `inputs[${index}]: end must be after start`);
    // Each cut keeps its intermediates in its own sub-directory.
    const scratch = join(ctx.tempDir, `cut-${index}`);
    await mkdir(scratch);
    const { written } = await cutToFile(
      { ...ctx, tempDir: scratch },
      source,
      info,
      { start, end, mode: 'smart' },
      path,
    );
    await written;
    // The cut describes itself from its own MP4 reader; the whole clips below are described by
    // ffprobe. Pieces are compared by one description (copySignature), so the cut is inspected too.
    return { path, info: await ctx.inspect(path) };
  }
  // MP4/MOV the processor understands: copied in-process (one read, one ffprobe of the result).
  if (ctx.config.inProcessMp4 && (await copyWholeInProcess(ctx, input.url, path)))
    return { path, info: await ctx.inspect(path) };
  const { info } = await ctx.probe(source, { video: true });
  ctx.expectWholeRead(source);
  await ctx.ffmpeg([
    ...ctx.input(source),
    '-map',
    `0:${info.video!.index}`,
    ...(info.audio ? ['-map', `0:${info.audio.index}`] : []),
    '-c',
    'copy',
    ...MP4_FASTSTART,
    path,
  ]);
  return { path, info: await ctx.inspect(path) };
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

/** One encode: every piece scaled (letterboxed) to the target, same fps, pixel format and audio. */
async function encodeAll(
  ctx: OpContext,
  pieces: Piece[],
  target: { width: number; height: number; fps: number },
  maxDuration: number | undefined,
  out: string,
): Promise<void> {
  const chains: string[] = [];
  const labels: string[] = [];
  pieces.forEach((piece, i) => {
    chains.push(
      `[${i}:v:0]scale=${target.width}:${target.height}:force_original_aspect_ratio=decrease,` +
        `pad=${target.width}:${target.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${target.fps},format=yuv420p[v${i}]`,
    );
    if (piece.info.audio)
      chains.push(`[${i}:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`);
    else chains.push(`anullsrc=r=48000:cl=stereo,atrim=duration=${piece.info.duration.toFixed(6)}[a${i}]`);
    labels.push(`[v${i}][a${i}]`);
  });
  chains.push(`${labels.join('')}concat=n=${pieces.length}:v=1:a=1[v][a]`);
  const total = pieces.reduce((sum, p) => sum + p.info.duration, 0);
  await ctx.ffmpeg(
    [
      ...pieces.flatMap((p) => ctx.input({ kind: 'local', path: p.path, formats: ['mov'] })),
      ...(await filterScriptArgs(ctx.tempDir, 'concat', '-filter_complex_script', chains.join(';'))),
      '-map',
      '[v]',
      '-map',
      '[a]',
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-crf',
      '20',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      ...(maxDuration ? ['-t', maxDuration.toFixed(3)] : []),
      ...MP4_FASTSTART,
      out,
    ],
    {
      expectedDuration: Math.min(total, maxDuration ?? Infinity),
      onProgress: (f) => ctx.progress(50 + f * 40, 'encoding'),
    },
  );
}

/** Video length of a piece (the container's duration may include an AAC frame of audio padding). */
const videoDuration = (info: MediaInfo) => Number(info.video?.raw.duration ?? info.duration);

/**
 * Video packets copied end to end (concat demuxer); audio re-encoded through one concat filter with
 * each piece's audio cut or padded to its video length, so sound and picture stay aligned at every
 * join (copied AAC would overlap by up to a frame of padding per join).
 */
async function copyAll(ctx: OpContext, pieces: Piece[], maxDuration: number | undefined, out: string): Promise<void> {
  // Only the video track (id 1: every piece was written video first); with the audio in the list,
  // the demuxer's start time would be the audio's priming offset and shift the picture.
  const list = [
    'ffconcat version 1.0',
    'stream',
    'exact_stream_id 1',
    ...pieces.flatMap((p) => [`file ${p.path.split('/').pop()}`, `duration ${videoDuration(p.info).toFixed(6)}`]),
  ];
  const listPath = join(ctx.tempDir, 'pieces.ffconcat');
  await writeFile(listPath, `${list.join('\n')}\n`);
  const withAudio = pieces[0]!.info.audio !== null;
  const audioGraph = pieces
    .map((p, i) => `[${i + 1}:a:0]aresample=48000,apad,atrim=end=${videoDuration(p.info).toFixed(6)}[a${i}]`)
    .concat(`${pieces.map((_, i) => `[a${i}]`).join('')}concat=n=${pieces.length}:v=0:a=1[a]`)
    .join(';');
  await ctx.ffmpeg([
    ...ctx.input({ kind: 'local', path: listPath, formats: ['concat', 'mov'] }, ['-f', 'concat', '-safe', '1']),
    ...(withAudio ? pieces.flatMap((p) => ctx.input({ kind: 'local', path: p.path, formats: ['mov'] })) : []),
    ...(withAudio ? await filterScriptArgs(ctx.tempDir, 'audio', '-filter_complex_script', audioGraph) : []),
    '-map',
    '0:v:0',
    ...(withAudio ? ['-map', '[a]', '-c:a', 'aac', '-b:a', '192k'] : []),
    '-c:v',
    'copy',
    ...(maxDuration ? ['-t', maxDuration.toFixed(3)] : []),
    ...MP4_FASTSTART,
    out,
  ]);
}

export const concatOperation: Operation<'concat'> = {
  name: 'concat',
  outputTypes: VIDEO_TYPES,
  async run(request, ctx): Promise<ConcatResult> {
    // Pieces are prepared PIECE_WORKERS at a time (each is mostly a process start and I/O), in order.
    // A failure stops new pieces from starting; the ones running finish before it is reported, so
    // nothing keeps writing into the temp dir once the operation ends.
    const pieces: Piece[] = new Array(request.inputs.length);
    let next = 0;
    let done = 0;
    let failure: { error: unknown } | null = null;
    const worker = async () => {
      while (next < request.inputs.length && !failure) {
        const i = next++;
        try {
          pieces[i] = await stagePiece(ctx, request.inputs[i]!, i);
          ctx.progress((++done / request.inputs.length) * 50, `prepared clip ${done} of ${request.inputs.length}`);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    ctx.progress(0, `preparing ${request.inputs.length} clips`);
    await Promise.all(Array.from({ length: Math.min(PIECE_WORKERS, request.inputs.length) }, worker));
    if (failure) throw (failure as { error: unknown }).error;
    const first = pieces[0]!.info.video!;
    const signatures = new Set(pieces.map((p) => copySignature(p.info)));
    const target = request.normalize ?? {
      width: even(first.width),
      height: even(first.height),
      fps: Math.round(first.fps * 1000) / 1000 || 30,
    };
    const normaliseAsked =
      request.normalize &&
      (first.width !== target.width || first.height !== target.height || Math.abs(first.fps - target.fps) > 0.01);
    const out = join(ctx.tempDir, 'output.mp4');
    let mode: ConcatResult['mode_used'] = 'copy';
    if (signatures.size === 1 && !normaliseAsked) {
      ctx.progress(55, 'joining');
      await copyAll(ctx, pieces, request.max_duration, out);
    } else {
      mode = 'encode';
      await encodeAll(ctx, pieces, target, request.max_duration, out);
    }
    const { written, size } = await ctx.deliver(out, request.output);
    return {
      mode_used: mode,
      duration: ms(written.duration),
      width: written.video?.width ?? 0,
      height: written.video?.height ?? 0,
      size_bytes: size,
    };
  },
};
