/**
 * npm run bench:api [-- --seconds 6 --rate 20 --items 20 --no-rate-limits]
 *
 * What a request costs on the API path, against the bare framework, in one local stack (wrangler's
 * workerd, local D1; no processor needed). Requests go to workerd directly, not through the dev
 * edge, so only the Worker's own time is measured. Three routes:
 * - bare: `GET /__bench/bare`, a bare Hono route in the same Worker (bench/worker/api-worker.ts,
 *   never deployed): routing and a JSON answer, nothing else;
 * - list: `GET /api/v1/library/projects?limit=<items>`, authenticated and profile-scoped (token
 *   verified, profile checked, the user's and the profile's rate limits counted, one page from D1);
 * - get: `GET /api/v1/library/projects/{id}`, the same guards and one row by id.
 * For each: a closed loop at c=1 (p50/p99 latency), a closed loop at c=32 (throughput), and an open
 * loop at a fixed rate (requests sent on schedule whatever the answers do; latency counted from the
 * scheduled time, so queueing shows) for its p99. The load generator is this Node process
 * (node:http with keep-alive), on the same two cores as workerd: figures are relative, and the
 * ratios to the bare route are what to read. A benchmark, not a test; figures in docs/benchmarks.md.
 */
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BENCH_PATHS, FORGET_PROFILES_HEADER } from './worker/bench-paths.ts';
import { type Tenant, startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '20' },
    items: { type: 'string', default: '20' },
    // Turns the request rate limits off (their settings empty), to see what counting them costs.
    'no-rate-limits': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const RATE = Number(values.rate);
const ITEMS = Number(values.items);
const CONCURRENCY = 32;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One GET; resolves when the whole body has arrived. Anything but 200 is a failed bench. */
function get(target: Target): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(target.url, { agent, headers: target.headers }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${target.name}: ${target.url} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.on('end', resolve);
      res.on('error', reject);
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface LoopResult {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function summarise(latencies: number[], elapsedMs: number): LoopResult {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    count: sorted.length,
    perSecond: (sorted.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** `concurrency` clients, each sending its next request when the last one is answered. */
async function closedLoop(target: Target, concurrency: number, seconds: number): Promise<LoopResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await get(target);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return summarise(latencies, performance.now() - started);
}

/** Requests at a fixed rate, each on its schedule; latency from the scheduled send time. */
async function openLoop(target: Target, rate: number, seconds: number): Promise<LoopResult> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
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
  return summarise(latencies, performance.now() - started);
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
  const targets: Target[] = [
    { name: 'bare', url: `${stack.workerUrl}${BENCH_PATHS.bare}`, headers: {} },
    { name: 'user guards only', url: `${stack.workerUrl}${BENCH_PATHS.user}`, headers: auth },
    { name: 'tenant guards only', url: `${stack.workerUrl}${BENCH_PATHS.tenant}`, headers: auth },
    { name: 'tenant guards, profile looked up', url: `${stack.workerUrl}${BENCH_PATHS.tenant}`, headers: forget },
    { name: 'list', url: list, headers: auth },
    { name: 'list, profile looked up', url: list, headers: forget },
    { name: 'get', url: `${stack.workerUrl}/api/v1/library/projects/${projectId}`, headers: auth },
  ];
  const load = loadavg()[0]!;
  const results = new Map<string, { c1: LoopResult; c32: LoopResult; open: LoopResult }>();
  for (const target of targets) {
    await closedLoop(target, 4, WARMUP);
    const c1 = await closedLoop(target, 1, SECONDS);
    const c32 = await closedLoop(target, CONCURRENCY, SECONDS);
    const open = await openLoop(target, RATE, SECONDS);
    results.set(target.name, { c1, c32, open });
    console.error(`[bench:api] ${target.name} done`);
  }
  const bare = results.get('bare')!;
  console.log(
    `\nbench:api — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${SECONDS} s per loop, ` +
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
  const listed = results.get('list')!;
  const throughputMet = listed.c32.perSecond >= 0.6 * bare.c32.perSecond;
  const latencyMet = listed.c1.p99 <= 10;
  console.log(
    `\nGoal (list): ≥ 60% of bare throughput: ${throughputMet ? 'met' : 'not met'}; p99 ≤ 10 ms at c=1: ${latencyMet ? 'met' : 'not met'}`,
  );
} finally {
  agent.destroy();
  await stack.stop();
}
