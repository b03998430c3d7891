/**
 * node bench/pipeline.ts [--duration 60] [--height 1080] [--target 20]
 *
 * The main pipeline (POST /api/v1/jobs) end to end through the running stack (Worker on wrangler's
 * local runtime, queue consumer, the real processor), against the original's command chain
 * (docs/compatibility.md#process-job: one libx264 re-encode per segment with output-side seek, concat copy, `add_audio`
 * re-encoding the video, subtitles re-encoding it again) run with ffmpeg on a local file over the
 * SAME segments our job picked. Three cases: cut only; cut + voice-over; cut + voice-over +
 * subtitles. Compared like for like: the original chain against our variant assembly (cut + finish,
 * timed by the job); our highlights analysis and the whole job (POST → completed, polled every
 * 100 ms: queue, D1, signed URLs, ranged reads, R2 writes included) are reported beside it. The
 * original's own analysis (OpenCV, 15 seeks per window) is not run here.
 * A benchmark, not a test: the figures go into docs/processing.md.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { type Stack, type Tenant, startStack } from '../test/e2e/helpers/stack.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    height: { type: 'string', default: '1080' },
    target: { type: 'string', default: '20' },
  },
});
const DURATION = Number(values.duration);
const HEIGHT = Number(values.height);
const WIDTH = Math.round((HEIGHT * 16) / 9 / 2) * 2;
const TARGET = Number(values.target);
const dir = mkdtempSync(join(tmpdir(), 'cutroom-bench-'));

const ffmpeg = (args: string[]) => run('ffmpeg', ['-v', 'error', '-y', ...args], { maxBuffer: 16 << 20 });
const seconds = (ms: number) => Math.round(ms / 10) / 100;

async function fixtures() {
  const video = join(dir, 'source.mp4');
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${WIDTH}x${HEIGHT}:rate=30,rotate=a=t*0.35:fillcolor=black`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(DURATION),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '60',
    '-bf',
    '2',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-movflags',
    '+faststart',
    video,
  ]);
  const wav = join(dir, 'voice.wav');
  await run('espeak-ng', [
    '-v',
    'en-us',
    '-w',
    wav,
    'This is the voice over of a short promotional video. It talks about coffee, about mornings, and about the little shop around the corner.',
  ]);
  const audio = join(dir, 'voice.mp3');
  await ffmpeg(['-i', wav, '-af', 'apad', '-t', String(TARGET), '-c:a', 'libmp3lame', '-b:a', '128k', audio]);
  const srt = join(dir, 'subs.srt');
  const cues: string[] = [];
  for (let i = 0; i * 2.5 < TARGET; i++) {
    const ts = (s: number) =>
      `00:00:${String(Math.floor(s)).padStart(2, '0')},${String(Math.round((s % 1) * 1000)).padStart(3, '0')}`;
    cues.push(`${i + 1}\n${ts(i * 2.5)} --> ${ts(Math.min(TARGET, i * 2.5 + 2.2))}\nLine ${i + 1} of the captions\n`);
  }
  writeFileSync(srt, cues.join('\n'));
  return { video, audio, srt };
}

/** The original's chain (docs/compatibility.md#process-job) over the given segments; returns wall seconds. */
async function original(
  video: string,
  segments: { start: number; end: number }[],
  audio: string | null,
  srt: string | null,
): Promise<number> {
  const t0 = performance.now();
  const parts: string[] = [];
  for (const [i, s] of segments.entries()) {
    const out = join(dir, `orig-seg-${i}.mp4`);
    await ffmpeg([
      '-i',
      video,
      '-ss',
      String(s.start),
      '-t',
      String(s.end - s.start),
      '-c:v',
      'libx264',
      '-profile:v',
      'high',
      '-level:v',
      '4.0',
      '-preset',
      'fast',
      '-crf',
      '23',
      '-g',
      '60',
      '-keyint_min',
      '60',
      '-sc_threshold',
      '0',
      '-bf',
      '2',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ar',
      '48000',
      '-ac',
      '2',
      '-pix_fmt',
      'yuv420p',
      '-sar',
      '1:1',
      out,
    ]);
    parts.push(out);
  }
  const list = join(dir, 'orig-list.txt');
  writeFileSync(list, parts.map((p) => `file '${p}'`).join('\n'));
  let current = join(dir, 'orig-segments.mp4');
  await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', current]);
  if (audio) {
    const next = join(dir, 'orig-with-audio.mp4');
    await ffmpeg([
      '-i',
      current,
      '-i',
      audio,
      '-t',
      String(TARGET),
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-c:a',
      'aac',
      next,
    ]);
    current = next;
  }
  if (srt) {
    const next = join(dir, 'orig-final.mp4');
    const style = `PlayResX=${WIDTH},PlayResY=${HEIGHT},FontName=DejaVu Sans,FontSize=48,PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,Outline=2,Shadow=1,Alignment=2,MarginV=162,Bold=1`;
    await ffmpeg([
      '-i',
      current,
      '-vf',
      `subtitles=${srt}:force_style='${style}'`,
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-crf',
      '23',
      '-c:a',
      'copy',
      next,
    ]);
  }
  return seconds(performance.now() - t0);
}

