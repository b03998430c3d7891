/**
 * The range gateway: ffmpeg never talks to the network. Each operation registers its input URLs
 * (already checked against the origin allow-list) and hands ffmpeg a loopback URL instead. The
 * gateway answers each of ffmpeg's reads with a bounded piece (ffmpeg, run with -reconnect, asks
 * again for the next one), served from a per-operation cache of byte ranges that are fetched
 * upstream with exact Range requests and streamed through as they arrive. So:
 * - abandoned reads (after a header, at a seek, at the end of a cut) cost at most one chunk, not
 *   whatever socket buffers had already pulled in (megabytes per connection on an open-ended GET);
 * - ffmpeg re-reading what ffprobe just read (the MP4 index, the seek point) costs nothing;
 * - an operation can say what it is about to read: a byte range (`expectRead`: a cut comes in one
 *   request) or the whole input (`expectWholeRead`: the next chunk is fetched while ffmpeg works on
 *   this one, so download and processing overlap).
 * Upstream requests never follow redirects; the loopback URLs carry an unguessable token.
 *
 * The processor's own MP4 code reads through the same session (`bytes(url)`): header reads share
 * the cache with ffmpeg (a fallback to ffmpeg re-reads nothing), and data is streamed uncached.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProcessorFailure } from '../errors.ts';
import type { ByteSource } from '../mp4/byte-source.ts';
import { nodeRequest } from './node-http.ts';
import { connectionUrl } from './storage-route.ts';

/** First fetch of a read without a hint; later fetches double up to MAX_CHUNK while sequential. */
const FIRST_CHUNK = 512 * 1024;
const MAX_CHUNK = 8 * 1024 * 1024;
/** Largest single fetch for a hinted region (a long cut comes in several). */
const MAX_HINTED_CHUNK = 32 * 1024 * 1024;
/** Per-operation cache budget (least recently used finished chunks go first): above any one chunk. */
const CACHE_BYTES = 96 * 1024 * 1024;
/** Answer ffmpeg once this much is there (or the chunk is complete), at most DOWNSTREAM_MAX. */
const DOWNSTREAM_MIN = 256 * 1024;
const DOWNSTREAM_MAX = 8 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 60_000;

interface Chunk {
  start: number;
  /** Bytes this chunk will hold (known once the response headers arrive; the ask until then). */
  length: number;
  data: Buffer;
  received: number;
  done: boolean;
  failed: boolean;
  lastUsed: number;
  waiters: (() => void)[];
}

interface Upstream {
  url: string;
  size: number | null;
  chunks: Chunk[];
  /** A region the operation is about to read: fetched in one request. */
  hint: { position: number; bytes: number } | null;
  /** The operation reads all of it: keep one chunk ahead of ffmpeg. */
  readAhead: boolean;
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
  /** The operation reads `url` from start to end: fetch ahead of ffmpeg. */
  expectWholeRead(url: string): void;
  /** In-process reads of `url` (cached header reads, uncached data streams). */
  bytes(url: string): ByteSource;
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
  if (status === 404 || status === 410)
    return new ProcessorFailure('input_unreachable', `The input URL answered ${status} (expired or unknown)`);
  if (status === 401 || status === 403)
    return new ProcessorFailure(
      'input_unreachable',
      `The input URL was refused (${status}); its signature may have expired`,
    );
  return new ProcessorFailure('input_unreachable', `The media server answered ${status}`);
}

function wake(chunk: Chunk): void {
  const waiters = chunk.waiters;
  chunk.waiters = [];
  for (const resolve of waiters) resolve();
}

/** Waits until the chunk holds `bytes` (from its start), or is complete, or failed. */
async function waitFor(chunk: Chunk, bytes: number): Promise<void> {
  while (!chunk.done && !chunk.failed && chunk.received < Math.min(bytes, chunk.length)) {
    await new Promise<void>((resolve) => chunk.waiters.push(resolve));
  }
}

