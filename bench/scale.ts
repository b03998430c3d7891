/**
 * npm run bench:scale [-- --profiles 1000 --baseline-profiles 1000 --bulk 500 --delay-ms 25] — many
 * profiles' jobs through the real local queue, and fairness between profiles.
 *
 * The local stack (test/e2e/helpers/stack.ts: the Worker on wrangler's runtime with local D1, R2,
 * Queues and Durable Objects) with bench/worker/scale-worker.ts as its entry: the production Worker
 * plus a `bench_probe` job type whose one processor operation goes through the production job
 * processor (placement leases, signed requests, the NDJSON protocol). The processor is a stub here:
 * a local server speaking the processor protocol that answers every operation after a fixed delay,
 * so what is measured is the queue, the consumer, D1 and the scheduling, not ffmpeg.
 *
 * - no-load wait: one job of an idle profile on an idle stack (enqueue → start), median of 5;
 * - then, for the consumer as it was (fair share off) and as it is (on), in the same run with fresh
 *   profiles each: one profile enqueues `--bulk` jobs, right after it another profile one job, then
 *   other profiles one job each (`--profiles` with the fair share on, `--baseline-profiles` with it
 *   off: the same by default; fewer for a quicker run, the local queue delivering one job at a time). Reported: throughput (jobs/s, first enqueue → last
 *   finish), queue latency (enqueue → start, p50/p99) of the single-job profiles, the bulk
 *   profile's, and the one job's wait next to the no-load wait; the placement's busiest instance.
 * Prints a table and the load average.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Stack, freePort, startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({
  options: {
    profiles: { type: 'string', default: '1000' },
    'baseline-profiles': { type: 'string', default: '1000' },
    bulk: { type: 'string', default: '500' },
    'delay-ms': { type: 'string', default: '25' },
  },
});
const PROFILES = Math.max(1, Number(values.profiles));
const BASELINE_PROFILES = Math.max(1, Number(values['baseline-profiles']));
const BULK = Math.max(1, Number(values.bulk));
const DELAY_MS = Math.max(0, Number(values['delay-ms']));

// ─── The processor stub ────────────────────────────────────────────────────────────────────────

interface StubOperation {
  operation: string;
  startedAt: string;
  done: Promise<void>;
  finished: boolean;
}

const PROBE_RESULT = {
  duration: 60,
  width: 1920,
  height: 1080,
  coded_width: 1920,
  coded_height: 1080,
  rotation: 0,
  orientation: 'landscape',
  fps: 30,
  video_codec: 'h264',
  audio_codec: 'aac',
  has_video: true,
  has_audio: true,
  video_bitrate: null,
  audio_bitrate: null,
  bit_rate: null,
  size_bytes: null,
  format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
  pixel_format: 'yuv420p',
  keyframe_interval: 2,
};

/** A server answering the processor protocol (shared/processor/protocol.ts): every operation succeeds after DELAY_MS. */
async function startStub() {
  const ops = new Map<string, StubOperation>();
  let inFlight = 0;
  let maxInFlight = 0;
  const stream = async (res: ServerResponse, op: StubOperation) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ type: 'progress', percent: 0, step: 'Probing' })}\n`);
    await op.done;
    res.end(`${JSON.stringify({ type: 'result', result: PROBE_RESULT })}\n`);
  };
  const unknown = (res: ServerResponse) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'operation_unknown', message: 'unknown operation' } }));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://stub');
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', ffmpeg: true, in_flight: inFlight }));
      return;
    }
    const events = /^\/v1\/operations\/([^/]+)\/events$/.exec(url.pathname);
    const status = /^\/v1\/operations\/([^/]+)$/.exec(url.pathname);
    if (events || status) {
      const op = ops.get(decodeURIComponent((events ?? status)![1]!));
      if (!op) return unknown(res);
      if (events) return void stream(res, op);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: (events ?? status)![1],
          operation: op.operation,
          state: op.finished ? 'succeeded' : 'running',
          percent: op.finished ? 100 : 0,
          step: '',
          started_at: op.startedAt,
          finished_at: null,
        }),
      );
      return;
    }
    const start = /^\/v1\/([a-z_]+)$/.exec(url.pathname);
    const id = url.searchParams.get('operation_id');
    if (req.method === 'POST' && start && id) {
      let op = ops.get(id);
      if (!op || op.finished) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const created: StubOperation = {
          operation: start[1]!,
          startedAt: new Date().toISOString(),
          finished: false,
          done: new Promise((r) => setTimeout(r, DELAY_MS)).then(() => {
            created.finished = true;
            inFlight -= 1;
          }),
        };
        op = created;
        ops.set(id, op);
      }
      return void stream(res, op);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'invalid_request', message: 'not a stub route' } }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    maxInFlight: () => maxInFlight,
    resetMax: () => {
      maxInFlight = inFlight;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ─── Driving the bench Worker ──────────────────────────────────────────────────────────────────

async function post<T>(stack: Stack, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${stack.workerUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

let profileBatches = 0;
async function makeProfiles(stack: Stack, count: number): Promise<string[]> {
  profileBatches += 1;
  const out: string[] = [];
  for (let at = 0; at < count; at += 500) {
    const n = Math.min(500, count - at);
    const { profile_ids } = await post<{ profile_ids: string[] }>(stack, '/__bench/scale/profiles', {
      count: n,
      prefix: `scale-${Date.now().toString(36)}-${profileBatches}-${at}`,
    });
    out.push(...profile_ids);
  }
  return out;
}

async function enqueue(stack: Stack, profileId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let at = 0; at < count; at += 1000) {
    const { job_ids } = await post<{ job_ids: string[] }>(stack, '/__bench/scale/enqueue', {
      profile_id: profileId,
      count: Math.min(1000, count - at),
    });
    ids.push(...job_ids);
  }
  return ids;
}

interface JobTimes {
  id: string;
  profile_id: string;
  status: string;
  created: number;
  started: number;
  finished: number;
}

function jobTimes(stack: Stack, since: string): JobTimes[] {
  return stack
    .d1<{
      id: string;
      profile_id: string;
      status: string;
      created_at: string;
      started_at: string | null;
      finished_at: string | null;
    }>(
      "SELECT id, profile_id, status, created_at, started_at, finished_at FROM jobs WHERE type = 'bench_probe' AND created_at >= ?",
      since,
    )
    .map((r) => ({
      id: r.id,
      profile_id: r.profile_id,
      status: r.status,
      created: Date.parse(r.created_at),
      started: r.started_at ? Date.parse(r.started_at) : Number.NaN,
      finished: r.finished_at ? Date.parse(r.finished_at) : Number.NaN,
    }));
}

async function waitAllDone(stack: Stack, since: string, total: number, label: string) {
  const started = Date.now();
  let lastReport = 0;
  for (;;) {
    const [row] = stack.d1<{ done: number; failed: number }>(
      "SELECT sum(status IN ('completed', 'failed', 'cancelled')) AS done, sum(status = 'failed') AS failed FROM jobs WHERE type = 'bench_probe' AND created_at >= ?",
      since,
    );
    const done = row?.done ?? 0;
    if (done >= total) {
      if (row?.failed) console.log(`[bench] ${label}: ${row.failed} jobs failed`);
      return;
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      console.log(`[bench] ${label}: ${done}/${total} done after ${Math.round((Date.now() - started) / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The busiest instance's live leases, sampled while a phase runs. */
function sampleLeases(stack: Stack) {
  let max = 0;
  const instances = new Set<string>();
  const timer = setInterval(() => {
    for (const row of stack.d1<{ instance: string; n: number }>(
      'SELECT instance, count(*) AS n FROM processor_leases WHERE expires_at > ? GROUP BY instance',
      Date.now(),
    )) {
      max = Math.max(max, row.n);
      instances.add(row.instance);
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return { maxPerInstance: max, instances: [...instances].sort() };
    },
  };
}

function perJob(ids: string[]) {
  const mine = new Set(ids);
  const byJob = new Map<string, { n: number; d1: number }>();
  for (const d of deliveries) {
    if (!mine.has(d.job_id)) continue;
    const entry = byJob.get(d.job_id) ?? { n: 0, d1: 0 };
    entry.n += 1;
    entry.d1 += d.d1;
    byJob.set(d.job_id, entry);
  }
  const all = [...byJob.values()];
  return { deliveriesPerJob: median(all.map((e) => e.n)), d1PerJob: median(all.map((e) => e.d1)) };
}

// ─── The run ───────────────────────────────────────────────────────────────────────────────────

/** Per delivery, from the consumer's `job timings` line: the job and its D1 statements. */
const deliveries: { job_id: string; d1: number }[] = [];

/** The Worker's JSON log lines (one per job and more) would drown the report: keep the timings, print the rest. */
function quietWorkerLog() {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    const kept = text.split('\n').filter((line) => {
      if (line.startsWith('[wrangler:info]')) return false;
      const at = line.indexOf('{"level":');
      if (at < 0) return true;
      if (line.includes('"msg":"job timings"')) {
        const entry = JSON.parse(line.slice(at)) as { job_id: string; spans: Record<string, { count: number }> };
        deliveries.push({ job_id: entry.job_id, d1: entry.spans.d1?.count ?? 0 });
      }
      return false;
    });
    if (kept.join('').trim() === '') return true;
    return (write as (...a: unknown[]) => boolean)(kept.join('\n'), ...rest);
  }) as typeof process.stdout.write;
}

interface PhaseResult {
  mode: 'off' | 'on';
  jobs: number;
  profiles: number;
  seconds: number;
  throughput: number;
  singles: { p50: number; p99: number };
  bulk: { p50: number; p99: number; lastStart: number };
  oneJobWait: number;
  busiest: number;
  instances: string[];
  /** Per job, medians: deliveries (1 + step-asides + waits) and D1 statements over all of them. */
  deliveriesPerJob: number;
  d1PerJob: number;
}

async function phase(
  stack: Stack,
  stub: Awaited<ReturnType<typeof startStub>>,
  mode: 'off' | 'on',
  profiles: number,
): Promise<PhaseResult> {
  await post(stack, '/__bench/scale/fair-share', { mode });
  const [bulkProfile, oneProfile, ...singles] = await makeProfiles(stack, profiles + 2);
  const since = new Date(Date.now() - 1).toISOString();
  stub.resetMax();
  const leases = sampleLeases(stack);
  console.log(
    `[bench] fair share ${mode}: ${BULK} jobs of one profile, then 1 of another, then ${profiles} profiles × 1`,
  );
  await enqueue(stack, bulkProfile!, BULK);
  const [oneJob] = await enqueue(stack, oneProfile!, 1);
  // The single-job profiles enqueue at the same time, a few requests at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < singles.length) await enqueue(stack, singles[next++]!, 1);
    }),
  );
  const total = BULK + 1 + profiles;
  await waitAllDone(stack, since, total, `fair share ${mode}`);
  const { maxPerInstance, instances } = leases.stop();
  const times = jobTimes(stack, since);
  const wait = (t: JobTimes) => t.started - t.created;
  const singleSet = new Set(singles);
  const singleWaits = times.filter((t) => singleSet.has(t.profile_id)).map(wait);
  const bulkTimes = times.filter((t) => t.profile_id === bulkProfile);
  const first = Math.min(...times.map((t) => t.created));
  const last = Math.max(...times.map((t) => t.finished));
  const one = times.find((t) => t.id === oneJob)!;
  return {
    mode,
    jobs: times.length,
    profiles: profiles + 2,
    seconds: (last - first) / 1000,
    throughput: times.length / ((last - first) / 1000),
    singles: { p50: quantile(singleWaits, 0.5), p99: quantile(singleWaits, 0.99) },
    bulk: {
      p50: quantile(bulkTimes.map(wait), 0.5),
      p99: quantile(bulkTimes.map(wait), 0.99),
      lastStart: Math.max(...bulkTimes.map((t) => t.started)) - first,
    },
    oneJobWait: wait(one),
    busiest: Math.max(maxPerInstance, 0),
    instances,
    ...perJob(times.map((t) => t.id)),
  };
}

