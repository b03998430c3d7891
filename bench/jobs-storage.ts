/**
 * npm run bench:jobs:storage [-- --mb 7 --runs 9] — where the processor's storage time goes on the
 * local stack, hop by hop (issue 17: a smart extract's upload and its source's moov read cost more
 * through the whole stack than against bench:media's plain file server).
 *
 * The same client the processor uses (container/src/media/node-http.ts), the same body, against:
 * - a plain Node server that drops the body (what loopback HTTP itself costs: bench:media's case);
 * - the local runtime directly (our handler and local R2, without wrangler's proxy worker);
 * - the dev Worker's storage route (wrangler's proxy worker in front, as `wrangler dev` serves it);
 * - the same route through the dev edge (scripts/dev-edge.ts), as the processor reaches it.
 * For each request to the Worker, its own share (`Server-Timing: worker`, set by the dev storage
 * route: for a write, the body streamed into local R2 — the Workers clock moves only across I/O).
 * Writes: one PUT of the whole body (an output up to the part size). Reads: a 64 KiB range at the
 * start and a 512 KiB one (find-movie.ts's first read: `ftyp` and `moov` of a faststart source).
 * Medians over `--runs`.
 *
 * Then local R2 on its own, which production does not run: a bare Worker on Miniflare (no wrangler
 * proxy, none of our code) that puts the same bytes from memory, and one that streams the request
 * body into R2 as our handler does; the Worker's clock times the put.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { nodeRequest } from '../container/src/media/node-http.ts';
import { TEST_SECRETS } from '../scripts/local-config.ts';
import { STORAGE_DEV_PATH, STORAGE_OBJECT_PATH, STORAGE_ORIGIN } from '../shared/processor/storage.ts';
import { newId } from '../src/core/ids.ts';
import { signReadUrl, signWriteUrl } from '../src/storage/media-token.ts';
import { startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '7' }, runs: { type: 'string', default: '9' } },
});
const SIZE = Math.round(Number(values.mb) * 1024 * 1024);
const RUNS = Math.max(1, Number(values.runs));
/** The processor yields its output in pieces of about this size (file reads, rewritten samples). */
const CHUNK = 64 * 1024;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Timed {
  ms: number;
  worker: number | null;
}

async function drain(res: IncomingMessage): Promise<number> {
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) n += chunk.length;
  return n;
}

const workerShare = (res: IncomingMessage) => {
  const match = /worker;dur=(\d+)/.exec(String(res.headers['server-timing'] ?? ''));
  return match ? Number(match[1]) : null;
};

async function put(url: string, body: Buffer): Promise<Timed> {
  const t = performance.now();
  const res = await nodeRequest(url, {
    method: 'PUT',
    headers: { 'content-type': 'video/mp4', 'content-length': String(body.length) },
    body: (function* () {
      for (let at = 0; at < body.length; at += CHUNK) yield body.subarray(at, at + CHUNK);
    })(),
    signal: undefined,
    idleMs: 60_000,
  });
  await drain(res);
  if ((res.statusCode ?? 0) >= 300) throw new Error(`PUT ${url.slice(0, 60)}…: ${res.statusCode}`);
  return { ms: performance.now() - t, worker: workerShare(res) };
}

async function get(url: string, range: string): Promise<Timed> {
  const t = performance.now();
  const res = await nodeRequest(url, { method: 'GET', headers: { range }, signal: undefined, idleMs: 60_000 });
  await drain(res);
  if ((res.statusCode ?? 0) >= 300) throw new Error(`GET: ${res.statusCode}`);
  return { ms: performance.now() - t, worker: workerShare(res) };
}