function evict(upstream: Upstream): void {
  let cached = upstream.chunks.reduce((sum, c) => sum + c.length, 0);
  while (cached > CACHE_BYTES) {
    let oldest: Chunk | null = null;
    for (const chunk of upstream.chunks)
      if (chunk.done && (!oldest || chunk.lastUsed < oldest.lastUsed)) oldest = chunk;
    if (!oldest) return;
    upstream.chunks.splice(upstream.chunks.indexOf(oldest), 1);
    cached -= oldest.length;
  }
}

/**
 * Starts fetching exactly [start, start + length) (clipped to the size) and returns the chunk at
 * once; its bytes fill in as they arrive. Resolves `headers` when the size is known.
 */
function startFetch(
  upstream: Upstream,
  start: number,
  length: number,
  signal: AbortSignal,
): { chunk: Chunk; headers: Promise<void> } {
  const ask = upstream.size === null ? length : Math.max(0, Math.min(length, upstream.size - start));
  const chunk: Chunk = {
    start,
    length: ask,
    data: Buffer.alloc(0),
    received: 0,
    done: false,
    failed: false,
    lastUsed: ++clock,
    waiters: [],
  };
  upstream.chunks.push(chunk);
  upstream.lastFetch = { end: start + ask, size: length };
  upstream.requests++;
  const fail = (failure: ProcessorFailure) => {
    upstream.failure ??= failure;
    chunk.failed = true;
    upstream.chunks.splice(upstream.chunks.indexOf(chunk), 1);
    wake(chunk);
  };
  let headersKnown: () => void = () => {};
  const headers = new Promise<void>((resolve) => (headersKnown = resolve));
  void (async () => {
    let res: Response;
    try {
      res = await fetch(connectionUrl(upstream.url), {
        headers: { range: `bytes=${start}-${start + ask - 1}` },
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]),
      });
    } catch (err) {
      fail(
        new ProcessorFailure(
          'input_unreachable',
          `The input could not be fetched: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      headersKnown();
      return;
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (res.status === 416) {
      // Asked past the end (an empty object, or a size not known yet): learn the size.
      const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      upstream.size = total ? Number(total[1]) : 0;
      chunk.length = 0;
      chunk.done = true;
    } else if (res.status === 206 && range && Number(range[1]) === start) {
      if (range[3] !== '*') upstream.size = Number(range[3]);
      chunk.length = Number(range[2]) - start + 1;
    } else if (res.status === 200 && start === 0) {
      // A server without Range support: take what was asked from the start of the body.
      const total = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(total)) upstream.size = total;
      chunk.length = Number.isFinite(total) ? Math.min(ask, total) : ask;
    } else {
      await res.body?.cancel().catch(() => undefined);
      fail(
        res.status === 206
          ? new ProcessorFailure('input_unreachable', 'The media server answered a different range than asked')
          : failureFor(res.status),
      );
      headersKnown();
      return;
    }
    chunk.data = Buffer.alloc(chunk.length);
    headersKnown();
    if (chunk.done) {
      await res.body?.cancel().catch(() => undefined);
      wake(chunk);
      return;
    }
    const reader = res.body?.getReader();
    try {
      while (reader && chunk.received < chunk.length) {
        const { done, value } = await reader.read();
        if (done) break;
        const take = Math.min(value.length, chunk.length - chunk.received);
        chunk.data.set(value.subarray(0, take), chunk.received);
        chunk.received += take;
        upstream.bytes += take;
        wake(chunk);
      }
      await reader?.cancel().catch(() => undefined);
    } catch (err) {
      fail(
        new ProcessorFailure(
          'input_unreachable',
          `The input read broke off: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      return;
    }
    if (chunk.received < chunk.length) {
      if (res.status === 200 && upstream.size === null) {
        upstream.size = chunk.received;
        chunk.length = chunk.received;
      } else {
        fail(new ProcessorFailure('input_unreachable', 'The media server sent less than the range it announced'));
        return;
      }
    }
    chunk.done = true;
    wake(chunk);
    evict(upstream);
  })();
  return { chunk, headers };
}

