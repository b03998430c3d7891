/**
 * npm run bench:api [-- --seconds 6 --rounds 3 --rate 20 --items 20 --no-rate-limits --only list,get]
 *
 * What a request costs on the API path, against the bare framework, in one local stack (wrangler's
 * workerd, local D1; no processor needed). Requests go to workerd directly, not through the dev
 * edge, so only the Worker's own time is measured. The list route, layer by layer:
 * - bare: `GET /__bench/bare`, a bare Hono route in the same Worker (bench/worker/api-worker.ts,
 *   never deployed): routing and a JSON answer, nothing else;
 * - app, public route: `GET /` through the production app (its middleware and its whole router);
 * - token check only / user guards only / tenant guards only: empty handlers behind `requireUser`,
 *   the user router's guards (plus the user's rate limit) and the tenant router's (plus the profile
 *   check and the profile's rate limit); "profile looked up" rows forget the isolate's verified
 *   profiles first (the naive way: one D1 lookup per request);
 * - list handler only: the list route's query, presenter and JSON, without guards or app;
 * - list: `GET /api/v1/library/projects?limit=<items>`, authenticated and profile-scoped;
 * - get: `GET /api/v1/library/projects/{id}`, the same guards and one row by id.
 * For each: a closed loop at c=1 (p50/p99 latency), a closed loop at c=32 (throughput), and an open
 * loop at a fixed rate (requests sent on schedule whatever the answers do; latency counted from the
 * scheduled time, so queueing shows) for its p99; the routes take turns in ROUNDS slices. Then what
 * each request awaited inside the Worker (D1 round trips and statements, rate-limit calls, from the
 * bench Worker's `X-Bench-Cost` header at c=1) and the CPU of the parts the Workers clock cannot see
 * (bench/worker/cpu-parts.ts, timed inside workerd). The load generator is this Node process
 * (node:http with keep-alive), on the same two cores as workerd: figures are relative, and the
 * ratios to the bare route are what to read. A benchmark, not a test; figures in docs/benchmarks.md.
 */
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  BENCH_PATHS,
  COST_HEADER,
  CPU_PART_LABELS,
  CPU_PATH,
  type CpuPartName,
  FORGET_PROFILES_HEADER,
} from './worker/bench-paths.ts';
import { type Tenant, startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '20' },
    items: { type: 'string', default: '20' },
    // Turns the request rate limits off (their settings empty), to see what counting them costs.
    'no-rate-limits': { type: 'boolean', default: false },
    // Only the rows whose names contain one of these (comma-separated; `bare` always runs).
    only: { type: 'string', default: '' },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const ITEMS = Number(values.items);
