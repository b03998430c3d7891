/**
 * The whole Cutroom stack for end-to-end tests and benchmarks, driven over HTTP as a client would:
 * - the Worker under wrangler's `unstable_startWorker` on a free port, with local D1, R2 and Queues
 *   persisted in a temp dir (migrations applied with `wrangler d1 migrations apply --local`) and the
 *   test secrets;
 * - in front of it the dev edge (scripts/dev-edge.ts), which refuses request bodies over the
 *   platform's 100 MB as Cloudflare would; `url` and the Worker's PUBLIC_URL are the edge's;
 * - the real media processor (`node container/src/server.ts`, or the built image with
 *   PROCESSOR_IMAGE set: container/test/helpers/processor.ts) on a free port, whose media URLs name
 *   the storage host as in production, mapped (STORAGE_URL) onto the dev Worker's storage route
 *   through the edge (with `throttledMedia`, through a rate-limitable proxy in front of the edge).
 *
 * One stack per test file:
 *
 *   let stack: Stack;
 *   beforeAll(async () => { stack = await startStack(); });
 *   afterAll(() => stack?.stop());
 *   it('…', async () => {
 *     const alice = await stack.newTenant();
 *     const res = await stack.api(alice)('/api/v1/segments/source-videos');
 *   });
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { unstable_startWorker } from 'wrangler';
import { type RunningProcessor, startProcessor } from '../../../container/test/helpers/processor.ts';
import { type EdgeStats, startDevEdge } from '../../../scripts/dev-edge.ts';
import { STORAGE_DEV_PATH, STORAGE_ORIGIN } from '../../../shared/processor/storage.ts';
import { ensureAssetsDir } from '../../../scripts/studio.ts';
import { TEST_SECRETS, localWorkerVars } from '../../../scripts/local-config.ts';
import { signTestToken } from '../../helpers/node/tokens.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');

export interface Tenant {
  userId: string;
  token: string;
  profileId: string;
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  text: string;
  bytes: Uint8Array;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

export type Api = <T = any>(path: string, options?: RequestOptions) => Promise<HttpResult<T>>;

export interface JobBody {
  id: string;
  type: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  [key: string]: unknown;
}

export interface Stack {
  /** The Worker's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The Worker itself, without the dev edge in front of it (benchmarks of the Worker's own time). */
  workerUrl: string;
  processorUrl: string;
  /** What the dev edge passed to the Worker and refused (request bodies over the platform limit). */
  edge: EdgeStats;
  /** Where D1/R2/Queues state lives (removed by stop()). */
  stateDir: string;
  /** Requests as a tenant (Bearer token + X-Profile-Id). Absolute URLs are called as they are. */
  api(tenant: Tenant): Api;
  /** Requests without credentials (signed media URLs). */
  fetchUrl(url: string, init?: RequestInit): Promise<HttpResult>;
  /** A fresh user with their default profile. */
  newTenant(label?: string): Promise<Tenant>;
  /** Polls a job until it finishes (completed, failed or cancelled). */
  waitForJob(tenant: Tenant, jobId: string, options?: { timeoutMs?: number }): Promise<JobBody>;
  /** Keys currently stored in the local R2 bucket under a prefix (inspection for tests). */
  r2Keys(prefix?: string): string[];
  /** Runs SQL on the Worker's local D1 (inspection, or staging a crash); returns the rows. */
  d1<T = Record<string, unknown>>(sql: string, ...params: (string | number)[]): T[];
  /**
   * The local runtime's own address, behind wrangler's proxy worker (what `workerUrl` answers on):
   * for timing that hop (bench/jobs-storage.ts); nothing should send its traffic here.
   */
  runtimeUrl(): Promise<string>;
  /** Processes of the workerd runtime serving the Worker (for memory measurements). */
  workerdPids(): number[];
  /** Log lines of the processor. */
  processorLogs: string[];
  /**
   * Delivers a queue message to the Worker's consumer directly (as the queue would, e.g. a second
   * time): for at-least-once tests. Returns the consumer's outcome.
   */
  deliver(
    body: unknown,
    options?: { queue?: string; attempts?: number },
  ): Promise<{
    outcome: string;
    ackAll: boolean;
    retryBatch: { retry: boolean };
    explicitAcks: string[];
    retryMessages: unknown[];
  }>;
  /** Stops the processor (to test how jobs behave while it is down). */
  stopProcessor(): Promise<void>;
  /** Kills the processor with a signal (SIGKILL by default: a crash) and waits until it is gone. */
  killProcessor(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the processor again on the same port, after it was stopped or killed. */
  restartProcessor(): Promise<void>;
  /**
   * With `throttledMedia`: caps the rate of every media byte the processor reads (a slow input
   * makes a real operation long without CPU); null lifts the cap.
   */
  throttleMedia(bytesPerSecond: number | null): void;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra Worker vars (strings). */
  vars?: Record<string, string>;
  /** Start without a processor (PROCESSOR_URL points nowhere); for upload-only benchmarks. */
  withoutProcessor?: boolean;
  /** wrangler's log level (default "warn"). */
  logLevel?: 'none' | 'error' | 'warn' | 'info' | 'log' | 'debug';
  /** Another Worker entry module (e.g. a test Worker wrapping the production one), instead of wrangler.toml's `main`. */
  entrypoint?: string;
  /**
   * Requests per minute per user and per profile (the rate limiting bindings and the RATE_LIMIT_*
   * vars). Default: far above what tests and benchmarks send, so polling is never throttled.
   */
  rateLimits?: { user: number; profile: number };
  /**
   * The processor's storage host is mapped (STORAGE_URL) through a local proxy in front of the
   * edge, whose reads `throttleMedia` can slow down.
   */
  throttledMedia?: boolean;
}