async function main() {
  const load = loadavg()[0]!.toFixed(2);
  const stub = await startStub();
  quietWorkerLog();
  console.log(`[bench] starting the stack (processor: a stub answering after ${DELAY_MS} ms)…`);
  const stack = await startStack({
    entrypoint: 'bench/worker/scale-worker.ts',
    withoutProcessor: true,
    // The consumer's `job timings` lines (console.log) reach this process only at this level.
    logLevel: 'log',
    // One profile queues BULK jobs: the per-profile active-job ceiling must let it.
    vars: { PROCESSOR_URL: stub.url, MAX_CONCURRENT_JOBS: String(BULK + 10) },
  });
  const wall = Date.now();
  try {
    // No load: one job on an idle stack, five times.
    const idle = await makeProfiles(stack, 5);
    const idleWaits: number[] = [];
    for (const profile of idle) {
      const since = new Date(Date.now() - 1).toISOString();
      await enqueue(stack, profile, 1);
      await waitAllDone(stack, since, 1, 'no load');
      const [t] = jobTimes(stack, since);
      idleWaits.push(t!.started - t!.created);
    }
    const noLoad = median(idleWaits);
    const results = [await phase(stack, stub, 'off', BASELINE_PROFILES), await phase(stack, stub, 'on', PROFILES)];

    console.log(
      `\nbench:scale — 1 profile × ${BULK} jobs, then 1 profile × 1 job, then single-job profiles (${BASELINE_PROFILES} with the fair share off, ${PROFILES} on); stub delay ${DELAY_MS} ms`,
    );
    console.log(`no-load wait of one job (enqueue → start, median of 5): ${sec(noLoad)}\n`);
    const rows: [string, (r: PhaseResult) => string][] = [
      ['jobs (profiles)', (r) => `${r.jobs} (${r.profiles})`],
      ['first enqueue → last finish', (r) => sec(r.seconds * 1000)],
      ['throughput', (r) => `${r.throughput.toFixed(1)} jobs/s`],
      ['single-job profiles: wait p50', (r) => sec(r.singles.p50)],
      ['single-job profiles: wait p99', (r) => sec(r.singles.p99)],
      ['bulk profile: wait p50', (r) => sec(r.bulk.p50)],
      ['bulk profile: wait p99', (r) => sec(r.bulk.p99)],
      [
        'the one job queued after the bulk: wait',
        (r) => `${sec(r.oneJobWait)} (${(r.oneJobWait / noLoad).toFixed(0)}× no-load)`,
      ],
      ['placement: most leases on one instance', (r) => `${r.busiest} (${r.instances.length} instances used)`],
      ['deliveries per job (median)', (r) => String(r.deliveriesPerJob)],
      ['D1 statements per job (median)', (r) => String(r.d1PerJob)],
    ];
    const width = Math.max(...rows.map(([label]) => label.length)) + 2;
    console.log(`${''.padEnd(width)}${'fair share off'.padEnd(28)}fair share on`);
    for (const [label, f] of rows) console.log(`${label.padEnd(width)}${f(results[0]!).padEnd(28)}${f(results[1]!)}`);
    console.log(
      `\nprocessor stub: at most ${stub.maxInFlight()} operations at once (the local queue delivers one batch at a time)`,
    );
    console.log(
      `wall time ${sec(Date.now() - wall)}; load average before the run ${load}, after ${loadavg()[0]!.toFixed(2)}`,
    );
  } finally {
    await stack.stop();
    await stub.close();
  }
}

await main();
