/**
 * npm run bench:jobs:storage [-- --mb 6 --runs 9] — where the processor's storage time goes on the
 * local stack, hop by hop (issue 17: a smart extract's upload and its source's moov read cost more
 * through the whole stack than against bench:media's plain file server).
 *
 * The same client the processor uses (container/src/media/node-http.ts), the same body, against:
 * - a plain Node server that drops the body (what loopback HTTP itself costs: bench:media's case);
 * - the dev Worker's storage route directly (wrangler's runtime: its proxy worker, our handler, local R2);
 * - the same route through the dev edge (scripts/dev-edge.ts), as the processor reaches it.
 * For each request to the Worker, its own share (`Server-Timing: worker`, set by the dev storage
 * route: for a write, the body streamed into local R2 — the Workers clock moves only across I/O).
 * Writes: one PUT of the whole body (an output up to the part size). Reads: a 64 KiB range at the
 * start (a box walk's first read) and a 1 MiB range (a moov). Medians over `--runs`.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { nodeRequest } from '../container/src/media/node-http.ts';
import { TEST_SECRETS } from '../scripts/local-config.ts';
import { STORAGE_DEV_PATH, STORAGE_OBJECT_PATH, STORAGE_ORIGIN } from '../shared/processor/storage.ts';
import { newId } from '../src/core/ids.ts';
import type { ProfileScope } from '../src/db/scope.ts';
import { signedMediaUrl, signedUploadUrl } from '../src/storage/signed-urls.ts';
import { startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '6' }, runs: { type: 'string', default: '9' } },
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

async function main() {
  const body = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
  const stack = await startStack();
  const plain = await plainServer(body);
  try {
    const tenant = await stack.newTenant('bench-storage');
    // The Worker's own signer, with the stack's key: capabilities as io.ts issues them.
    const env = { URL_SIGNING_KEY: TEST_SECRETS.URL_SIGNING_KEY, PUBLIC_URL: '' };
    const scope = { profileId: tenant.profileId } as unknown as ProfileScope;
    const target = { kind: 'job_output' as const, id: newId('job'), name: 'bench.mp4' };
    const write = await signedUploadUrl(env, scope, target, {
      surface: 'storage',
      maxBytes: SIZE,
      contentType: 'video/mp4',
    });
    const read = await signedMediaUrl(env, scope, target, { surface: 'storage' });
    const on = (base: string, url: string) => `${base}${STORAGE_DEV_PATH}${url.slice(STORAGE_ORIGIN.length)}`;
    if (!write.url.startsWith(`${STORAGE_ORIGIN}${STORAGE_OBJECT_PATH}`)) throw new Error('unexpected capability');
    const hops = [
      { name: 'plain Node server', put: plain.url, get: plain.url },
      { name: 'Worker storage route', put: on(stack.workerUrl, write.url), get: on(stack.workerUrl, read.url) },
      { name: 'dev edge → Worker', put: on(stack.url, write.url), get: on(stack.url, read.url) },
    ];
    const cases = [
      { name: `PUT ${values.mb} MiB`, run: (h: (typeof hops)[number]) => put(h.put, body) },
      { name: 'GET 64 KiB range', run: (h: (typeof hops)[number]) => get(h.get, 'bytes=0-65535') },
      { name: 'GET 1 MiB range', run: (h: (typeof hops)[number]) => get(h.get, 'bytes=1048576-2097151') },
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
