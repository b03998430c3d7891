/**
 * Trim before upload: FFmpeg compiled to WebAssembly (@ffmpeg/ffmpeg) cuts a local file by stream
 * copy in the browser, so only the part the user wants leaves the laptop. It runs in the Worker
 * thread @ffmpeg/ffmpeg starts (never on the main thread) and is loaded on first use only.
 *
 * The core's wasm (32 MB) is above the 25 MiB per-file limit of Workers static assets, so the build
 * ships it gzip-compressed (10 MB, versioned path, cached for good) and it is inflated here with the
 * browser's DecompressionStream.
 *
 * The input is mounted with WORKERFS (read in slices from the File, never copied whole into memory);
 * the output is held in memory, so the estimated output size is capped. A stream copy can only start
 * on a keyframe: the in-point moves back to the keyframe at or before it (found with ffprobe), and
 * the cut runs from there to the out-point. The result reports where it really starts and how long
 * it is.
 */
import type { FFmpeg } from '@ffmpeg/ffmpeg';

/** Inputs up to this size are cut in the browser (WORKERFS reads them in slices). */
export const TRIM_MAX_INPUT_BYTES = 4 * 1024 ** 3;
/** The cut part is held in memory: estimated outputs above this go up whole instead. */
export const TRIM_MAX_OUTPUT_BYTES = 1024 ** 3;

const CONTAINERS: Record<string, { ext: string; type: string }> = {
  mp4: { ext: 'mp4', type: 'video/mp4' },
  m4v: { ext: 'mp4', type: 'video/mp4' },
  mov: { ext: 'mp4', type: 'video/mp4' },
  qt: { ext: 'mp4', type: 'video/mp4' },
  '3gp': { ext: 'mp4', type: 'video/mp4' },
  webm: { ext: 'webm', type: 'video/webm' },
  mkv: { ext: 'mkv', type: 'video/x-matroska' },
};

export interface TrimPlan {
  ok: boolean;
  /** Why the file goes up whole. */
  reason?: string;
}

/** Whether the browser can cut this file between these points. */
export function planTrim(file: File, start: number, end: number, duration: number | null): TrimPlan {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  if (!CONTAINERS[ext]) return { ok: false, reason: 'Trimming in the browser supports MP4, MOV, WebM and MKV files.' };
  if (file.size > TRIM_MAX_INPUT_BYTES) return { ok: false, reason: 'This file is too large to cut in the browser.' };
  if (duration && duration > 0) {
    const estimate = (file.size * (end - start)) / duration;
    if (estimate > TRIM_MAX_OUTPUT_BYTES)
      return { ok: false, reason: 'The chosen part is too large to cut in the browser.' };
  }
  return { ok: true };
}

export interface TrimResult {
  file: File;
  /** Where the cut really starts in the original (the keyframe at or before the chosen in-point). */
  start: number;
  end: number;
  /** Duration of the cut file, as ffprobe reads it. */
  duration: number;
}

export type LoadProgress = (loaded: number, total: number | null) => void;

let loading: Promise<FFmpeg> | null = null;

async function inflateCore(url: string, onProgress?: LoadProgress): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`FFmpeg core: ${res.status}`);
  const total = Number(res.headers.get('Content-Length')) || null;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunks.push(r.value);
    loaded += r.value.byteLength;
    onProgress?.(loaded, total);
  }
  const packed = new Blob(chunks as BlobPart[]);
  const head = new Uint8Array(await packed.slice(0, 2).arrayBuffer());
  // A server (or proxy) may already have undone the gzip with Content-Encoding.
  const wasm =
    head[0] === 0x1f && head[1] === 0x8b
      ? await new Response(packed.stream().pipeThrough(new DecompressionStream('gzip'))).blob()
      : packed;
  return new Blob([wasm], { type: 'application/wasm' });
}

