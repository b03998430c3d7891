/**
 * Storyboard sprite of a long video: what the processor's `storyboard` operation runs for 100 tiles
 * of a 10-minute 720p30 H.264 video (keyframe every 2 s), decoding every frame (the exact tiles,
 * as for videos up to 400 s) against decoding keyframes only (videos over 400 s). Median of 3 runs:
 *
 *   npm run bench:storyboard
 *
 * Figures go to docs/api.md#posters-and-storyboards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SECONDS = 600;
const INTERVAL = 6;
const ROWS = 10;

async function timed(args: string[]): Promise<number> {
  const start = performance.now();
  await run('ffmpeg', args, { maxBuffer: 1 << 20 });
  return (performance.now() - start) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), 'bench-storyboard-'));
try {
  const video = join(dir, 'long.mp4');
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', String(SECONDS)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0'],
    ...['-pix_fmt', 'yuv420p', video],
  ]);
  const sprite = (pick: string, before: string[]) => [
    ...['-v', 'error', '-y', ...before, '-t', String(SECONDS), '-i', video, '-an'],
    ...['-vf', `${pick},scale=160:90,setsar=1,tile=10x${ROWS}`, '-fps_mode', 'vfr', '-frames:v', '1'],
    ...['-c:v', 'mjpeg', '-q:v', '7', '-update', '1', join(dir, 'sprite.jpg')],
  ];
  const ways = {
    'every frame decoded (select)': sprite(`select='gte(t,selected_n*${INTERVAL})'`, []),
    'keyframes only (fps, round=up)': sprite(`fps=1/${INTERVAL}:round=up:eof_action=pass`, ['-skip_frame', 'nokey']),
  };
  console.log(`${SECONDS} s 1280×720 30 fps, ${SECONDS / INTERVAL} tiles; ${cpus().length} × ${cpus()[0]?.model}`);
  for (const [name, args] of Object.entries(ways)) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await timed(args));
    console.log(`${name}: ${median(times).toFixed(2)} s (runs ${times.map((t) => t.toFixed(2)).join(', ')})`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
