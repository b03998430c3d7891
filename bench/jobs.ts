/**
 * npm run bench:jobs [-- --runs 3] [-- --only mute] — every job as a client sees it, against the processor's own time.
 *
 * The whole local stack (test/e2e/helpers/stack.ts: the Worker on wrangler's runtime with local D1,
 * R2, Queues and Durable Objects, the dev edge, the real processor) and one 60 s 1080p30 source.
 * For each job type — extract smart and copy, detect-voice, mute-voice (detect + mute on a source
 * with no cached detection), render with a preset, generate-from-segments with 3 variants — one at
 * a time on a quiet stack:
 * - end to end: POST, then the job's events stream (`GET /jobs/{id}/events`) until its `end` event;
 * - processor: the sum of the processor's own `operation done` times (its log) for the job's ops;
 * - overhead = end to end − processor, and where it goes, from the consumer's `job timings` log
 *   line (src/core/timings.ts): the POST itself, queue delivery (job created → consumer), D1
 *   statements, hub announcements, processor request set-up (signed request until accepted), the
 *   result's way back (following − processor time), completion, and the notice (consumer done →
 *   the client's `end` event). The processor's storage reads/writes happen inside its own time.
 * - the original's command where there is one (extract: libx264 `-preset fast`; mute: a full
 *   re-encode with the volume filter), on a local file, same machine, same run.
 * HMAC signing is pure computation, which the Workers runtime's clock does not see: it is timed
 * here, in Node, with the Worker's own functions.
 * Medians over `--runs` repetitions (fresh resources per run). Prints a table and the load average,
 * and for a smart extract the processor's own stages (its `smart cut timings` log line): the source's
 * moov read (`gated`) and the upload after verification, the storage path's share of its time.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { signProcessorRequest } from '../shared/processor/signature.ts';
import { type Stack, type Tenant, startStack } from '../test/e2e/helpers/stack.ts';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const mediaDir = join(root, 'bench', '.media');
const SOURCE = join(mediaDir, 'jobs-1080p-60s.mp4');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const RUNS = Math.max(1, Number(values.runs));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function ffmpeg(args: string[]) {
  await exec('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 64 << 20 });
}

/** 60 s 1080p30 H.264 (GOP 2 s, B-frames) with speech at known places over a quiet tone. */
async function makeSource() {
  if (existsSync(SOURCE)) return;
  await mkdir(mediaDir, { recursive: true });
  const speech = join(mediaDir, 'jobs-speech.wav');
  await exec('espeak-ng', ['-w', speech, 'Good morning. This is the voice the mute job takes out of the video.']);
  console.log('[bench] generating the 60 s 1080p30 source (once)…');
  // The arguments as words (fixed strings, no user input): option and value read side by side.
  const lavfi = '-f lavfi -i testsrc2=size=1920x1080:rate=30 -f lavfi -i sine=frequency=220:sample_rate=48000';
  const mix = '[1:a]volume=0.05[bed];[2:a]adelay=5000|5000,apad[v1];[bed][v1]amix=inputs=2:duration=first[a]';
  const encode =
    '-t 60 -c:v libx264 -preset veryfast -g 60 -bf 2 -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart';
  await ffmpeg([
    ...lavfi.split(' '),
    '-i',
    speech,
    '-filter_complex',
    mix,
    ...'-map 0:v -map [a]'.split(' '),
    ...encode.split(' '),
    SOURCE,
  ]);
}

// ─── What the Worker and the processor log ────────────────────────────────────────────────────

interface DeliveryTimings {
  job_id: string;
  received_at: number;
  done_at: number;
  spans: Record<string, { ms: number; count: number }>;
}
const deliveries: DeliveryTimings[] = [];

/** The Worker's console reaches this process's stdout: keep its `job timings` lines, print the rest. */
function captureWorkerLog() {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    // The Worker's structured lines (one JSON object each): keep the timings, print none of them.
    const kept = text.split('\n').filter((line) => {
      if (line.startsWith('[wrangler:info]')) return false;
      const at = line.indexOf('{"level":');
      if (at < 0) return true;
      if (line.includes('"msg":"job timings"')) deliveries.push(JSON.parse(line.slice(at)) as DeliveryTimings);
      return false;
    });
    if (kept.join('').trim() === '') return true;
    return (write as (...a: unknown[]) => boolean)(kept.join('\n'), ...rest);
  }) as typeof process.stdout.write;
}

