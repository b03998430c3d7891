/**
 * npm run bench:variants — making variants from segments: the original's way (docs/compatibility.md#clip-generation) against ours,
 * side by side, on this machine.
 *
 * Input (made once into bench/.media/, gitignored): 1080p30 H.264 + AAC, 60 s, GOP 2 s with
 * B-frames (as phones write). Five segments of 4.6–6.1 s; three variants of 15 s planned once with
 * the library's own planner (random order, seeded), so both methods cut exactly the same pieces.
 *
 * - original: every piece re-encoded with libx264 `-preset fast` (input-side seek, as its
 *   generate-from-segments did), then the pieces concatenated AND re-encoded again;
 * - ours, first run: each segment used cut once with `smart` extract through the real processor
 *   (HTTP range reads from a local media server, uploads back), the shortened last piece a smart
 *   extract of its segment's cut, the pieces joined by the processor's `concat` (stream copy);
 * - ours, next run: the segment cuts are already stored (what a second generation finds): only
 *   the shortened pieces and the joins.
 *
 * Prints a table and writes docs/benchmarks-library.md. Run on an idle machine.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startHarness } from '../container/test/helpers/harness.ts';
import { type Candidate, decidePiece, FILL_TOLERANCE_SECONDS, orderCandidates } from '../src/library/variant-plan.ts';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const mediaDir = join(root, 'bench', '.media');
const SOURCE = join(mediaDir, 'bench-variants-1080p-60s.mp4');
const TARGET = 15;
const VARIANTS = 3;
const SEED = 20261125;
const SEGMENTS = [
  { id: 's1', start: 2.4, end: 7.6 },
  { id: 's2', start: 11.1, end: 15.7 },
  { id: 's3', start: 20.3, end: 26.4 },
  { id: 's4', start: 31.8, end: 37.2 },
  { id: 's5', start: 44.5, end: 50.1 },
];

async function ffmpeg(args: string[]): Promise<void> {
  await exec('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function probeDuration(path: string): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return Number(stdout.trim());
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

interface Piece {
  segment: (typeof SEGMENTS)[number];
  duration: number;
  whole: boolean;
}

/** The library planner with nominal durations: the pieces of each variant. */
function plan(): Piece[][] {
  const candidates: (Candidate & { segment: (typeof SEGMENTS)[number] })[] = SEGMENTS.map((s) => ({
    id: s.id,
    duration: s.end - s.start,
    isFavorite: false,
    usageCount: 0,
    segment: s,
  }));
  return Array.from({ length: VARIANTS }, (_, v) => {
    const pieces: Piece[] = [];
    let total = 0;
    for (const c of orderCandidates(candidates, 'random', SEED, v + 1)) {
      const remaining = TARGET - total;
      if (remaining < FILL_TOLERANCE_SECONDS) break;
      const decision = decidePiece(remaining, c.duration);
      if (decision.take === 'skip') continue;
      const duration = decision.take === 'whole' ? c.duration : decision.duration;
      pieces.push({ segment: c.segment, duration, whole: decision.take === 'whole' });
      total += duration;
      if (decision.take === 'trim') break;
    }
    return pieces;
  });
}

async function original(work: string, variants: Piece[][]): Promise<string[]> {
  const outputs: string[] = [];
  for (const [v, pieces] of variants.entries()) {
    const list: string[] = [];
    for (const [i, p] of pieces.entries()) {
      const piece = join(work, `orig-v${v}-p${i}.mp4`);
      await ffmpeg([
        '-ss',
        String(p.segment.start),
        '-i',
        SOURCE,
        '-t',
        p.duration.toFixed(3),
        '-c:v',
        'libx264',
        '-preset',
        'fast',
        '-c:a',
        'aac',
        '-avoid_negative_ts',
        'make_zero',
        piece,
      ]);
      list.push(`file '${piece}'`);
    }
    const listPath = join(work, `orig-v${v}.txt`);
    await writeFile(listPath, list.join('\n'));
    const out = join(work, `orig-v${v}.mp4`);
    await ffmpeg([
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      listPath,
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-c:a',
      'aac',
      out,
    ]);
    outputs.push(out);
  }
  return outputs;
}