async function waitJob(stack: Stack, t: Tenant, id: string) {
  for (;;) {
    const job = (await stack.api(t)(`/api/v1/jobs/${id}`)).body;
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ours(stack: Stack, t: Tenant, videoId: string, files: { audio?: string; srt?: string }) {
  const form = new FormData();
  form.append('source_video_id', videoId);
  form.append('target_duration', String(TARGET));
  if (files.audio) form.append('audio', new Blob([readFileSync(files.audio)], { type: 'audio/mpeg' }), 'voice.mp3');
  if (files.srt) form.append('srt', new Blob([readFileSync(files.srt)], { type: 'application/x-subrip' }), 'subs.srt');
  const t0 = performance.now();
  const res = await stack.api(t)('/api/v1/jobs', { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`POST /jobs: ${res.status} ${res.text}`);
  const job = await waitJob(stack, t, res.body.job_id);
  const wall = seconds(performance.now() - t0);
  if (job.status !== 'completed') throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}`);
  return {
    wall,
    variant: job.result.variants[0],
    timings: job.result.timings as { candidates: number; voice_detection: number; variants: number },
  };
}

async function main() {
  console.error(`fixtures: ${DURATION} s ${WIDTH}x${HEIGHT}…`);
  const f = await fixtures();
  const stack = await startStack({ logLevel: 'error' });
  try {
    const t = await stack.newTenant('bench');
    const form = new FormData();
    form.append('video', new Blob([readFileSync(f.video)], { type: 'video/mp4' }), 'source.mp4');
    form.append('name', 'Bench');
    const up = await stack.api(t)('/api/v1/segments/source-videos', { method: 'POST', body: form });
    await waitJob(stack, t, up.body.job_id);
    const rows: string[] = [];
    const cases: [string, { audio?: string; srt?: string }][] = [
      ['cut only', {}],
      ['cut + voice-over', { audio: f.audio }],
      ['cut + voice-over + subtitles', { audio: f.audio, srt: f.srt }],
    ];
    for (const [name, files] of cases) {
      console.error(`${name}: ours…`);
      const o = await ours(stack, t, up.body.id, files);
      console.error(`${name}: original…`);
      const orig = await original(f.video, o.variant.segments_used, files.audio ?? null, files.srt ?? null);
      const encodes = `${o.variant.encodes.extract_modes.length} smart cuts, concat ${o.variant.encodes.concat}, ${o.variant.encodes.finish}`;
      rows.push(
        `| ${name} | ${o.variant.segments_used.length} | ${orig} | ${o.variant.seconds} | ${(orig / o.variant.seconds).toFixed(1)}× | ${o.timings.candidates} | ${o.wall} | ${o.variant.duration} | ${encodes} |`,
      );
    }
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const { stdout } = await run('ffmpeg', ['-version']);
    console.log(
      `Measured ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpu}, ${stdout.split('\n')[0]}, Node ${process.version}.`,
    );
    console.log(
      `Source: ${DURATION} s ${WIDTH}x${HEIGHT}p30 H.264 (GOP 2 s, B-frames) + AAC; target ${TARGET} s, one variant.\n`,
    );
    console.log(
      '| Case | Segments | Original cut+finish chain (s) | Ours: cut+finish (s) | Speed-up | Ours: analysis (s) | Ours: POST → completed (s) | Output (s) | Our encodes |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rows) console.log(r);
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