/** The smart cut's stage marks (ms from the operation's start, container/src/media/stage-clock.ts) after `since`. */
function smartStages(stack: Stack, since: number): Record<string, number> | null {
  for (const line of stack.processorLogs) {
    if (!line.includes('"smart cut timings"')) continue;
    const entry = JSON.parse(line) as { time: string; stages_ms: Record<string, number> };
    if (Date.parse(entry.time) >= since) return entry.stages_ms;
  }
  return null;
}

/** The processor's own time for operations it finished after `since` (ms since the epoch). */
function processorMs(stack: Stack, since: number): { ms: number; ops: string[] } {
  let ms = 0;
  const ops: string[] = [];
  for (const line of stack.processorLogs) {
    if (!line.includes('"operation done"')) continue;
    const entry = JSON.parse(line) as { time: string; ms: number; operation: string };
    if (Date.parse(entry.time) < since) continue;
    ms += entry.ms;
    ops.push(entry.operation);
  }
  return { ms, ops };
}

// ─── A client ────────────────────────────────────────────────────────────────────────────────

interface Measured {
  e2e: number;
  post: number;
  notice: number;
  processor: number;
  ops: string[];
  spans: Record<string, number>;
  counts: Record<string, number>;
  /** A smart cut's stage marks, when the job made one. */
  stages: Record<string, number> | null;
}

