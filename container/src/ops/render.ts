/**
 * `render`: the final encode for a platform preset.
 * - Picture: scaled to cover the preset size and centre-cropped, at the preset's fps; fitted to
 *   `target_duration` (trimmed; extended with `extend_with` clips, then by holding the last frame).
 * - Subtitles: burned in from SRT the processor parsed and re-wrote itself (temp file, never a
 *   user path) with a `force_style` built from whitelisted fields (subtitles/force-style.ts).
 * - Sound: the clip's own audio is kept (the original replaced it with silence, docs/compatibility.md#w21); a
 *   voice-over is mixed over it with the clip ducked to `duck_to` while the voice sounds (`ducking:
 *   sidechain`, the default) or over the whole voice-over (`constant`), media/ducking.ts.
 * - Loudness: optional two-pass EBU R128 normalisation to `loudness_target` LUFS (measured on the
 *   mixed audio first, applied linearly in the final encode), and the result measured again.
 * - Logo (brand kit): a PNG or an SVG the processor fetched through the gateway and checked itself
 *   (PNG: signature, size, dimensions; SVG: shared/svg.ts, the rules the Worker applied on upload),
 *   sized to a fraction of the output width (never taller than the output) and overlaid in a corner
 *   in the same filter graph, under the subtitles. An SVG is rasterised by ffmpeg's librsvg decoder
 *   as it is read, straight at the size drawn (no upscaled bitmap, no extra pass); librsvg gets the
 *   bytes from a temp file of ours, and nothing in them may reference another file or URL.
 * - Intro/outro (brand kit): whole clips joined before and after, scaled like the clip, with their own
 *   sound, in the same graph (the loudness target is measured on the clip's mix only).
 * Audio is mixed into a WAV first (cheap), so the video is encoded exactly once.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_DUCKING,
  type LogoPlacement,
  MAX_LOGO_BYTES,
  MAX_LOGO_SIDE,
  MAX_SVG_LOGO_BYTES,
  type RenderResult,
} from '../../../shared/processor/operations.ts';
import { pngDimensions } from '../../../shared/png.ts';
import { checkSvgLogo } from '../../../shared/svg.ts';
import { ProcessorFailure } from '../errors.ts';
import { filterScriptArgs } from '../media/audio-encode.ts';
import { duckChains } from '../media/ducking.ts';
import type { InputSource } from '../media/ffmpeg.ts';
import { MP4_FASTSTART, ms } from '../media/output-file.ts';
import type { MediaInfo } from '../media/probe.ts';
import { forceStyle, plainFontFamily } from '../subtitles/force-style.ts';
import { formatSrt } from '../../../shared/srt.ts';
import { parseSrt } from '../subtitles/srt.ts';
import { type OpContext, type Operation, urlSource } from '../operation.ts';
import { VIDEO_TYPES } from './remove-audio.ts';

export const DEFAULT_RENDER_DUCK = 0.15;
const AUDIO_FORMAT = 'aformat=sample_fmts=fltp:channel_layouts=stereo';

/** Bit rate string → bits per second ("8M" → 8e6), for -bufsize. */
export function bitsPerSecond(rate: string): number {
  const value = Number.parseFloat(rate);
  const unit = rate.slice(-1).toLowerCase();
  return Math.round(value * (unit === 'm' ? 1e6 : unit === 'k' ? 1e3 : 1));
}

interface Clip {
  source: InputSource;
  info: MediaInfo;
}

/** Clips that fill [0, target): the main clip, then extensions until the target is covered. */
function clipsToUse(main: Clip, extensions: Clip[], target: number | undefined): Clip[] {
  const clips = [main];
  let covered = main.info.duration;
  for (const extension of extensions) {
    if (target === undefined || covered >= target) break;
    clips.push(extension);
    covered += extension.info.duration;
  }
  return clips;
}

interface LoudnessMeasure {
  input_i: string;
  input_tp: string;
  input_lra: string;
  input_thresh: string;
  target_offset: string;
}

/** The JSON block loudnorm prints (info level) at the end of a measuring pass. */
function loudnormReport(stderr: string): LoudnessMeasure {
  const start = stderr.lastIndexOf('{');
  const end = stderr.lastIndexOf('}');
  if (start < 0 || end < start) throw new ProcessorFailure('internal', 'Loudness could not be measured');
  return JSON.parse(stderr.slice(start, end + 1)) as LoudnessMeasure;
}

async function measureLoudness(ctx: OpContext, source: InputSource, target: number): Promise<LoudnessMeasure> {
  const { stderr } = await ctx.ffmpeg(
    [...ctx.input(source), '-vn', '-af', `loudnorm=I=${target}:TP=-1.5:LRA=11:print_format=json`, '-f', 'null', '-'],
    { logLevel: 'info' },
  );
  return loudnormReport(stderr);
}