const UNTHROTTLED = 1_000_000;

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A pass-through proxy between the processor and the Worker's storage route (the storage host
 * mapping), whose response bodies to GETs can be held to a byte rate (one budget shared by every
 * connection).
 */
async function startMediaProxy(target: string) {
  let rate: number | null = null;
  let nextFree = 0;
  /** Waits until `bytes` fit in the rate. */
  const pace = async (bytes: number) => {
    if (rate === null) return;
    const now = Date.now();
    const start = Math.max(now, nextFree);
    nextFree = start + (bytes / rate) * 1000;
    if (start > now) await new Promise((r) => setTimeout(r, start - now));
  };
  const server = createHttpServer((req, res) => {
    const upstream = httpRequest(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      async (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        try {
          for await (const chunk of answer as AsyncIterable<Buffer>) {
            for (let at = 0; at < chunk.length; at += 4096) {
              const piece = chunk.subarray(at, at + 4096);
              if (req.method === 'GET') await pace(piece.length);
              if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
            }
          }
          res.end();
        } catch {
          res.destroy();
        }
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const port = await new Promise<number>((resolvePort) =>
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port)),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    throttle(bytesPerSecond: number | null) {
      rate = bytesPerSecond;
      nextFree = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function applyMigrations(stateDir: string): Promise<void> {
  return new Promise((resolveDone, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'd1',
        'migrations',
        'apply',
        'DB',
        '--local',
        '--persist-to',
        stateDir,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) =>
      code === 0 ? resolveDone() : reject(new Error(`migrations failed (${code}):\n${output}`)),
    );
  });
}

async function toResult(res: Response): Promise<HttpResult> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text, bytes };
}

/** workerd processes whose ancestor chain reaches this process. */
function descendantsNamed(name: string): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const isOurs = (pid: number) => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...names].filter(([pid, n]) => n === name && isOurs(pid)).map(([pid]) => pid);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  ensureAssetsDir();
  const stateDir = mkdtempSync(join(tmpdir(), 'cutroom-e2e-'));
  const port = await freePort();
  const workerPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // With throttledMedia the storage host is mapped through the proxy, which forwards to the edge.
  const proxy = options.throttledMedia ? await startMediaProxy(url) : null;
  const storageUrl = `${proxy?.url ?? url}${STORAGE_DEV_PATH}`;
  const processorLogs: string[] = [];
  const launch = (port = 0) =>
    startProcessor(
      {
        PROCESSOR_SECRET: TEST_SECRETS.PROCESSOR_SECRET,
        ALLOWED_MEDIA_ORIGINS: STORAGE_ORIGIN,
        STORAGE_URL: storageUrl,
        PORT: String(port),
      },
      { logs: processorLogs },
    );
  let processor: RunningProcessor | null = options.withoutProcessor ? null : await launch();
  const processorUrl = processor?.url ?? `http://127.0.0.1:${await freePort()}`;
  let worker: Awaited<ReturnType<typeof unstable_startWorker>> | null = null;
  let edge: Awaited<ReturnType<typeof startDevEdge>> | null = null;
  try {
    await applyMigrations(stateDir);
    const plain = (value: string) => ({ type: 'plain_text' as const, value });
    const secret = (value: string) => ({ type: 'secret_text' as const, value });
    const limits = options.rateLimits ?? { user: UNTHROTTLED, profile: UNTHROTTLED };
    const limiter = (namespace: string, limit: number) => ({
      type: 'ratelimit' as const,
      namespace_id: namespace,
      simple: { limit, period: 60 as const },
    });
    worker = await unstable_startWorker({
      config: join(ROOT, 'wrangler.toml'),
      ...(options.entrypoint ? { entrypoint: join(ROOT, options.entrypoint) } : {}),
      envFiles: [],
      bindings: {
        // The local values (scripts/local-config.ts): the edge's URL, the processor, the dev issuer.
        ...Object.fromEntries(
          Object.entries(localWorkerVars({ publicUrl: url, processorUrl })).map(([k, v]) => [k, plain(v)]),
        ),
        RATE_LIMIT_USER: plain(`${limits.user}/60`),
        RATE_LIMIT_PROFILE: plain(`${limits.profile}/60`),
        USER_RATE_LIMITER: limiter('1001', limits.user),
        PROFILE_RATE_LIMITER: limiter('1002', limits.profile),
        ...Object.fromEntries(Object.entries(options.vars ?? {}).map(([k, v]) => [k, plain(v)])),
        ...Object.fromEntries(Object.entries(TEST_SECRETS).map(([k, v]) => [k, secret(v)])),
      },
      dev: {
        server: { hostname: '127.0.0.1', port: workerPort },
        inspector: false,
        enableContainers: false,
        persist: stateDir,
        watch: false,
        logLevel: options.logLevel ?? 'warn',
      },
    });
    await worker.ready;
    edge = await startDevEdge({ upstream: `http://127.0.0.1:${workerPort}`, port });
  } catch (err) {
    await worker?.dispose().catch(() => {});
    await processor?.stop();
    await proxy?.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  const running = worker;
  const runningEdge = edge;

  const fetchUrl = async (target: string, init: RequestInit = {}) => toResult(await fetch(target, init));

  const api =
    (tenant: Tenant): Api =>
    async (path, opts = {}) => {
      const headers = new Headers(opts.headers);
      headers.set('Authorization', `Bearer ${tenant.token}`);
      headers.set('X-Profile-Id', tenant.profileId);
      let body = opts.body;
      if (opts.json !== undefined) {
        headers.set('Content-Type', 'application/json');
        body = JSON.stringify(opts.json);
      }
      const target = /^https?:\/\//.test(path) ? path : `${url}${path}`;
      return toResult(
        await fetch(target, { method: opts.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body }),
      );
    };

  let tenants = 0;
  const newTenant = async (label = 'e2e'): Promise<Tenant> => {
    tenants += 1;
    const userId = `${label}-${Date.now().toString(36)}-${tenants}-${Math.random().toString(36).slice(2, 8)}`;
    const token = await signTestToken({ sub: userId });
    const res = await fetch(`${url}/api/v1/profiles/`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { id: string }[];
    if (res.status !== 200 || !body[0]) throw new Error(`newTenant: ${res.status} ${JSON.stringify(body)}`);
    return { userId, token, profileId: body[0].id };
  };

  const waitForJob = async (tenant: Tenant, jobId: string, { timeoutMs = 120_000 } = {}): Promise<JobBody> => {
    const deadline = Date.now() + timeoutMs;
    let last: JobBody | null = null;
    while (Date.now() < deadline) {
      const res = await api(tenant)<JobBody>(`/api/v1/jobs/${jobId}`);
      if (res.status !== 200) throw new Error(`waitForJob: ${res.status} ${res.text}`);
      last = res.body;
      if (['completed', 'failed', 'cancelled'].includes(last.status)) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`job ${jobId} did not finish in ${timeoutMs} ms; last state ${JSON.stringify(last)}`);
  };

  const r2Keys = (prefix = ''): string[] => {
    // miniflare keeps each bucket's index in a SQLite file under <state>/v3/r2/<namespace>/.
    const dir = join(stateDir, 'v3/r2/miniflare-R2BucketObject');
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.sqlite'));
    } catch {
      return [];
    }
    const keys: string[] = [];
    for (const file of files) {
      const db = new DatabaseSync(join(dir, file), { readOnly: true });
      try {
        const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_mf_objects'").get();
        if (!table) continue;
        const rows = db
          .prepare('SELECT key FROM _mf_objects WHERE substr(key, 1, length(?)) = ? ORDER BY key')
          .all(prefix, prefix) as { key: string }[];
        keys.push(...rows.map((r) => r.key));
      } finally {
        db.close();
      }
    }
    return keys;
  };

  const d1 = <T>(sql: string, ...params: (string | number)[]): T[] => {
    const dir = join(stateDir, 'v3/d1/miniflare-D1DatabaseObject');
    const file = readdirSync(dir).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
    const db = new DatabaseSync(join(dir, file!));
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };

  return {
    url,
    workerUrl: `http://127.0.0.1:${workerPort}`,
    processorUrl,
    edge: runningEdge.stats,
    stateDir,
    d1,
    api,
    fetchUrl,
    newTenant,
    waitForJob,
    r2Keys,
    workerdPids: () => descendantsNamed('workerd'),
    async runtimeUrl() {
      const runtimes = (running.raw as unknown as { runtimes: { mf?: { ready: Promise<URL> } }[] }).runtimes;
      const mf = runtimes.find((r) => r.mf)?.mf;
      if (!mf) throw new Error('runtimeUrl: no local runtime');
      return String(await mf.ready).replace(/\/$/, '');
    },
    processorLogs,
    async deliver(body, options = {}) {
      // wrangler's Worker.queue() asks its proxy instance, which does not hold the user worker;
      // the local runtime's own Miniflare does.
      type Deliver = {
        queue(
          name: string,
          messages: { id: string; timestamp: Date; attempts: number; body: unknown }[],
        ): Promise<never>;
      };
      const runtimes = (
        running.raw as unknown as { runtimes: { mf?: { getWorker(name?: string): Promise<Deliver> } }[] }
      ).runtimes;
      const mf = runtimes.find((r) => r.mf)?.mf;
      if (!mf) throw new Error('deliver: no local runtime');
      const worker = await mf.getWorker();
      return worker.queue(options.queue ?? 'cutroom-jobs', [
        {
          id: `redelivery-${Date.now()}-${Math.random().toString(36).slice(2)}`,
          timestamp: new Date(),
          attempts: options.attempts ?? 2,
          body,
        },
      ]);
    },
    async stopProcessor() {
      await processor?.stop();
    },
    async killProcessor(signal = 'SIGKILL') {
      await processor?.stop(signal);
    },
    async restartProcessor() {
      if (!processor) throw new Error('restartProcessor: the stack runs without a processor');
      await processor.stop();
      processor = await launch(Number(new URL(processorUrl).port));
    },
    throttleMedia(bytesPerSecond) {
      if (!proxy) throw new Error('throttleMedia: start the stack with { throttledMedia: true }');
      proxy.throttle(bytesPerSecond);
    },
    async stop() {
      await runningEdge.close();
      await running.dispose().catch(() => {});
      await processor?.stop();
      await proxy?.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