/** bench:media's counterpart: a plain server that takes the body and answers at once. */
async function plainServer(body: Buffer) {
  const server = createServer(async (req, res) => {
    await drain(req);
    if (req.method === 'PUT') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const [, from, to] = /bytes=(\d+)-(\d+)/.exec(String(req.headers.range)) ?? [];
    res.writeHead(206, { 'content-type': 'video/mp4' }).end(body.subarray(Number(from), Number(to) + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/object`, close: () => server.close() };
}

/** A bare Worker: `/memory` puts SIZE bytes made in the Worker, `/stream` puts the request body. */
const BARE_WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const size = Number(url.searchParams.get('size'));
    const started = Date.now();
    if (url.pathname === '/memory') await env.B.put('k', new Uint8Array(size));
    else if (url.pathname === '/buffered') await env.B.put('k', await request.arrayBuffer());
    else await env.B.put('k', request.body.pipeThrough(new FixedLengthStream(size)));
    return new Response('{}', { headers: { 'server-timing': 'worker;dur=' + (Date.now() - started) } });
  },
};`;

async function bareR2(body: Buffer): Promise<string[]> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: BARE_WORKER,
      r2Buckets: ['B'],
      compatibilityDate: '2025-01-01',
    }),
  );
  try {
    const base = String(await mf.ready).replace(/\/$/, '');
    const rows: string[] = [];
    for (const path of ['memory', 'buffered', 'stream']) {
      const url = `${base}/${path}?size=${body.length}`;
      const runs: Timed[] = [];
      await put(url, body);
      for (let i = 0; i < RUNS; i++) runs.push(await put(url, body));
      const worker = median(runs.map((r) => r.worker ?? 0));
      const total = median(runs.map((r) => r.ms));
      const what = {
        memory: 'R2 put of bytes made in the Worker',
        buffered: 'the body read into memory, then R2 put',
        stream: 'R2 put of the request body (as our handler)',
      }[path];
      rows.push(
        `| PUT ${values.mb} MiB | bare Worker: ${what} | ${total.toFixed(1)} | ${worker} | ${(total - worker).toFixed(1)} |`,
      );
      console.log(rows.at(-1));
    }
    return rows;
  } finally {
    await mf.dispose();
  }
}

async function main() {
  const body = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
  const stack = await startStack();
  const plain = await plainServer(body);
  try {
    const tenant = await stack.newTenant('bench-storage');
    const target = { kind: 'job_output', id: newId('job'), name: 'bench.mp4' } as const;
    // Storage-host capabilities signed as the Worker signs them (src/storage/media-token.ts).
    const signing = { URL_SIGNING_KEY: TEST_SECRETS.URL_SIGNING_KEY };
    const capability = { surface: 'storage', ttlSeconds: 3600 } as const;
    const write = await signWriteUrl(signing, tenant.profileId, target, {
      ...capability,
      maxBytes: SIZE,
      contentType: 'video/mp4',
    });
    const read = await signReadUrl(signing, tenant.profileId, target, capability);
    const runtime = await stack.runtimeUrl();
    const on = (base: string, url: string) => `${base}${STORAGE_DEV_PATH}${url.slice(STORAGE_ORIGIN.length)}`;
    if (!write.url.startsWith(`${STORAGE_ORIGIN}${STORAGE_OBJECT_PATH}`)) throw new Error('unexpected capability');
    const hops = [
      { name: 'plain Node server', put: plain.url, get: plain.url },
      { name: 'local runtime directly', put: on(runtime, write.url), get: on(runtime, read.url) },
      { name: 'Worker storage route', put: on(stack.workerUrl, write.url), get: on(stack.workerUrl, read.url) },
      { name: 'dev edge → Worker', put: on(stack.url, write.url), get: on(stack.url, read.url) },
    ];
    // Reads first: a read right after a burst of large writes would wait on local R2 catching up.
    const cases = [
      { name: 'GET 64 KiB range', run: (h: (typeof hops)[number]) => get(h.get, 'bytes=0-65535') },
      { name: 'GET 512 KiB range', run: (h: (typeof hops)[number]) => get(h.get, 'bytes=0-524287') },
      { name: `PUT ${values.mb} MiB`, run: (h: (typeof hops)[number]) => put(h.put, body) },
    ];
    // The object exists before the first read; one warm-up request per hop and case.
    await put(hops[1]!.put, body);
    const rows: string[] = [];
    for (const c of cases) {
      for (const hop of hops) {
        await c.run(hop);
        const runs: Timed[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await c.run(hop));
        const worker = runs.every((r) => r.worker !== null) ? median(runs.map((r) => r.worker!)) : null;
        const total = median(runs.map((r) => r.ms));
        rows.push(
          `| ${c.name} | ${hop.name} | ${total.toFixed(1)} | ${worker === null ? '—' : worker} | ${worker === null ? '—' : (total - worker).toFixed(1)} |`,
        );
        console.log(rows.at(-1));
      }
    }
    rows.push(...(await bareR2(body)));
    console.log(
      `\nload average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; medians of ${RUNS} runs\n`,
    );
    console.log('| Request | Through | Total ms | Worker ms (Server-Timing) | In front of the Worker ms |');
    console.log('|---|---|---|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    plain.close();
    await stack.stop();
  }
}

await main();