interface Size {
  width: number;
  height: number;
}

/** The box a logo is drawn in: the kit's share of the output width (even), at most the output's height. */
export function logoBox(placement: LogoPlacement, output: Size): Size {
  return { width: Math.max(2, Math.round((output.width * placement.scale) / 2) * 2), height: output.height };
}

/** The largest size of `picture`'s proportions inside `box` (what an SVG is rasterised at). */
export function fitInside(picture: Size, box: Size): Size {
  const height = Math.round((box.width * picture.height) / picture.width);
  if (height <= box.height) return { width: box.width, height: Math.max(1, height) };
  return { width: Math.max(1, Math.round((box.height * picture.width) / picture.height)), height: box.height };
}

/** The logo as an ffmpeg input: a file of ours and the options that read it. */
interface LogoInput {
  source: InputSource;
  before: string[];
}

/**
 * Fetches the logo into the temp dir after checking it (never trusts the name or a content type): a
 * PNG within bounds, or an SVG that passes the upload rules, read by the librsvg decoder at its
 * size inside `box` (the decoder's pixel count is also capped by `-max_pixels`).
 */
async function fetchLogo(ctx: OpContext, url: string, box: Size): Promise<LogoInput> {
  const bytes = await ctx.bytes(url).read(0, MAX_LOGO_BYTES + 1);
  if (bytes.length > MAX_LOGO_BYTES) throw new ProcessorFailure('limits_exceeded', 'The logo is larger than allowed');
  const png = pngDimensions(bytes);
  if (png) {
    if (png.width > MAX_LOGO_SIDE || png.height > MAX_LOGO_SIDE) {
      throw new ProcessorFailure('limits_exceeded', `The logo is larger than ${MAX_LOGO_SIDE} pixels on a side`);
    }
    const path = join(ctx.tempDir, 'logo.png');
    await writeFile(path, bytes);
    return { source: { kind: 'local', path, formats: ['png_pipe'] }, before: [] };
  }
  if (bytes.length > MAX_SVG_LOGO_BYTES) {
    throw new ProcessorFailure('limits_exceeded', 'The logo is not a PNG and too large for an SVG');
  }
  const svg = checkSvgLogo(bytes);
  if (!svg.ok)
    throw new ProcessorFailure('invalid_media', `The logo is neither a PNG nor an accepted SVG: ${svg.problem}`);
  const size = fitInside(svg, box);
  const path = join(ctx.tempDir, 'logo.svg');
  await writeFile(path, bytes);
  return {
    // image2 reads the whole file as one packet (the svg_pipe demuxer would cut it into pieces).
    source: { kind: 'local', path, formats: ['image2'] },
    before: [
      ...['-f', 'image2', '-pattern_type', 'none', '-c:v', 'librsvg'],
      ...['-width', String(size.width), '-height', String(size.height), '-keep_ar', '0'],
    ],
  };
}

/** The overlay's filter chains: the logo sized into its box, then placed in its corner. */
export function logoChains(input: number, placement: LogoPlacement, output: Size, base: string, out: string): string[] {
  const box = logoBox(placement, output);
  const margin = Math.round(output.width * placement.margin);
  const x = placement.position.endsWith('right') ? `main_w-overlay_w-${margin}` : String(margin);
  const y = placement.position.startsWith('bottom') ? `main_h-overlay_h-${margin}` : String(margin);
  return [
    // Width from the kit; a logo of extreme proportions stops at the output's height.
    `[${input}:v]format=rgba,scale=w=${box.width}:h=${box.height}:force_original_aspect_ratio=decrease,colorchannelmixer=aa=${placement.opacity.toFixed(4)}[logo]`,
    `[${base}][logo]overlay=x=${x}:y=${y}:eof_action=repeat:format=auto,format=yuv420p[${out}]`,
  ];
}

