/**
 * A URL import longer than one queue delivery: with a 1 s delivery budget
 * (`JOB_CONSUMER_BUDGET_SECONDS`), the delivery that stored a part after its time ran out hands the
 * job on (no retry spent), and the next delivery asks the origin only for the bytes after that part.
 */
import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IMPORT_PART_BYTES } from '../../src/core/limits.ts';
import { makeVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
let origin: Server;
let originUrl: string;
let large: Uint8Array;
const ranges: (string | null)[] = [];

beforeAll(async () => {
  large = await readWhole(await makeVideo({ width: 640, height: 360, duration: 10, fps: 25, noise: true }));
  expect(large.length).toBeGreaterThan(2 * IMPORT_PART_BYTES);
  const etag = `"${createHash('sha256').update(large).digest('hex').slice(0, 16)}"`;
  origin = createServer((req, res) => {
    ranges.push(req.headers.range ?? null);
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    res.writeHead(start ? 206 : 200, {
      'content-type': 'video/mp4',
      etag,
      'content-length': String(large.length - start),
      ...(start ? { 'content-range': `bytes ${start}-${large.length - 1}/${large.length}` } : {}),
    });
    if (start) return void res.end(large.subarray(start));
    // The first answer pauses inside its first part, so that part is stored after the 1 s budget.
    res.write(large.subarray(0, IMPORT_PART_BYTES / 2), () =>
      setTimeout(() => res.end(large.subarray(IMPORT_PART_BYTES / 2)), 1500),
    );
  });
  originUrl = await new Promise<string>((resolve) =>
    origin.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`)),
  );
  stack = await startStack({ vars: { JOB_CONSUMER_BUDGET_SECONDS: '1' } });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  origin?.closeAllConnections();
  origin?.close();
});

it('hands a long import to the next delivery, which continues with a Range request', async () => {
  const t = await stack.newTenant();
  const api = stack.api(t);
  const created = await api('/api/v1/segments/source-videos/imports', {
    json: { url: `${originUrl}/long.mp4`, name: 'Long import' },
  });
  expect(created.status, created.text).toBe(202);
  const job = await stack.waitForJob(t, created.body.job_id, { timeoutMs: 150_000 });
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  // Handed on, never retried: no attempt failed.
  expect(job.attempts).toBe(1);
  expect(ranges[0]).toBeNull();
  expect(ranges[1]).toBe(`bytes=${IMPORT_PART_BYTES}-`);
  const [row] = stack.d1<{ handoffs: number }>('SELECT handoffs FROM jobs WHERE id = ?', created.body.job_id);
  expect(row!.handoffs).toBeGreaterThanOrEqual(1);
  const video = (await api(`/api/v1/segments/source-videos/${created.body.source_video.id}`)).body;
  expect(video).toMatchObject({ status: 'ready', file_size_bytes: large.length });
  const stored = await stack.fetchUrl(video.stream_url);
  expect(createHash('sha256').update(stored.bytes).digest('hex')).toBe(
    createHash('sha256').update(large).digest('hex'),
  );
});