async function waitEnd(stack: Stack, tenant: Tenant, jobId: string): Promise<{ at: number; status: string }> {
  const res = await fetch(`${stack.url}/api/v1/jobs/${jobId}/events`, {
    headers: { Authorization: `Bearer ${tenant.token}`, 'X-Profile-Id': tenant.profileId },
  });
  if (res.status !== 200 || !res.body) throw new Error(`events: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (next.value.event === 'end') {
      const at = Date.now();
      await reader.cancel();
      return { at, status: (JSON.parse(next.value.data) as { status: string }).status };
    }
  }
  throw new Error('events ended without an end event');
}

/** POST `path`, follow the job's events to its end; the timings of its deliveries. */
async function measure(stack: Stack, tenant: Tenant, path: string, body: unknown): Promise<Measured> {
  const started = Date.now();
  const res = await stack.api(tenant)(path, { json: body });
  const posted = Date.now();
  if (res.status !== 202) throw new Error(`${path}: ${res.status} ${res.text}`);
  const jobId = res.body.job_id as string;
  const end = await waitEnd(stack, tenant, jobId);
  if (end.status !== 'completed') throw new Error(`${path}: job ${jobId} ended ${end.status}`);
  const mine = deliveries.filter((d) => d.job_id === jobId);
  const spans: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const d of mine)
    for (const [name, span] of Object.entries(d.spans)) {
      spans[name] = (spans[name] ?? 0) + span.ms;
      counts[name] = (counts[name] ?? 0) + span.count;
    }
  const { ms, ops } = processorMs(stack, started);
  return {
    e2e: end.at - started,
    post: posted - started,
    notice: end.at - Math.max(...mine.map((d) => d.done_at)),
    processor: ms,
    ops,
    spans,
    counts,
    stages: smartStages(stack, started),
  };
}

// ─── Resources the jobs work on ────────────────────────────────────────────────────────────────

async function waitJobsIdle(stack: Stack, tenant: Tenant) {
  for (;;) {
    const active = [
      ...(await stack.api(tenant)('/api/v1/jobs?status=pending')).body.jobs,
      ...(await stack.api(tenant)('/api/v1/jobs?status=running')).body.jobs,
    ];
    if (active.length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function upload(stack: Stack, tenant: Tenant, bytes: Uint8Array<ArrayBuffer>, name: string): Promise<string> {
  const api = stack.api(tenant);
  const created = await api('/api/v1/segments/source-videos/uploads', {
    json: { name, content_type: 'video/mp4', size_bytes: bytes.length },
  });
  if (created.status !== 201) throw new Error(`upload: ${created.status} ${created.text}`);
  const put = await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'video/mp4' },
  });
  if (put.status !== 200) throw new Error(`upload PUT: ${put.status}`);
  const id = created.body.source_video.id as string;
  const done = await api(`/api/v1/segments/source-videos/${id}/complete`, { method: 'POST' });
  await stack.waitForJob(tenant, done.body.job_id, { timeoutMs: 600_000 });
  return id;
}

async function segment(stack: Stack, tenant: Tenant, videoId: string, start: number, end: number) {
  const res = await stack.api(tenant)(`/api/v1/segments/source-videos/${videoId}/segments`, {
    json: { start_time: start, end_time: end },
  });
  if (res.status !== 201) throw new Error(`segment: ${res.status} ${res.text}`);
  return res.body.id as string;
}

// ─── The original's commands, on a local file ─────────────────────────────────────────────────

async function timedMs(fn: () => Promise<unknown>) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The original's commands (docs/compatibility.md): a full libx264 `-preset fast` re-encode each. */
const original = {
  extract: () =>
    timedMs(() =>
      ffmpeg([
        ...'-ss 20.4 -i'.split(' '),
        SOURCE,
        ...'-t 10 -c:v libx264 -c:a aac -preset fast'.split(' '),
        join(mediaDir, 'orig-extract.mp4'),
      ]),
    ),
  mute: () =>
    timedMs(() =>
      ffmpeg([
        '-i',
        SOURCE,
        '-af',
        "volume=enable='between(t,5,9)':volume=0",
        ...'-c:v libx264 -preset fast -c:a aac'.split(' '),
        join(mediaDir, 'orig-mute.mp4'),
      ]),
    ),
};

/** The Worker's HMAC work per job, timed in Node with the same code (its clock does not see it). */
async function signingMs(): Promise<number> {
  const n = 2000;
  const t = performance.now();
  for (let i = 0; i < n; i++)
    await signProcessorRequest('bench-secret-bench-secret-bench-secret', 'POST', '/v1/extract', '{"a":1}');
  return (performance.now() - t) / n;
}

// ─── Main ────────────────────────────────────────────────────────────────────────────────────

interface Case {
  name: string;
  original?: keyof typeof original;
  /** Makes what one run needs and returns the POST. */
  prepare(stack: Stack, tenant: Tenant, run: number): Promise<{ path: string; body: unknown }>;
}

async function main() {
  await makeSource();
  const bytes = new Uint8Array(await readFile(SOURCE));
  captureWorkerLog();
  // At log level `log` the Worker's console lines (its `job timings`) reach this process.
  const stack = await startStack({ logLevel: 'log' });
  try {
    const tenant = await stack.newTenant('bench-jobs');
    const api = stack.api(tenant);
    console.log('[bench] uploading the source…');
    const video = await upload(stack, tenant, bytes, 'bench');
    const fresh: string[] = [];
    for (let i = 0; i < RUNS; i++) fresh.push(await upload(stack, tenant, bytes, `bench-mute-${i}`));
    const project = (await api('/api/v1/library/projects', { json: { name: 'Bench', target_duration: 15 } })).body.id;
    const projectSegments: string[] = [];
    for (let i = 0; i < 5; i++) projectSegments.push(await segment(stack, tenant, video, 2 + i * 11, 9.5 + i * 11));
    await api(`/api/v1/segments/projects/${project}/assign`, { json: { segment_ids: projectSegments } });
    await waitJobsIdle(stack, tenant);

    const clipIds: string[] = [];
    const cases: Case[] = [
      {
        name: 'extract smart 10 s',
        original: 'extract',
        prepare: async () => ({
          path: `/api/v1/segments/${await segment(stack, tenant, video, 20.4, 30.4)}/extract`,
          body: { mode: 'smart' },
        }),
      },
      {
        name: 'extract copy 10 s',
        prepare: async () => ({
          path: `/api/v1/segments/${await segment(stack, tenant, video, 20.4, 30.4)}/extract`,
          body: { mode: 'copy' },
        }),
      },
      {
        name: 'detect-voice 60 s',
        // Other thresholds each run: the detection cache answers a repeat with 200 and no job.
        prepare: async (_s, _t, run) => ({
          path: '/api/v1/detect-voice',
          body: { source_video_id: video, threshold: 0.5 + run / 100 },
        }),
      },
      {
        name: 'mute-voice 60 s (detect + mute)',
        original: 'mute',
        prepare: async (_s, _t, run) => ({ path: '/api/v1/mute-voice', body: { source_video_id: fresh[run] } }),
      },
      {
        name: 'generate-from-segments, 3 variants',
        prepare: async () => ({
          path: `/api/v1/library/projects/${project}/generate-from-segments`,
          body: { variant_count: 3, selection_mode: 'random', target_duration: 15 },
        }),
      },
      {
        name: 'render a clip with a preset',
        prepare: async (_s, _t, run) => ({
          path: `/api/v1/library/clips/${clipIds[run % clipIds.length]}/render`,
          body: { preset_name: 'instagram_reels' },
        }),
      },
    ];

    const rows: { name: string; runs: Measured[]; original?: number }[] = [];
    // `--only <text>`: the job types whose name contains it (generate still runs when render is asked for: it makes the clips).
    const wanted = (c: Case) =>
      !values.only || c.name.includes(values.only) || (values.only.includes('render') && c.name.startsWith('generate'));
    for (const c of cases.filter(wanted)) {
      const runs: Measured[] = [];
      for (let run = 0; run < RUNS; run++) {
        const { path, body } = await c.prepare(stack, tenant, run);
        await waitJobsIdle(stack, tenant);
        runs.push(await measure(stack, tenant, path, body));
        await waitJobsIdle(stack, tenant);
        if (c.name.startsWith('generate') && clipIds.length === 0)
          clipIds.push(
            ...(await api(`/api/v1/library/projects/${project}/clips`)).body.clips.map((x: { id: string }) => x.id),
          );
      }
      const orig = c.original ? median(await Promise.all([original[c.original]()])) : undefined;
      rows.push({ name: c.name, runs, original: orig });
      console.log(`[bench] ${c.name}: e2e ${median(runs.map((r) => r.e2e))} ms`);
    }

    const sign = await signingMs();
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `\nbench:jobs — ${RUNS} run(s) per job type, medians; load average ${load}; HMAC sign ${sign.toFixed(3)} ms per call (Node)\n`,
    );
    console.log(
      '| job | end to end s | processor s | overhead ms | target ms | original s | × original | POST ms | queued ms | D1 ms (stmts) | announce ms | processor set-up ms | waited beyond processor ms | complete ms | notice ms | ops |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const row of rows) {
      const m = (pick: (r: Measured) => number) => Math.round(median(row.runs.map(pick)));
      const e2e = m((r) => r.e2e);
      const proc = m((r) => r.processor);
      const overhead = e2e - proc;
      const span = (name: string) => m((r) => r.spans[name] ?? 0);
      // Set-up (signed request until accepted) and following overlap the processor's own run:
      // their sum minus its time is what the Worker waited beyond it.
      const wait = m((r) => (r.spans.processor_accept ?? 0) + (r.spans.processor_follow ?? 0) - r.processor);
      const target = Math.round(100 + proc / 10);
      const stmts = m((r) => r.counts.d1 ?? 0);
      console.log(
        `| ${row.name} | ${s(e2e)} | ${s(proc)} | ${overhead} | ${target} | ${row.original ? s(row.original) : '—'} | ${row.original ? (row.original / e2e).toFixed(1) : '—'} | ${m((r) => r.post)} | ${span('queued')} | ${span('d1')} (${stmts}) | ${span('announce')} | ${span('processor_accept')} | ${wait} | ${span('complete')} | ${m((r) => r.notice)} | ${row.runs[0]!.ops.join(' + ')} |`,
      );
    }
    // Where a smart cut's time goes inside the processor: reading the source's moov (and planning)
    // until `gated`, the upload after verification until `uploaded` — the storage path's share.
    for (const row of rows) {
      const staged = row.runs.map((r) => r.stages).filter((x): x is Record<string, number> => x !== null);
      if (staged.length === 0) continue;
      const at = (name: string) => Math.round(median(staged.map((x) => x[name] ?? Number.NaN)));
      console.log(
        `\n${row.name}, the processor's stages (medians, ms from its start): gated (moov read + plan) ${at('gated')}, planned ${at('planned')}, stage written ${at('stage written')}, joined ${at('joined')}, verified ${at('verified')}, uploaded ${at('uploaded')}; upload after verification ${Math.round(median(staged.map((x) => (x.uploaded ?? 0) - (x.verified ?? 0))))}`,
      );
    }
  } finally {
    await stack.stop();
  }
}

await main();