export const renderOperation: Operation<'render'> = {
  name: 'render',
  outputTypes: VIDEO_TYPES,
  check(request) {
    if (!request.subtitles) return request;
    parseSrt(request.subtitles.srt, 'subtitles.srt');
    return {
      ...request,
      subtitles: { ...request.subtitles, style: plainFontFamily(request.subtitles.style, 'subtitles.style') },
    };
  },
  async run(request, ctx): Promise<RenderResult> {
    const { preset } = request;
    ctx.progress(0, 'probing');
    const mainSource = urlSource(request.input);
    const main: Clip = { source: mainSource, info: (await ctx.probe(mainSource, { video: true })).info };
    const extensions: Clip[] = [];
    if (request.target_duration !== undefined && request.target_duration > main.info.duration) {
      for (const input of request.extend_with ?? []) {
        const source = urlSource(input);
        extensions.push({ source, info: (await ctx.probe(source, { video: true })).info });
      }
    }
    const voice = request.voiceover
      ? {
          source: urlSource(request.voiceover),
          info: (await ctx.probe(urlSource(request.voiceover), { audio: true })).info,
        }
      : null;
    const bookends: { intro: Clip | null; outro: Clip | null } = { intro: null, outro: null };
    for (const side of ['intro', 'outro'] as const) {
      const input = request[side];
      if (!input) continue;
      const source = urlSource(input);
      bookends[side] = { source, info: (await ctx.probe(source, { video: true })).info };
      ctx.expectWholeRead(source);
    }
    const clips = clipsToUse(main, extensions, request.target_duration);
    const natural = clips.reduce((sum, c) => sum + c.info.duration, 0);
    const duration = request.target_duration ?? main.info.duration;
    const inputs = clips.flatMap((c) => ctx.input(c.source));
    for (const clip of clips) ctx.expectWholeRead(clip.source);
    if (voice) ctx.expectWholeRead(voice.source);

    // 1. Sound: every clip's audio (silence where a clip has none), fitted, voice-over on top, as WAV.
    ctx.progress(5, 'mixing audio');
    const audioChains = clips.map((c, i) =>
      c.info.audio
        ? `[${i}:${c.info.audio.index}]aresample=48000,${AUDIO_FORMAT},apad,atrim=duration=${c.info.duration.toFixed(6)}[a${i}]`
        : `anullsrc=r=48000:cl=stereo,atrim=duration=${c.info.duration.toFixed(6)}[a${i}]`,
    );
    audioChains.push(
      `${clips.map((_, i) => `[a${i}]`).join('')}concat=n=${clips.length}:v=0:a=1,apad,atrim=duration=${duration.toFixed(6)}[bed]`,
    );
    if (voice) {
      const duck = request.voiceover?.duck_to ?? DEFAULT_RENDER_DUCK;
      const voiceEnd = Math.min(voice.info.duration, duration);
      audioChains.push(
        `[${clips.length}:${voice.info.audio!.index}]aresample=48000,${AUDIO_FORMAT},asplit=2[voice][key]`,
      );
      audioChains.push(
        ...duckChains(
          { bed: 'bed', voice: 'key', out: 'ducked' },
          duck,
          request.voiceover?.ducking ?? DEFAULT_DUCKING,
          voiceEnd,
        ),
      );
      audioChains.push('[ducked][voice]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix]');
    }
    const wav = join(ctx.tempDir, 'mix.wav');
    await ctx.ffmpeg(
      [
        ...inputs,
        ...(voice ? ctx.input(voice.source) : []),
        ...(await filterScriptArgs(ctx.tempDir, 'audio', '-filter_complex_script', audioChains.join(';'))),
        '-map',
        voice ? '[mix]' : '[bed]',
        '-c:a',
        'pcm_f32le',
        wav,
      ],
      { expectedDuration: duration, onProgress: (f) => ctx.progress(5 + f * 15, 'mixing audio') },
    );
    const wavSource: InputSource = { kind: 'local', path: wav, formats: ['wav'] };
    let loudnorm: string | null = null;
    if (request.loudness_target !== undefined) {
      ctx.progress(22, 'measuring loudness');
      const m = await measureLoudness(ctx, wavSource, request.loudness_target);
      // Silence measures as -inf: nothing to normalise.
      if (Number.isFinite(Number(m.input_i))) {
        loudnorm =
          `loudnorm=I=${request.loudness_target}:TP=-1.5:LRA=11:measured_I=${m.input_i}:measured_TP=${m.input_tp}` +
          `:measured_LRA=${m.input_lra}:measured_thresh=${m.input_thresh}:offset=${m.target_offset}:linear=true,`;
      }
    }

    // 2. Picture: cover + crop to the preset, same fps, clips joined, fitted, subtitles burned in.
    const videoChains = clips.map(
      (c, i) =>
        `[${i}:${c.info.video!.index}]scale=${preset.width}:${preset.height}:force_original_aspect_ratio=increase,` +
        `crop=${preset.width}:${preset.height},setsar=1,fps=${preset.fps},format=yuv420p[v${i}]`,
    );
    let picture =
      clips.length > 1 ? `${clips.map((_, i) => `[v${i}]`).join('')}concat=n=${clips.length}:v=1:a=0` : '[v0]null';
    // Hold the last frame for whatever the clips do not cover, then cut to the target.
    if (duration > natural) picture += `,tpad=stop_mode=clone:stop_duration=${(duration - natural + 1).toFixed(3)}`;
    picture += `,trim=duration=${duration.toFixed(6)},setpts=PTS-STARTPTS`;
    const output = { width: preset.width, height: preset.height };
    const logo = request.logo ? await fetchLogo(ctx, request.logo.url, logoBox(request.logo, output)) : null;
    if (logo && request.logo) {
      // Logo input after the clips and the WAV; subtitles go on top of it.
      videoChains.push(`${picture}[base]`, ...logoChains(clips.length + 1, request.logo, output, 'base', 'branded'));
      picture = '[branded]null';
    }
    if (request.subtitles) {
      const cues = parseSrt(request.subtitles.srt, 'subtitles.srt');
      const srtPath = join(ctx.tempDir, 'subtitles.srt');
      await writeFile(srtPath, formatSrt(cues));
      picture += `,subtitles=filename='${srtPath}':charenc=UTF-8:force_style='${forceStyle(request.subtitles.style, preset.width, preset.height)}'`;
    }
    const wavIndex = clips.length;
    const audioOut = `aresample=${preset.audio_sample_rate},${AUDIO_FORMAT}`;
    if (bookends.intro || bookends.outro) {
      // Inputs after the clips, the WAV and the logo: intro, then outro.
      let next = clips.length + 1 + (logo ? 1 : 0);
      const parts: string[] = [];
      const bookend = (clip: Clip, name: string) => {
        const index = next++;
        videoChains.push(
          `[${index}:${clip.info.video!.index}]scale=${preset.width}:${preset.height}:force_original_aspect_ratio=increase,` +
            `crop=${preset.width}:${preset.height},setsar=1,fps=${preset.fps},format=yuv420p[${name}v]`,
          clip.info.audio
            ? `[${index}:${clip.info.audio.index}]aresample=48000,${AUDIO_FORMAT},apad,atrim=duration=${clip.info.duration.toFixed(6)},${audioOut}[${name}a]`
            : `anullsrc=r=${preset.audio_sample_rate}:cl=stereo,atrim=duration=${clip.info.duration.toFixed(6)},${AUDIO_FORMAT}[${name}a]`,
        );
        parts.push(`[${name}v][${name}a]`);
      };
      if (bookends.intro) bookend(bookends.intro, 'intro');
      videoChains.push(`${picture}[mainv]`, `[${wavIndex}:a]${loudnorm ?? ''}${audioOut}[maina]`);
      parts.push('[mainv][maina]');
      if (bookends.outro) bookend(bookends.outro, 'outro');
      videoChains.push(`${parts.join('')}concat=n=${parts.length}:v=1:a=1[video][audio]`);
    } else {
      videoChains.push(`${picture}[video]`);
      videoChains.push(`[${wavIndex}:a]${loudnorm ?? ''}${audioOut}[audio]`);
    }
    const total = duration + (bookends.intro?.info.duration ?? 0) + (bookends.outro?.info.duration ?? 0);

    const out = join(ctx.tempDir, 'output.mp4');
    const maxrate = bitsPerSecond(preset.video_bitrate);
    await ctx.ffmpeg(
      [
        ...inputs,
        ...ctx.input(wavSource),
        ...(logo ? ctx.input(logo.source, logo.before) : []),
        ...(bookends.intro ? ctx.input(bookends.intro.source) : []),
        ...(bookends.outro ? ctx.input(bookends.outro.source) : []),
        ...(await filterScriptArgs(ctx.tempDir, 'render', '-filter_complex_script', videoChains.join(';'))),
        '-map',
        '[video]',
        '-map',
        '[audio]',
        '-c:v',
        'libx264',
        '-preset',
        ctx.config.renderPreset,
        '-profile:v',
        preset.video_profile,
        '-level:v',
        preset.video_level,
        '-crf',
        String(preset.crf),
        '-maxrate',
        String(maxrate),
        '-bufsize',
        String(maxrate * 2),
        '-r',
        String(preset.fps),
        '-g',
        String(Math.round(preset.fps * 2)),
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        String(bitsPerSecond(preset.audio_bitrate)),
        '-ar',
        String(preset.audio_sample_rate),
        '-ac',
        '2',
        ...MP4_FASTSTART,
        out,
      ],
      { expectedDuration: total, onProgress: (f) => ctx.progress(25 + f * 60, 'encoding') },
    );

    ctx.progress(86, 'uploading');
    // Upload, read back and measure the loudness at once.
    const measured = async (): Promise<number | null> => {
      if (request.loudness_target === undefined) return null;
      const value = Number(
        (await measureLoudness(ctx, { kind: 'local', path: out, formats: ['mov'] }, request.loudness_target)).input_i,
      );
      return Number.isFinite(value) ? Math.round(value * 10) / 10 : null;
    };
    const [written, loudness, size] = await Promise.all([
      ctx.inspect(out),
      measured(),
      ctx.upload(out, request.output),
    ]);
    return {
      duration: ms(written.duration),
      width: written.video?.width ?? 0,
      height: written.video?.height ?? 0,
      size_bytes: size,
      loudness_lufs: loudness,
    };
  },
};
