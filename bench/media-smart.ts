/**
 * npm run bench:media:smart — the smart extract alone, side by side with the original's command,
 * with the processor's own breakdown of each cut (ms from the operation's start to each step, from
 * its "smart cut timings" log line). Quicker than bench:media (no copy, mute or voice rows) and
 * meant for finding where a smart cut's time goes; the figures for the docs come from bench:media.
 *
 *   node bench/media-smart.ts [--runs N] [--no-original]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { type Harness, startHarness } from '../container/test/helpers/harness.ts';

const exec = promisify(execFile);
const mediaDir = join(resolve(import.meta.dirname, '..'), 'bench', '.media');
const SOURCES = [
  { label: '60 s', file: 'bench-1080p-60s.mp4', cuts: [7.3, 18.6, 29.9, 41.2, 47.5] },
  { label: '10 min', file: 'bench-1080p-600s.mp4', cuts: [95.5, 301.7, 533.1] },
];
const CUT = 10;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, 'no-original': { type: 'boolean', default: false } },
});
const runs = Number(values.runs);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function lastTimings(h: Harness): Record<string, number> {
  for (let i = h.processor.logs.length - 1; i >= 0; i--) {
    const line = h.processor.logs[i]!;
    if (line.includes('"msg":"smart cut timings"')) return JSON.parse(line).stages_ms;
  }
  throw new Error('no smart cut timings logged');
}

async function main(): Promise<void> {
  for (const { file } of SOURCES)
    if (!existsSync(join(mediaDir, file))) throw new Error(`missing ${file}: run npm run bench:media once`);
  const load = [loadavg()[0]!];
  const h = await startHarness({}, { keepUploads: false });
  try {
    for (const { label, file, cuts } of SOURCES) {
      await copyFile(join(mediaDir, file), join(h.dir, file));
      const original: number[] = [];
      const ours: number[] = [];
      const stages: Record<string, number[]> = {};
      for (const start of cuts) {
        if (!values['no-original'])
          original.push(
            await timed(() =>
              exec('ffmpeg', [
                ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'],
                ...['-ss', String(start), '-i', join(mediaDir, file), '-t', String(CUT)],
                ...['-c:v', 'libx264', '-c:a', 'aac', '-preset', 'fast', join(h.dir, 'original-out.mp4')],
              ]),
            ),
          );
        for (let run = 0; run < runs; run++) {
          ours.push(
            await timed(async () => {
              const result = await h.processor.client.run('extract', {
                input: { url: h.media.url(file) },
                start,
                end: start + CUT,
                mode: 'smart',
                output: { url: h.media.uploadUrl('cut-smart.mp4'), content_type: 'video/mp4' },
              });
              if (result.mode_used !== 'smart') throw new Error(`smart fell back: ${result.fallback_reason}`);
            }),
          );
          const timings = lastTimings(h);
          timings['(client) end to end'] = ours.at(-1)! * 1000;
          for (const [stage, at] of Object.entries(timings)) {
            stages[stage] ??= [];
            stages[stage].push(at);
          }
        }
        load.push(loadavg()[0]!);
      }
      const o = original.length ? median(original) : null;
      const m = median(ours);
      console.log(
        `\n${label} source: smart ${m.toFixed(3)} s` +
          (o === null ? '' : `, original ${o.toFixed(2)} s, ${(o / m).toFixed(1)}×`) +
          ` (${cuts.length} cut points × ${runs})`,
      );
      const rows = Object.entries(stages).sort((a, b) => median(a[1]) - median(b[1]));
      for (const [stage, at] of rows)
        console.log(`  ${stage.padEnd(24)} ${median(at).toFixed(1).padStart(8)} ms  (${at.length} runs)`);
    }
  } finally {
    await h.close();
  }
  console.log(`\nload average during the run: ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)}`);
}

await main();