const CONCURRENCY = 32;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One GET; resolves with its cost header when the whole body has arrived. Anything but 200 fails the bench. */
function get(target: Target): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(target.url, { agent, headers: target.headers }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${target.name}: ${target.url} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      const cost = res.headers[COST_HEADER.toLowerCase()];
      res.on('end', () => resolve(typeof cost === 'string' ? cost : undefined));
      res.on('error', reject);
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

/** What one request awaited inside the Worker (bench/worker/api-worker.ts, `X-Bench-Cost`). */
interface Cost {
  d1Trips: number;
  d1Statements: number;
  d1Ms: number;
  limitCalls: number;
  limitMs: number;
}

function parseCost(header: string | undefined): Cost | null {
  const m = /^d1=(\d+)\/(\d+)\/(\d+);limits=(\d+)\/(\d+)$/.exec(header ?? '');
  if (!m) return null;
  const [d1Trips, d1Statements, d1Ms, limitCalls, limitMs] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { d1Trips, d1Statements, d1Ms, limitCalls, limitMs };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface LoopResult {
  count: number;
  /** Mean awaited costs per request (closed loop at c=1 only: the header is exact with one request in flight). */
  cost: Cost | null;
  perSecond: number;
  p50: number;
  p99: number;
}

/** Raw measurements of one or more slices of a loop. */
interface Sample {
  latencies: number[];
  costs: (Cost | null)[];
  elapsedMs: number;
}

const emptySample = (): Sample => ({ latencies: [], costs: [], elapsedMs: 0 });

function merge(into: Sample, slice: Sample) {
  into.latencies.push(...slice.latencies);
  into.costs.push(...slice.costs);
  into.elapsedMs += slice.elapsedMs;
}

function summarise({ latencies, costs, elapsedMs }: Sample): LoopResult {
  const sorted = latencies.sort((a, b) => a - b);
  const known = costs.filter((c): c is Cost => c !== null);
  const mean = (key: keyof Cost) => known.reduce((sum, c) => sum + c[key], 0) / known.length;
  return {
    count: sorted.length,
    cost: known.length
      ? {
          d1Trips: mean('d1Trips'),
          d1Statements: mean('d1Statements'),
          d1Ms: mean('d1Ms'),
          limitCalls: mean('limitCalls'),
          limitMs: mean('limitMs'),
        }
      : null,
    perSecond: (sorted.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** `concurrency` clients, each sending its next request when the last one is answered. */
async function closedLoop(target: Target, concurrency: number, seconds: number): Promise<Sample> {
  const latencies: number[] = [];
  const costs: (Cost | null)[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const cost = await get(target);
      latencies.push(performance.now() - t0);
      if (concurrency === 1) costs.push(parseCost(cost));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { latencies, costs, elapsedMs: performance.now() - started };
}

/** Requests at a fixed rate, each on its schedule; latency from the scheduled send time. */
async function openLoop(target: Target, rate: number, seconds: number): Promise<Sample> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const inFlight: Promise<unknown>[] = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && started + sent * interval <= now) {
      const scheduled = started + sent * interval;
      inFlight.push(get(target).then(() => void latencies.push(performance.now() - scheduled)));
      sent++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(interval, started + sent * interval - now))));
  }
  await Promise.all(inFlight);
  return { latencies, costs: [], elapsedMs: performance.now() - started };
}

/**
 * µs per run of one CPU part inside workerd: the median latency of requests running it CPU_RUNS
 * times, minus that of requests running it 0 times, divided by CPU_RUNS.
 */
const CPU_RUNS = 1000;
async function cpuPerCall(part: CpuPartName, way: 'naive' | 'now', headers: Record<string, string>): Promise<number> {
  const median = async (n: number) => {
    const target = { name: `cpu ${part}`, url: `${stack.workerUrl}${CPU_PATH}/${part}/${way}?n=${n}`, headers };
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      await get(target);
      times.push(performance.now() - t0);
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  };
  await median(CPU_RUNS); // warm-up
  return (((await median(CPU_RUNS)) - (await median(0))) / CPU_RUNS) * 1000;
}

async function seed(stack: Awaited<ReturnType<typeof startStack>>): Promise<{ tenant: Tenant; projectId: string }> {
  const tenant = await stack.newTenant('bench-api');
  const api = stack.api(tenant);
  let projectId = '';
  for (let i = 0; i < ITEMS; i++) {
    const res = await api<{ id: string }>('/api/v1/library/projects', {
      json: { name: `Bench project ${i + 1}`, description: 'A project of the API benchmark', target_duration: 30 },
    });
    if (res.status !== 201) throw new Error(`seeding a project: ${res.status} ${res.text}`);
    projectId = res.body.id;
  }
  return { tenant, projectId };
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

const RATE_LIMITS_OFF = values['no-rate-limits'];
const stack = await startStack({
  withoutProcessor: true,
  entrypoint: 'bench/worker/api-worker.ts',
  logLevel: 'error',
  ...(RATE_LIMITS_OFF ? { vars: { RATE_LIMIT_USER: '', RATE_LIMIT_PROFILE: '' } } : {}),
});
try {
  const { tenant, projectId } = await seed(stack);
  const auth = { Authorization: `Bearer ${tenant.token}`, 'X-Profile-Id': tenant.profileId };
  const forget = { ...auth, [FORGET_PROFILES_HEADER]: '1' };
  const list = `${stack.workerUrl}/api/v1/library/projects?limit=${ITEMS}`;
  // Each layer of the list route on its own, from the floor up (the breakdown below is their differences).
  const targets: Target[] = [
    { name: 'bare', url: `${stack.workerUrl}${BENCH_PATHS.bare}`, headers: {} },
    { name: 'app, public route (GET /)', url: `${stack.workerUrl}/`, headers: { Accept: 'application/json' } },
    { name: 'token check only', url: `${stack.workerUrl}${BENCH_PATHS.token}`, headers: auth },
    { name: 'user guards only', url: `${stack.workerUrl}${BENCH_PATHS.user}`, headers: auth },
    { name: 'tenant guards only', url: `${stack.workerUrl}${BENCH_PATHS.tenant}`, headers: auth },
    { name: 'tenant guards, profile looked up', url: `${stack.workerUrl}${BENCH_PATHS.tenant}`, headers: forget },
    {
      name: 'list handler only',
      url: `${stack.workerUrl}${BENCH_PATHS.handler}?limit=${ITEMS}`,
      headers: { 'X-Profile-Id': tenant.profileId },
    },
    { name: 'list', url: list, headers: auth },
    { name: 'list, profile looked up', url: list, headers: forget },
    { name: 'get', url: `${stack.workerUrl}/api/v1/library/projects/${projectId}`, headers: auth },
  ];
  const only = values.only.split(',').filter(Boolean);
  const chosen = targets.filter((t) => t.name === 'bare' || !only.length || only.some((o) => t.name.includes(o)));
  targets.splice(0, targets.length, ...chosen);
  const load = loadavg()[0]!;
  for (const target of targets) await closedLoop(target, 4, WARMUP);
  // The machine is shared: every loop is cut into ROUNDS slices and the routes take turns, so a
  // change of background load falls on every route alike and the ratios of one run stay comparable.
  const samples = new Map(targets.map((t) => [t.name, { c1: emptySample(), c32: emptySample(), open: emptySample() }]));
  const slice = SECONDS / ROUNDS;
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) merge(samples.get(target.name)!.c1, await closedLoop(target, 1, slice));
    for (const target of targets) merge(samples.get(target.name)!.c32, await closedLoop(target, CONCURRENCY, slice));
    for (const target of targets) merge(samples.get(target.name)!.open, await openLoop(target, RATE, slice));
    console.error(`[bench:api] round ${round + 1}/${ROUNDS} done`);
  }
  const results = new Map(
    [...samples].map(([name, s]) => [name, { c1: summarise(s.c1), c32: summarise(s.c32), open: summarise(s.open) }]),
  );
  const bare = results.get('bare')!;
  console.log(
    `\nbench:api — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${SECONDS} s per loop in ${ROUNDS} turns, ` +
      `list of ${ITEMS} projects, open loop at ${RATE} req/s, rate limits ${RATE_LIMITS_OFF ? 'off' : 'on'}; load average ${fmt(load)} before, ${fmt(loadavg()[0]!)} after\n`,
  );
  console.log('| Route | c=1 p50 (ms) | c=1 p99 (ms) | c=32 (req/s) | vs bare | open loop p99 (ms) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const target of targets) {
    const r = results.get(target.name)!;
    const ratio = r.c32.perSecond / bare.c32.perSecond;
    console.log(
      `| ${target.name} | ${fmt(r.c1.p50)} | ${fmt(r.c1.p99)} | ${fmt(r.c32.perSecond, 0)} | ${fmt(ratio * 100, 0)}% | ${fmt(r.open.p99)} |`,
    );
  }
  console.log('\nWhat each request awaited inside the Worker (c=1 means; the Workers clock moves only on I/O):\n');
  console.log(
    '| Route | D1 round trips | D1 statements | D1 (ms) | rate-limit calls | rate limits (ms, summed) | c=1 p50 − bare (ms) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const target of targets) {
    const r = results.get(target.name)!;
    const c = r.c1.cost;
    const cells = c
      ? [fmt(c.d1Trips, 1), fmt(c.d1Statements, 1), fmt(c.d1Ms), fmt(c.limitCalls, 1), fmt(c.limitMs)]
      : ['?', '?', '?', '?', '?'];
    console.log(`| ${target.name} | ${cells.join(' | ')} | ${fmt(r.c1.p50 - bare.c1.p50)} |`);
  }
  console.log(
    '\nCPU parts of a request, in workerd (µs per run: requests running a part 1000 times, less those running it 0 times):\n',
  );
  console.log('| Part | Before | µs | Now | µs |');
  console.log('|---|---|---:|---|---:|');
  for (const [name, labels] of Object.entries(CPU_PART_LABELS)) {
    const part = name as CpuPartName;
    const naive = 'naive' in labels ? await cpuPerCall(part, 'naive', auth) : null;
    const now = await cpuPerCall(part, 'now', auth);
    console.log(
      `| ${labels.part} | ${'naive' in labels ? labels.naive : '—'} | ${naive === null ? '—' : fmt(naive, 1)} | ${labels.now} | ${fmt(now, 1)} |`,
    );
  }
  const listed = results.get('list');
  if (!listed) process.exit(0);
  const throughputMet = listed.c32.perSecond >= 0.6 * bare.c32.perSecond;
  const latencyMet = listed.c1.p99 <= 10;
  console.log(
    `\nGoal (list): ≥ 60% of bare throughput: ${throughputMet ? 'met' : 'not met'}; p99 ≤ 10 ms at c=1: ${latencyMet ? 'met' : 'not met'}`,
  );
} finally {
  agent.destroy();
  await stack.stop();
}
