/**
 * Media fixtures for Node-side tests, generated on the fly with ffmpeg's lavfi sources, so every
 * property is known exactly: `testsrc2` video (size, fps, duration, keyframe interval), a `sine`
 * tone (or no audio), optional rotation metadata, optional noise (incompressible frames, for tests
 * that need big files fast). Files are cached per process by their options.
 *
 *   const path = await makeVideo({ width: 320, height: 240, duration: 2 });
 *   const bytes = await readRange(path, 1000, 500);
 *   const info = await probeMedia(path); // ffprobe's JSON
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface VideoFixtureOptions {
  width?: number;
  height?: number;
  /** Seconds. */
  duration?: number;
  fps?: number;
  /** Keyframe interval in frames (default: one per second). */
  gop?: number;
  /** Include a sine tone (default true). */
  audio?: boolean;
  frequency?: number;
  /** Clockwise degrees a player turns the picture, as phones record portrait video (display
   *  matrix, mp4/mov); the coded frames stay width×height. */
  rotation?: 0 | 90 | 180 | 270;
  /** Move the moov atom to the front (default true). */
  faststart?: boolean;
  /** Add per-frame noise so the file is large (about 2 MB per second at 640×360). */
  noise?: boolean;
  container?: 'mp4' | 'mov' | 'mkv' | 'webm';
}

let dir: string | null = null;
const cache = new Map<string, Promise<string>>();

/** The per-process fixture directory (removed when the process exits). */
export function fixtureDir(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'cutroom-fixtures-'));
    const created = dir;
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
  }
  return dir;
}

/** ffmpeg's argv for a fixture (an array: never a shell string). */
export function fixtureArgs(options: Required<Omit<VideoFixtureOptions, 'rotation'>>, output: string): string[] {
  const { width, height, duration, fps, gop, audio, frequency, faststart, noise, container } = options;
  const video = `testsrc2=size=${width}x${height}:rate=${fps}${noise ? ',noise=alls=60:allf=t' : ''}`;
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', video];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`);
  args.push('-t', String(duration));
  if (container === 'webm') {
    args.push('-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '1M', '-g', String(gop));
    if (audio) args.push('-c:a', 'libopus', '-b:a', '64k');
  } else {
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(gop),
      '-keyint_min',
      String(gop),
      '-sc_threshold',
      '0',
    );
    args.push(...(noise ? ['-crf', '8'] : ['-crf', '23']));
    if (audio) args.push('-c:a', 'aac', '-b:a', '96k');
  }
  if (!audio) args.push('-an');
  if (faststart && (container === 'mp4' || container === 'mov')) args.push('-movflags', '+faststart');
  args.push(output);
  return args;
}

/** Generates (once per options) a fixture video and returns its path. */
export function makeVideo(options: VideoFixtureOptions = {}): Promise<string> {
  const full = {
    width: options.width ?? 320,
    height: options.height ?? 240,
    duration: options.duration ?? 2,
    fps: options.fps ?? 25,
    gop: options.gop ?? options.fps ?? 25,
    audio: options.audio ?? true,
    frequency: options.frequency ?? 440,
    rotation: options.rotation ?? 0,
    faststart: options.faststart ?? true,
    noise: options.noise ?? false,
    container: options.container ?? 'mp4',
  };
  const key = JSON.stringify(full);
  let made = cache.get(key);
  if (!made) {
    const name = `v${cache.size}-${full.width}x${full.height}-${full.duration}s.${full.container}`;
    const output = join(fixtureDir(), name);
    made = (async () => {
      if (!full.rotation) {
        await run('ffmpeg', fixtureArgs(full, output), { maxBuffer: 1 << 20 });
        return output;
      }
      // ffmpeg 5.1 writes the rotate tag (as a display matrix) only when stream-copying, and stores
      // `rotate=N` as N° counter-clockwise: encode, then remux with the complement.
      const plain = output.replace(/(\.\w+)$/, '-plain$1');
      await run('ffmpeg', fixtureArgs(full, plain), { maxBuffer: 1 << 20 });
      const faststart =
        full.faststart && full.container !== 'webm' && full.container !== 'mkv' ? ['-movflags', '+faststart'] : [];
      const tag = (360 - full.rotation) % 360;
      await run('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-i',
        plain,
        '-c',
        'copy',
        '-metadata:s:v:0',
        `rotate=${tag}`,
        ...faststart,
        output,
      ]);
      rmSync(plain, { force: true });
      // Guard against another ffmpeg's convention: the display matrix must say what we meant.
      const written =
        (await probeMedia(output)).streams.find((st) => st.codec_type === 'video')?.side_data_list?.[0]?.rotation ?? 0;
      if (((-written % 360) + 360) % 360 !== full.rotation)
        throw new Error(`fixture rotation ${full.rotation} came out as display matrix ${written}`);
      return output;
    })();
    cache.set(key, made);
  }
  return made;
}

/** A file that is not media (a text file renamed .mp4, for magic-byte tests). */
export async function makeTextFile(name = 'not-a-video.mp4', lines = 200): Promise<string> {
  const path = join(fixtureDir(), name);
  await writeFile(path, 'This is plain text pretending to be a video.\n'.repeat(lines));
  return path;
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export async function readWhole(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await readFile(path));
}

/** Bytes [offset, offset + length) of a file, for comparing with ranged responses. */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export interface ProbedMedia {
  format: { duration?: string; format_name?: string; size?: string };
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    has_b_frames?: number;
    side_data_list?: { rotation?: number }[];
  }[];
}

