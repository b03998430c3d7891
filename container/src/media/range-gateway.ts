/**
 * The range gateway: ffmpeg never talks to the network. Each operation registers its input URLs
 * (already checked against the origin allow-list) and hands ffmpeg a loopback URL instead. The
 * gateway answers each of ffmpeg's reads with a bounded piece (ffmpeg asks again for more), served
 * from a small per-operation cache or from one exact Range request upstream, so:
 * - abandoned reads (after a header, at a seek, at the end of a cut) cost at most one chunk, not
 *   whatever socket buffers had already pulled in (megabytes per connection on an open-ended GET);
 * - ffmpeg re-reading what ffprobe just read (the MP4 index, the seek point) costs nothing;
 * - an operation can say how much it is about to read (`expectRead`), so a cut is one request.
 * Upstream requests never follow redirects; the loopback URLs carry an unguessable token.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProcessorFailure } from '../errors.ts';

/** First fetch of a read without a hint; later fetches double up to MAX_CHUNK. */
const FIRST_CHUNK = 512 * 1024;
const MAX_CHUNK = 8 * 1024 * 1024;
/** Per-operation cache budget (least recently used chunks go first). */
const CACHE_BYTES = 48 * 1024 * 1024;
/** Largest answer to one ffmpeg request (local, so small answers are cheap). */
const DOWNSTREAM_MAX = 8 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 60_000;

interface Chunk {
  start: number;
  data: Buffer;
  lastUsed: number;
}

interface Upstream {
  url: string;
  size: number | null;
  chunks: Chunk[];
  cached: number;
  /** A region the operation is about to read (set by the operation): fetched in one request. */
  hint: { position: number; bytes: number } | null;
  /** The last upstream fetch, to grow fetches while ffmpeg reads sequentially. */
  lastFetch: { end: number; size: number } | null;
  failure: ProcessorFailure | null;
  requests: number;
  bytes: number;
}

interface Session {
  token: string;
  upstreams: Upstream[];
  controller: AbortController;
}

export interface GatewayStats {
  requests: number;
  bytes: number;
}

export interface GatewaySession {
  /** A loopback URL ffmpeg can read `url` through (the gateway must be started). */
  localUrl(url: string): string;
  /** The operation is about to read `bytes` from byte `position` of `url`: fetch them in one request. */
  expectRead(url: string, position: number, bytes: number): void;
  /** The upstream failure behind an ffmpeg read error, if there was one. */
  failure(): ProcessorFailure | null;
  /** Upstream requests and bytes over all inputs of the operation. */
  totals(): GatewayStats;
  close(): void;
}

const sessions = new Map<string, Session>();
let gatewayOrigin: string | null = null;
let clock = 0;

function failureFor(status: number): ProcessorFailure {
  if (status === 404 || status === 410) return new ProcessorFailure('input_unreachable', `The input URL answered ${status} (expired or unknown)`);
  if (status === 401 || status === 403) return new ProcessorFailure('input_unreachable', `The input URL was refused (${status}); its signature may have expired`);
  return new ProcessorFailure('input_unreachable', `The media server answered ${status}`);
}

/** Fetches exactly [start, start + length) (clipped to the size), learning the size on the way. */
async function fetchRange(upstream: Upstream, start: number, length: number, signal: AbortSignal): Promise<Buffer> {
  const end = upstream.size === null ? start + length - 1 : Math.min(upstream.size - 1, start + length - 1);
  upstream.requests++;
  let res: Response;
  try {
    res = await fetch(upstream.url, {
      headers: { range: `bytes=${start}-${end}` },
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]),
    });
  } catch (err) {
    upstream.failure ??= new ProcessorFailure('input_unreachable', `The input could not be fetched: ${err instanceof Error ? err.message : String(err)}`);
    throw upstream.failure;
  }
  if (res.status === 416 && upstream.size === null) {
    // Asked past the end of an empty (or shorter) object: learn its size from the header.
    const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    upstream.size = total ? Number(total[1]) : 0;
    await res.body?.cancel();
    return Buffer.alloc(0);
  }
  if (res.status !== 206 && !(res.status === 200 && start === 0)) {
    await res.body?.cancel().catch(() => undefined);
    upstream.failure ??= failureFor(res.status);
    throw upstream.failure;
  }
  if (res.status === 206) {
    const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!match || Number(match[1]) !== start) {
      await res.body?.cancel().catch(() => undefined);
      upstream.failure ??= new ProcessorFailure('input_unreachable', 'The media server answered a different range than asked');
      throw upstream.failure;
    }
    if (match[3] !== '*') upstream.size = Number(match[3]);
  } else {
    const total = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(total)) upstream.size = total;
  }
  // Read no more than asked, even from a server that ignored the range.
  const wanted = end - start + 1;
  const parts: Buffer[] = [];
  let got = 0;
  const reader = res.body?.getReader();
  if (reader) {
    while (got < wanted) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(Buffer.from(value));
      got += value.length;
    }
    await reader.cancel().catch(() => undefined);
  }
  const data = Buffer.concat(parts).subarray(0, wanted);
  upstream.bytes += data.length;
  if (res.status === 200 && upstream.size === null) upstream.size = data.length < wanted ? data.length : null;
  return data;
}