/** The chunk holding (or about to hold) `position`. */
function chunkAt(upstream: Upstream, position: number): Chunk | null {
  for (const chunk of upstream.chunks) {
    if (position >= chunk.start && position < chunk.start + chunk.length) {
      chunk.lastUsed = ++clock;
      return chunk;
    }
  }
  return null;
}

/** Size of the next upstream fetch at `position`: the operation's hint, or doubling while sequential. */
function nextChunkSize(upstream: Upstream, position: number): number {
  let size = FIRST_CHUNK;
  const hint = upstream.hint;
  if (hint && position >= hint.position - FIRST_CHUNK && position < hint.position + hint.bytes) {
    size = Math.min(MAX_HINTED_CHUNK, Math.max(FIRST_CHUNK, hint.position + hint.bytes - position));
  } else if (upstream.lastFetch && position === upstream.lastFetch.end) {
    size = Math.min(MAX_CHUNK, upstream.lastFetch.size * 2);
  } else if (upstream.readAhead) {
    size = MAX_CHUNK;
  }
  // Never fetch what a chunk further on already holds.
  for (const chunk of upstream.chunks) {
    if (chunk.start > position && chunk.start < position + size) size = chunk.start - position;
  }
  return size;
}

/** For whole reads: make sure the chunk after `chunk` is on its way. */
function readAhead(upstream: Upstream, chunk: Chunk, signal: AbortSignal): void {
  const next = chunk.start + chunk.length;
  if (!upstream.readAhead || upstream.size === null || next >= upstream.size || chunkAt(upstream, next)) return;
  startFetch(upstream, next, nextChunkSize(upstream, next), signal);
}

/** A data stream stalls this long without a byte: the read fails (a long stream may take longer in all). */
const STREAM_IDLE_TIMEOUT_MS = 60_000;