/** ffprobe's view of a file or of bytes (written to a temp file first). */
export async function probeMedia(source: string | Uint8Array, extension = 'bin'): Promise<ProbedMedia> {
  let path =
    typeof source === 'string'
      ? source
      : join(fixtureDir(), `probe-${Date.now()}-${Math.random().toString(36).slice(2)}.${extension}`);
  if (typeof source !== 'string') await writeFile(path, source);
  try {
    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
      { maxBuffer: 8 << 20 },
    );
    return JSON.parse(stdout) as ProbedMedia;
  } finally {
    if (typeof source !== 'string') rmSync(path, { force: true });
    path = '';
  }
}

/**
 * eSpeak NG says `text` into `${base}.wav` (48 kHz), its own leading and trailing silence trimmed so
 * the speech span is exact; returns how long it is heard.
 */
async function speak(text: string, base: string): Promise<number> {
  await run('espeak-ng', ['-v', 'en-us', '-w', `${base}-raw.wav`, text]);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    `${base}-raw.wav`,
    '-af',
    'silenceremove=start_periods=1:start_threshold=-50dB,areverse,silenceremove=start_periods=1:start_threshold=-50dB,areverse',
    '-ar',
    '48000',
    `${base}.wav`,
  ]);
  return Number((await probeMedia(`${base}.wav`)).format.duration);
}

/**
 * A speech fixture's video: a `testsrc2` picture (25 fps) as input 0, the `audio` inputs after it,
 * mixed by `filter` into `[a]`; H.264 + AAC, faststart.
 */
async function muxSpeechVideo(o: { size: string; audio: string[]; filter: string; duration: number; path: string }) {
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${o.size}:rate=25`,
    ...o.audio,
    '-filter_complex',
    o.filter,
    '-map',
    '0:v',
    '-map',
    '[a]',
    '-t',
    String(o.duration),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-movflags',
    '+faststart',
    o.path,
  ]);
}

export interface SpeechVideo {
  path: string;
  /** Where the speech starts and ends in the video, seconds (leading/trailing silence trimmed). */
  speechStart: number;
  speechEnd: number;
  duration: number;
}

/**
 * A video whose audio is silence except one spoken phrase (eSpeak NG) at a known offset: a
 * labelled fixture for voice detection and for waveforms with real loud/quiet contrast.
 */
export async function makeSpeechVideo(
  options: { text?: string; speechStart?: number; duration?: number; width?: number; height?: number } = {},
): Promise<SpeechVideo> {
  const text = options.text ?? 'The quick brown fox jumps over the lazy dog';
  const speechStart = options.speechStart ?? 1.5;
  const duration = options.duration ?? 6;
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const key = JSON.stringify({ speech: text, speechStart, duration, width, height });
  const cached = speechCache.get(key);
  if (cached) return cached;
  const made = (async () => {
    const base = join(fixtureDir(), `speech${speechCache.size}`);
    const speechDuration = await speak(text, base);
    const path = `${base}.mp4`;
    await muxSpeechVideo({
      size: `${width}x${height}`,
      audio: ['-i', `${base}.wav`],
      filter: `[1:a]adelay=${Math.round(speechStart * 1000)}:all=1,apad[a]`,
      duration,
      path,
    });
    return { path, speechStart, speechEnd: speechStart + speechDuration, duration };
  })();
  speechCache.set(key, made);
  return made;
}
const speechCache = new Map<string, Promise<SpeechVideo>>();

/**
 * An independent reference waveform (docs/compatibility.md#waveform): the audio decoded to 8 kHz mono s16, RMS per
 * bin over `duration` seconds, divided by the loudest bin, square root.
 */
export async function referenceWaveform(path: string, bins: number, duration: number): Promise<number[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-vn', '-ac', '1', '-ar', '8000', '-f', 's16le', 'pipe:1'],
    {
      encoding: 'buffer',
      maxBuffer: 256 << 20,
    },
  );
  const samplesPerBin = Math.max(1, (duration * 8000) / bins);
  const sums = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i + 1 < stdout.length; i += 2) {
    const index = i / 2;
    const bin = Math.min(bins - 1, Math.floor(index / samplesPerBin));
    const sample = stdout.readInt16LE(i) / 32768;
    sums[bin]! += sample * sample;
    counts[bin]! += 1;
  }
  const rms = Array.from(sums, (sum, i) => (counts[i] ? Math.sqrt(sum / counts[i]!) : 0));
  const max = Math.max(0, ...rms);
  return rms.map((r) => (max ? Math.sqrt(r / max) : 0));
}

export interface SpokenWordsVideo {
  path: string;
  /** Each phrase as placed: its text and where it is heard (leading/trailing silence trimmed). */
  phrases: { text: string; start: number; end: number }[];
  duration: number;
}

/**
 * A video whose audio is silence except the given phrases (eSpeak NG), each at a known offset:
 * single words make a fixture of known words at known times, longer phrases known speech spans.
 */
export async function makeSpokenWordsVideo(
  phrases: readonly { text: string; at: number }[],
  duration: number,
): Promise<SpokenWordsVideo> {
  const base = join(fixtureDir(), `spoken${spokenCount++}`);
  const placed: SpokenWordsVideo['phrases'] = [];
  const inputs: string[] = [];
  for (const [i, p] of phrases.entries()) {
    const seconds = await speak(p.text, `${base}-${i}`);
    placed.push({ text: p.text, start: p.at, end: p.at + seconds });
    inputs.push('-i', `${base}-${i}.wav`);
  }
  const delays = phrases.map((p, i) => `[${i + 1}:a]adelay=${Math.round(p.at * 1000)}:all=1[d${i}]`);
  const mix = `${phrases.map((_, i) => `[d${i}]`).join('')}amix=inputs=${phrases.length}:normalize=0,apad[a]`;
  const path = `${base}.mp4`;
  await muxSpeechVideo({ size: '320x240', audio: inputs, filter: [...delays, mix].join(';'), duration, path });
  return { path, phrases: placed, duration };
}
let spokenCount = 0;