function remember(upstream: Upstream, start: number, data: Buffer): void {
  if (data.length === 0) return;
  upstream.chunks.push({ start, data, lastUsed: ++clock });
  upstream.cached += data.length;
  while (upstream.cached > CACHE_BYTES && upstream.chunks.length > 1) {
    let oldest = 0;
    for (let i = 1; i < upstream.chunks.length; i++) if (upstream.chunks[i]!.lastUsed < upstream.chunks[oldest]!.lastUsed) oldest = i;
    upstream.cached -= upstream.chunks[oldest]!.data.length;
    upstream.chunks.splice(oldest, 1);
  }
}

function cachedAt(upstream: Upstream, position: number): Buffer | null {
  for (const chunk of upstream.chunks) {
    if (position >= chunk.start && position < chunk.start + chunk.data.length) {
      chunk.lastUsed = ++clock;
      return chunk.data.subarray(position - chunk.start);
    }
  }
  return null;
}

/** Size of the next upstream fetch at `position`: the operation's hint, or doubling while sequential. */
function nextChunkSize(upstream: Upstream, position: number): number {
  let size = FIRST_CHUNK;
  const hint = upstream.hint;
  if (hint && position >= hint.position - FIRST_CHUNK && position < hint.position + hint.bytes) {
    size = Math.max(FIRST_CHUNK, hint.position + hint.bytes - position);
  } else if (upstream.lastFetch && position === upstream.lastFetch.end) {
    size = Math.min(MAX_CHUNK, upstream.lastFetch.size * 2);
  }
  // Never fetch what a cached chunk further on already holds.
  for (const chunk of upstream.chunks) {
    if (chunk.start > position && chunk.start < position + size) size = chunk.start - position;
  }
  return size;
}

/**
 * One ffmpeg read request. The answer is a bounded 206 (at most DOWNSTREAM_MAX bytes, from the cache
 * or one upstream fetch), never the rest of the file: ffmpeg (run with -reconnect) asks again for
 * the next range when it wants more, so nothing is fetched ahead of what it actually reads.
 */
async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, token, index] = (req.url ?? '').split('/');
  const session = token ? sessions.get(token) : undefined;
  const upstream = session?.upstreams[Number(index)];
  if (!session || !upstream || req.method !== 'GET') {
    res.writeHead(404).end();
    return;
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? 'bytes=0-');
  if (!range) {
    res.writeHead(416).end();
    return;
  }
  const position = Number(range[1]);
  let data = upstream.size !== null && position >= upstream.size ? Buffer.alloc(0) : cachedAt(upstream, position);
  if (!data) {
    const size = nextChunkSize(upstream, position);
    try {
      data = await fetchRange(upstream, position, size, session.controller.signal);
    } catch (err) {
      const status = err instanceof ProcessorFailure ? /answered (\d{3})/.exec(err.message)?.[1] : undefined;
      res.writeHead(status ? Number(status) : 502).end();
      return;
    }
    upstream.lastFetch = { end: position + data.length, size };
    remember(upstream, position, data);
  }
  const total = upstream.size ?? position + data.length;
  if (total === 0) {
    // An empty object is not a transport error: let the demuxer see an empty file.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 0 }).end();
    return;
  }
  if (position >= total) {
    res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
    return;
  }
  const wantedEnd = range[2] ? Number(range[2]) + 1 : total;
  const body = data.subarray(0, Math.min(DOWNSTREAM_MAX, wantedEnd - position));
  res.writeHead(206, {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'content-length': body.length,
    'content-range': `bytes ${position}-${position + body.length - 1}/${total}`,
  });
  res.end(body);
}

/** Starts the loopback listener (once per process, before the first operation). */
export async function startGateway(): Promise<string> {
  if (gatewayOrigin) return gatewayOrigin;
  const server: Server = createServer((req, res) => {
    serve(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  gatewayOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gatewayOrigin;
}

export function openGatewaySession(): GatewaySession {
  const session: Session = { token: randomBytes(16).toString('hex'), upstreams: [], controller: new AbortController() };
  sessions.set(session.token, session);
  const find = (url: string) => session.upstreams.find((u) => u.url === url);
  return {
    localUrl(url) {
      if (!gatewayOrigin) throw new ProcessorFailure('internal', 'the range gateway is not started');
      let index = session.upstreams.findIndex((u) => u.url === url);
      if (index < 0) {
        index = session.upstreams.push({ url, size: null, chunks: [], cached: 0, hint: null, lastFetch: null, failure: null, requests: 0, bytes: 0 }) - 1;
      }
      return `${gatewayOrigin}/${session.token}/${index}`;
    },
    expectRead(url, position, bytes) {
      const upstream = find(url);
      if (upstream) upstream.hint = { position: Math.max(0, Math.floor(position)), bytes: Math.ceil(bytes) };
    },
    failure() {
      return session.upstreams.find((u) => u.failure)?.failure ?? null;
    },
    totals() {
      return session.upstreams.reduce((t, u) => ({ requests: t.requests + u.requests, bytes: t.bytes + u.bytes }), { requests: 0, bytes: 0 });
    },
    close() {
      session.controller.abort();
      sessions.delete(session.token);
    },
  };
}