async function main() {
  await mkdir(mediaDir, { recursive: true });
  if (!existsSync(SOURCE)) {
    console.log('making the 1080p input (once)…');
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1920x1080:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      '60',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '60',
      '-keyint_min',
      '60',
      '-sc_threshold',
      '0',
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
      SOURCE,
    ]);
  }
  const variants = plan();
  const harness = await startHarness();
  const { dir, media, processor } = harness;
  const client = processor.client;
  await copyFile(SOURCE, join(dir, 'source.mp4'));
  /** Moves an uploaded output next to the served files so later operations can read it. */
  const keep = async (name: string) => rename(join(dir, 'uploads', name), join(dir, name));
  const output = (name: string) => ({ url: media.uploadUrl(name), content_type: 'video/mp4' });

  const work = join(dir, 'original');
  await mkdir(work, { recursive: true });
  console.log('original: re-encode every piece, then re-encode the concatenation…');
  const orig = await timed(() => original(work, variants));

  const ours = async (cutsStored: boolean) => {
    const modes: string[] = [];
    const outputs: string[] = [];
    const cut = new Set<string>(cutsStored ? SEGMENTS.map((s) => s.id) : []);
    for (const [v, pieces] of variants.entries()) {
      const inputs: { url: string }[] = [];
      for (const [i, p] of pieces.entries()) {
        const segmentFile = `cut-${p.segment.id}.mp4`;
        if (!cut.has(p.segment.id)) {
          await client.run('extract', {
            input: { url: media.url('source.mp4') },
            start: p.segment.start,
            end: p.segment.end,
            mode: 'smart',
            output: output(segmentFile),
          });
          await keep(segmentFile);
          cut.add(p.segment.id);
        }
        if (p.whole) {
          inputs.push({ url: media.url(segmentFile) });
        } else {
          const tail = `tail-${cutsStored ? 'b' : 'a'}-v${v}-p${i}.mp4`;
          await client.run('extract', {
            input: { url: media.url(segmentFile) },
            start: 0,
            end: p.duration,
            mode: 'smart',
            output: output(tail),
          });
          await keep(tail);
          inputs.push({ url: media.url(tail) });
        }
      }
      const name = `ours-${cutsStored ? 'b' : 'a'}-v${v}.mp4`;
      const joined = await client.run('concat', { inputs, output: output(name) });
      await keep(name);
      modes.push(joined.mode_used);
      outputs.push(join(dir, name));
    }
    return { modes, outputs };
  };
  console.log('ours: smart cuts once, stream-copy joins…');
  const first = await timed(() => ours(false));
  console.log('ours again, segment cuts already stored…');
  const next = await timed(() => ours(true));

  const durations = async (paths: string[]) => Promise.all(paths.map(probeDuration));
  const [dOrig, dFirst, dNext] = await Promise.all([
    durations(orig.value),
    durations(first.value.outputs),
    durations(next.value.outputs),
  ]);
  await harness.close();

  const fmt = (n: number) => n.toFixed(2);
  const rows = [
    [
      'original ([compatibility: clip generation](compatibility.md#clip-generation)): encode each piece, encode the join',
      fmt(orig.seconds),
      '1.0×',
      dOrig.map(fmt).join(', '),
    ],
    [
      'ours, first generation (segments cut once, smart)',
      fmt(first.seconds),
      `${(orig.seconds / first.seconds).toFixed(1)}×`,
      dFirst.map(fmt).join(', '),
    ],
    [
      'ours, next generation (cuts reused)',
      fmt(next.seconds),
      `${(orig.seconds / next.seconds).toFixed(1)}×`,
      dNext.map(fmt).join(', '),
    ],
  ];
  const pieces = variants.map(
    (v, i) =>
      `variant ${i + 1}: ${v.map((p) => `${p.segment.id}${p.whole ? '' : ` (first ${p.duration.toFixed(2)} s)`}`).join(' + ')}`,
  );
  const table = [
    '| method | seconds for 3 × 15 s variants | speed-up | output durations (s) |',
    '|---|---:|---:|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const report = `# Benchmark: variants from segments

\`npm run bench:variants\` (bench/variants.ts), measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}.

Input: 1080p30 H.264 + AAC, 60 s, GOP 2 s with B-frames. Five segments (4.6–6.1 s); three variants of
${TARGET} s planned once by the library's planner (random, seeded), so every method cuts the same pieces:

${pieces.map((p) => `- ${p}`).join('\n')}

${table}

Joins by the processor's \`concat\`: ${[...new Set([...first.value.modes, ...next.value.modes])].join(', ')} (stream copy means no encode of the joined video).
The original encoded every second of every variant twice with libx264; ours encodes only the frames
before each cut's first keyframe (and a few at its end), once per segment, and the few frames after
the last keyframe of a shortened piece.
`;
  console.log(`\n${table}\n`);
  await writeFile(join(root, 'docs', 'benchmarks-library.md'), report);
  console.log('wrote docs/benchmarks-library.md');
  await rm(join(mediaDir, 'tmp'), { recursive: true, force: true });
}

await main();