/** [position, position + length) through the cache (fetching what is missing), fewer bytes only at the end. */
async function readCached(upstream: Upstream, position: number, length: number, signal: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  const end = position + length;
  let at = position;
  while (at < end && (upstream.size === null || at < upstream.size)) {
    let chunk = chunkAt(upstream, at);
    if (!chunk) {
      let size = Math.min(MAX_HINTED_CHUNK, Math.max(end - at, 1));
      for (const other of upstream.chunks) if (other.start > at && other.start < at + size) size = other.start - at;
      const started = startFetch(upstream, at, size, signal);
      await started.headers;
      if (started.chunk.failed)
        throw upstream.failure ?? new ProcessorFailure('input_unreachable', 'The input could not be fetched');
      chunk = started.chunk;
    }
    const want = Math.min(end, chunk.start + chunk.length) - chunk.start;
    await waitFor(chunk, want);
    if (chunk.failed)
      throw upstream.failure ?? new ProcessorFailure('input_unreachable', 'The input could not be fetched');
    const got = Math.min(want, chunk.received);
    if (got <= at - chunk.start) break;
    parts.push(chunk.data.subarray(at - chunk.start, got));
    at = chunk.start + got;
    if (got < want) break;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Exactly [position, position + length) straight from upstream as it arrives (one request, not cached). */
async function* streamUncached(
  upstream: Upstream,
  position: number,
  length: number,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  if (length <= 0) return;
  const fail = (failure: ProcessorFailure) => {
    upstream.failure ??= failure;
    return failure;
  };
  upstream.requests++;
  let res: IncomingMessage;
  try {
    res = await nodeRequest(upstream.url, {
      method: 'GET',
      headers: { range: `bytes=${position}-${position + length - 1}` },
      signal,
      idleMs: STREAM_IDLE_TIMEOUT_MS,
    });
  } catch (err) {
    throw fail(
      new ProcessorFailure(
        'input_unreachable',
        `The input could not be fetched: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
  }
  try {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
    const exact =
      res.statusCode === 206 && range && Number(range[1]) === position && Number(range[2]) === position + length - 1;
    if (!exact && !(res.statusCode === 200 && position === 0)) {
      const status = res.statusCode ?? 0;
      throw fail(
        status === 206 || status === 416
          ? new ProcessorFailure('input_unreachable', 'The media server answered a different range than asked')
          : failureFor(status),
      );
    }
    let received = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        const piece = chunk.length > length - received ? chunk.subarray(0, length - received) : chunk;
        received += piece.length;
        upstream.bytes += piece.length;
        yield piece;
        if (received >= length) break;
      }
    } catch (err) {
      if (err instanceof ProcessorFailure) throw err;
      throw fail(
        new ProcessorFailure(
          'input_unreachable',
          `The input read broke off: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
    if (received < length)
      throw fail(new ProcessorFailure('input_unreachable', 'The media server sent less than the range it announced'));
  } finally {
    res.destroy();
  }
}

/**
 * One ffmpeg read request: a bounded 206 from the chunk holding the position (fetched if needed),
 * sent once DOWNSTREAM_MIN bytes are there or the chunk is complete.
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
  let chunk = upstream.size !== null && position >= upstream.size ? null : chunkAt(upstream, position);
  if (!chunk && (upstream.size === null || position < upstream.size)) {
    const started = startFetch(upstream, position, nextChunkSize(upstream, position), session.controller.signal);
    await started.headers;
    chunk = started.chunk.failed ? null : started.chunk;
    if (!chunk && upstream.failure) {
      const status = /answered (\d{3})/.exec(upstream.failure.message)?.[1];
      res.writeHead(status ? Number(status) : 502).end();
      return;
    }
  }
  const total = upstream.size ?? 0;
  if (total === 0 && upstream.size !== null) {
    // An empty object is not a transport error: let the demuxer see an empty file.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 0 }).end();
    return;
  }
  if (!chunk || position >= total) {
    res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
    return;
  }
  readAhead(upstream, chunk, session.controller.signal);
  const offset = position - chunk.start;
  await waitFor(chunk, offset + DOWNSTREAM_MIN);
  if (chunk.failed || chunk.received <= offset) {
    res.destroy();
    return;
  }
  const wantedEnd = range[2] ? Number(range[2]) + 1 : total;
  const body = chunk.data.subarray(offset, Math.min(chunk.received, offset + DOWNSTREAM_MAX, wantedEnd - chunk.start));
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
  /** The upstream's index in the session, registering it on first use. */
  const register = (url: string) => {
    const index = session.upstreams.findIndex((u) => u.url === url);
    if (index >= 0) return index;
    return (
      session.upstreams.push({
        url,
        size: null,
        chunks: [],
        hint: null,
        readAhead: false,
        lastFetch: null,
        failure: null,
        requests: 0,
        bytes: 0,
      }) - 1
    );
  };
  return {
    localUrl(url) {
      if (!gatewayOrigin) throw new ProcessorFailure('internal', 'the range gateway is not started');
      return `${gatewayOrigin}/${session.token}/${register(url)}`;
    },
    expectRead(url, position, bytes) {
      const upstream = find(url);
      if (upstream) upstream.hint = { position: Math.max(0, Math.floor(position)), bytes: Math.ceil(bytes) };
    },
    expectWholeRead(url) {
      const upstream = find(url);
      if (upstream) upstream.readAhead = true;
    },
    bytes(url) {
      const upstream = session.upstreams[register(url)]!;
      const signal = session.controller.signal;
      return {
        read: (position, length) => readCached(upstream, position, length, signal),
        size: () => upstream.size,
        stream: (position, length) => streamUncached(upstream, position, length, signal),
      };
    },
    failure() {
      return session.upstreams.find((u) => u.failure)?.failure ?? null;
    },
    totals() {
      return session.upstreams.reduce((t, u) => ({ requests: t.requests + u.requests, bytes: t.bytes + u.bytes }), {
        requests: 0,
        bytes: 0,
      });
    },
    close() {
      session.controller.abort();
      sessions.delete(session.token);
    },
  };
}
