/**
 * The dev edge (scripts/dev-edge.ts) in front of the local Worker: request bodies over the
 * platform's limit are refused before they reach the Worker, everything else passes unchanged.
 * A plain Node server stands in for the Worker here; the whole stack behind the edge is tested in
 * large-output.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DevEdge, startDevEdge } from '../../scripts/dev-edge.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../src/core/limits.ts';

interface Seen {
  method: string;
  url: string;
  bytes: number;
  sha256: string;
  complete: boolean;
}

let worker: Server;
let edge: DevEdge;
const seen: Seen[] = [];
const logged: string[] = [];

beforeAll(async () => {
  worker = createServer((req, res) => {
    const hash = createHash('sha256');
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', bytes: 0, sha256: '', complete: false };
    seen.push(entry);
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      entry.complete = true;
      entry.sha256 = hash.digest('hex');
      res.writeHead(201, { 'content-type': 'application/json', 'x-worker': 'yes' });
      res.end(JSON.stringify({ bytes: entry.bytes, sha256: entry.sha256 }));
    });
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
  edge = await startDevEdge({
    upstream: `http://127.0.0.1:${(worker.address() as AddressInfo).port}`,
    log: (line) => logged.push(line),
  });
});

afterAll(async () => {
  await edge?.close();
  worker?.closeAllConnections();
  await new Promise<void>((resolve) => worker?.close(() => resolve()));
});

/** Sends only the headers of a PUT; resolves with the status and body once answered. */
function announce(path: string, headers: Record<string, string | number>) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${edge.url}${path}`, { method: 'PUT', headers });
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

it('passes bodies up to the limit to the Worker byte for byte, and its answer back', async () => {
  const body = randomBytes(3 * 1024 * 1024 + 7);
  const res = await fetch(`${edge.url}/media/abc?x=1`, { method: 'PUT', body });
  expect(res.status).toBe(201);
  expect(res.headers.get('x-worker')).toBe('yes');
  expect(await res.json()).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/media/abc?x=1', complete: true });
  expect(edge.stats.largestBody).toBe(body.length);
  expect(edge.stats.refused).toEqual([]);
});

it('refuses a body announced over 100 MB with 413 before any of it reaches the Worker, and logs it', async () => {
  const before = seen.length;
  const token = 'a'.repeat(60);
  const res = await announce(`/internal/storage/v1/objects/${token}`, { 'content-length': MAX_REQUEST_BODY_BYTES + 1 });
  expect(res.status).toBe(413);
  expect(JSON.parse(res.text).error.code).toBe('payload_too_large');
  expect(seen.length).toBe(before);
  expect(edge.stats.refused).toEqual([
    { method: 'PUT', path: '/internal/storage/v1/objects/aaaaaaaa…', bytes: MAX_REQUEST_BODY_BYTES + 1 },
  ]);
  expect(logged.at(-1)).toContain('[edge] 413 PUT /internal/storage/v1/objects/aaaaaaaa…');
  expect(logged.at(-1)).not.toContain(token);
});

it('cuts off a chunked body as soon as it passes the limit', async () => {
  const small = await startDevEdge({
    upstream: `http://127.0.0.1:${(worker.address() as AddressInfo).port}`,
    limit: 1000,
    log: () => undefined,
  });
  try {
    const before = seen.length;
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(`${small.url}/api/v1/upload`, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } });
      req.on('response', (answer) => {
        resolve(answer.statusCode ?? 0);
        answer.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(600));
      req.write(Buffer.alloc(600));
    });
    expect(res).toBe(413);
    expect(small.stats.refused).toEqual([{ method: 'PUT', path: '/api/v1/upload', bytes: 1200 }]);
    // The Worker may have seen the start of it, never its end.
    expect(seen.slice(before).every((s) => !s.complete && s.bytes <= 1000)).toBe(true);
    expect(small.stats.largestBody).toBe(0);
  } finally {
    await small.close();
  }
});
