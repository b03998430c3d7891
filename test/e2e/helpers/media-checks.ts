/**
 * Checks on media produced by the stack, computed independently with ffmpeg/ffprobe: audio level
 * in a time window, video packet hashes (to prove a stream was copied, not re-encoded), durations,
 * decoded frames to compare pixels.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixtureDir } from '../../helpers/node/media-fixtures.ts';

const run = promisify(execFile);

export async function saveBytes(bytes: Uint8Array, extension: string): Promise<string> {
  const path = join(fixtureDir(), `out-${Date.now()}-${Math.random().toString(36).slice(2)}.${extension}`);
  await writeFile(path, bytes);
  return path;
}

/** RMS of the audio between start and end (seconds), in dBFS (−Infinity for digital silence). */
export async function rmsDb(path: string, start: number, end: number): Promise<number> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      path,
      '-ss',
      String(start),
      '-t',
      String(Math.max(0.01, end - start)),
      '-vn',
      '-ac',
      '1',
      '-ar',
      '16000',
      '-f',
      's16le',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  let sum = 0;
  const n = Math.floor(stdout.length / 2);
  for (let i = 0; i < n; i++) {
    const s = stdout.readInt16LE(i * 2) / 32768;
    sum += s * s;
  }
  if (!n || sum === 0) return Number.NEGATIVE_INFINITY;
  return 10 * Math.log10(sum / n);
}

/** MD5 of every video packet (stream copy keeps them identical; any re-encode changes them). */
export async function videoPacketHashes(path: string): Promise<string[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', 'pipe:1'],
    { maxBuffer: 64 << 20 },
  );
  return stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

export async function durationOf(path: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return Number(stdout.trim());
}

export async function streamsOf(
  path: string,
): Promise<{ codec_type: string; codec_name: string; width?: number; height?: number }[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', path]);
  return (
    JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[] }
  ).streams;
}

/** One decoded frame at `time` as 8-bit grey, `width`×`height` (after `filter`, if any). */
export async function greyFrame(
  path: string,
  time: number,
  width: number,
  height: number,
  filter = '',
): Promise<Uint8Array> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      time.toFixed(3),
      '-i',
      path,
      '-frames:v',
      '1',
      '-vf',
      `${filter}${filter ? ',' : ''}scale=${width}:${height}`,
      '-pix_fmt',
      'gray',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  return new Uint8Array(stdout);
}