/** Loads FFmpeg once (about 10 MB over the network the first time, then from the browser cache). */
export function loadFFmpeg(onProgress?: LoadProgress): Promise<FFmpeg> {
  loading ??= (async () => {
    const { FFmpeg } = await import('@ffmpeg/ffmpeg');
    const ffmpeg = new FFmpeg();
    const base = new URL(__FFMPEG_CORE_DIR__, window.location.origin).href;
    const wasmURL = URL.createObjectURL(await inflateCore(`${base}/ffmpeg-core.wasm.gz`, onProgress));
    await ffmpeg.load({ coreURL: `${base}/ffmpeg-core.js`, wasmURL });
    return ffmpeg;
  })().catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

interface ProbeJson {
  format?: { start_time?: string; duration?: string };
  packets?: { pts_time?: string; flags?: string }[];
}

async function probe(ffmpeg: FFmpeg, args: string[]): Promise<ProbeJson> {
  const out = '/probe.json';
  await ffmpeg.ffprobe(['-v', 'error', ...args, '-of', 'json', '-o', out]);
  const text = (await ffmpeg.readFile(out, 'utf8')) as string;
  await ffmpeg.deleteFile(out);
  return JSON.parse(text) as ProbeJson;
}

/** The last keyframe at or before `at` (seconds from the file's start). */
async function keyframeAtOrBefore(ffmpeg: FFmpeg, input: string, at: number): Promise<number> {
  if (at <= 0) return 0;
  const info = await probe(ffmpeg, [
    '-select_streams',
    'v:0',
    '-show_entries',
    'format=start_time:packet=pts_time,flags',
    '-read_intervals',
    `${at.toFixed(3)}%+0.5`,
    input,
  ]);
  const origin = Number(info.format?.start_time ?? 0) || 0;
  // Reading from `at` makes ffprobe seek to the keyframe before it: its first packet is that keyframe.
  const key = info.packets?.find((p) => p.flags?.startsWith('K') && p.pts_time !== undefined);
  const pts = key ? Number(key.pts_time) - origin : 0;
  return Number.isFinite(pts) && pts >= 0 && pts <= at + 1e-6 ? pts : 0;
}

/** Cuts [start, end] out of a local file by stream copy. */
export async function trimFile(
  file: File,
  start: number,
  end: number,
  onProgress?: (ratio: number) => void,
): Promise<TrimResult> {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  const container = CONTAINERS[ext];
  if (!container) throw new Error('unsupported container');
  const ffmpeg = await loadFFmpeg();
  const dir = `/input-${Date.now()}`;
  await ffmpeg.createDir(dir);
  await ffmpeg.mount('WORKERFS' as never, { files: [file] }, dir);
  const output = `/trimmed.${container.ext}`;
  const progress = ({ progress }: { progress: number }) => onProgress?.(Math.max(0, Math.min(1, progress)));
  ffmpeg.on('progress', progress);
  try {
    const input = `${dir}/${file.name}`;
    const from = await keyframeAtOrBefore(ffmpeg, input, start);
    const args = [
      '-ss',
      from.toFixed(6),
      '-i',
      input,
      '-t',
      (end - from).toFixed(6),
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
    ];
    args.push('-c', 'copy', ...(container.ext === 'mp4' ? ['-movflags', '+faststart'] : []), output);
    const code = await ffmpeg.exec(args);
    if (code !== 0) throw new Error(`FFmpeg could not cut this file (exit ${code})`);
    const cut = await probe(ffmpeg, ['-show_entries', 'format=duration', output]);
    const data = (await ffmpeg.readFile(output)) as Uint8Array;
    await ffmpeg.deleteFile(output);
    const name = file.name.replace(/\.[^.]+$/, '') || 'video';
    return {
      file: new File([data as BlobPart], `${name}-trimmed.${container.ext}`, { type: container.type }),
      start: from,
      end,
      duration: Number(cut.format?.duration ?? end - from),
    };
  } finally {
    ffmpeg.off('progress', progress);
    await ffmpeg.unmount(dir).catch(() => {});
    await ffmpeg.deleteDir(dir).catch(() => {});
  }
}
