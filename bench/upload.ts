/**
 * npm run bench:upload [-- --bytes 2147483648 --part-mib 16 --concurrency 4]
 *
 * Uploads generated streams through the running Worker (wrangler's local runtime, real local R2)
 * and reports throughput and the Worker runtime's memory (workerd RSS, sampled every 50 ms):
 * 1. a resumable multipart upload of a 2 GiB stream (signed part URLs, parallel PUTs), then complete;
 * 2. a single signed PUT of 95 MB;
 * 3. the original form upload (multipart/form-data, streamed through the parser) of 95 MB.
 * Memory that stays flat while gigabytes pass is the point: bodies stream into R2, never buffer.
 * A benchmark, not a test: figures vary with the machine; they are recorded in docs/uploads.md.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type HttpResult, type Stack, type Tenant, startStack } from '../test/e2e/helpers/stack.ts';

const { values } = parseArgs({
  options: {
    bytes: { type: 'string', default: String(2 * 1024 ** 3) },
    'part-mib': { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '4' },
    'single-bytes': { type: 'string', default: String(95_000_000) },
  },
});
const TOTAL = Number(values.bytes);
const PART = Number(values['part-mib']) * 1024 * 1024;
const CONCURRENCY = Number(values.concurrency);
const SINGLE = Number(values['single-bytes']);
const BASE = '/api/v1/segments/source-videos';
const MB = 1_000_000;

/** A part's bytes: an MP4-looking header on part 1 (so completion's magic-byte check passes). */
const pattern = new Uint8Array(PART);
for (let i = 0, x = 1; i < PART; i++) {
  x = (x * 1103515245 + 12345) >>> 0;
  pattern[i] = x >>> 24;
}
const FTYP = [
  0,
  0,
  0,
  0x18,
  ...Array.from('ftypisom', (c) => c.charCodeAt(0)),
  0,
  0,
  2,
  0,
  ...Array.from('isomiso2', (c) => c.charCodeAt(0)),
];
function partBytes(partNumber: number, size: number): Uint8Array<ArrayBuffer> {
  const out = pattern.slice(0, size);
  out[size - 1] = partNumber & 0xff;
  if (partNumber === 1) out.set(FTYP);
  return out;
}

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Samples the RSS of each workerd process until stopped; reports baseline and peak per process. */
function sampleMemory(pids: number[]) {
  const baseline = new Map(pids.map((p) => [p, rssKb(p)]));
  const peak = new Map(baseline);
  const timer = setInterval(() => {
    for (const p of pids) peak.set(p, Math.max(peak.get(p) ?? 0, rssKb(p)));
  }, 50);
  return () => {
    clearInterval(timer);
    for (const p of pids) peak.set(p, Math.max(peak.get(p) ?? 0, rssKb(p)));
    const sumBase = [...baseline.values()].reduce((a, b) => a + b, 0);
    const sumPeak = [...peak.values()].reduce((a, b) => a + b, 0);
    return {
      per_process: pids.map((p) => ({
        pid: p,
        baseline_mb: +(baseline.get(p)! / 1024).toFixed(1),
        peak_mb: +(peak.get(p)! / 1024).toFixed(1),
      })),
      baseline_mb: +(sumBase / 1024).toFixed(1),
      peak_mb: +(sumPeak / 1024).toFixed(1),
      growth_mb: +((sumPeak - sumBase) / 1024).toFixed(1),
    };
  };
}

async function expectOk(label: string, res: { status: number; text: string }, ok = [200, 201, 202]) {
  if (!ok.includes(res.status)) throw new Error(`${label}: ${res.status} ${res.text.slice(0, 300)}`);
}

async function multipartUpload(stack: Stack, t: Tenant) {
  const api = stack.api(t);
  const created = await api(`${BASE}/uploads`, {
    json: { name: 'bench', size_bytes: TOTAL, content_type: 'video/mp4', multipart: true, part_size_bytes: PART },
  });
  await expectOk('uploads', created);
  const { id } = created.body.source_video;
  const plan = created.body.upload;
  const parts: { part_number: number; size_bytes: number; url: string }[] = [];
  for (let from: number | null = 1; from; ) {
    const page: HttpResult = await api(`${plan.parts_url}?from=${from}&limit=1000`);
    await expectOk('parts', page);
    parts.push(...page.body.parts);
    from = page.body.next_from;
  }
  const stop = sampleMemory(stack.workerdPids());
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < parts.length) {
        const part = parts[next++]!;
        const res = await stack.fetchUrl(part.url, {
          method: 'PUT',
          body: partBytes(part.part_number, part.size_bytes),
        });
        await expectOk(`part ${part.part_number}`, res, [200]);
      }
    }),
  );
  const uploadSeconds = (performance.now() - started) / 1000;
  const completeStarted = performance.now();
  const done = await api(`${BASE}/${id}/complete`, { method: 'POST' });
  await expectOk('complete', done);
  const completeSeconds = (performance.now() - completeStarted) / 1000;
  const memory = stop();
  await api(`${BASE}/${id}`, { method: 'DELETE' });
  return {
    scenario: 'multipart (signed part URLs)',
    bytes: TOTAL,
    parts: parts.length,
    part_mib: PART / 1024 / 1024,
    concurrency: CONCURRENCY,
    upload_seconds: +uploadSeconds.toFixed(2),
    throughput_mb_s: +(TOTAL / MB / uploadSeconds).toFixed(1),
    complete_seconds: +completeSeconds.toFixed(2),
    memory,
  };
}

async function singlePut(stack: Stack, t: Tenant, size = SINGLE) {
  const api = stack.api(t);
  const created = await api(`${BASE}/uploads`, {
    json: { name: 'bench-single', size_bytes: size, content_type: 'video/mp4' },
  });
  await expectOk('uploads', created);
  const body = new Uint8Array(size);
  for (let o = 0; o < size; o += PART) body.set(pattern.subarray(0, Math.min(PART, size - o)), o);
  body.set(FTYP);
  const stop = sampleMemory(stack.workerdPids());
  const started = performance.now();
  const put = await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'video/mp4' },
  });
  await expectOk('PUT', put, [200]);
  const seconds = (performance.now() - started) / 1000;
  const memory = stop();
  await api(`${BASE}/${created.body.source_video.id}`, { method: 'DELETE' });
  return {
    scenario: 'single signed PUT',
    bytes: size,
    upload_seconds: +seconds.toFixed(2),
    throughput_mb_s: +(size / MB / seconds).toFixed(1),
    memory,
  };
}

async function formUpload(stack: Stack, t: Tenant, size = SINGLE) {
  const body = new Uint8Array(size);
  for (let o = 0; o < size; o += PART) body.set(pattern.subarray(0, Math.min(PART, size - o)), o);
  body.set(FTYP);
  const form = new FormData();
  form.append('name', 'bench-form');
  form.append('video', new Blob([body], { type: 'video/mp4' }), 'bench.mp4');
  const stop = sampleMemory(stack.workerdPids());
  const started = performance.now();
  const res = await stack.api(t)(BASE, { method: 'POST', body: form });
  await expectOk('form upload', res, [201]);
  const seconds = (performance.now() - started) / 1000;
  const memory = stop();
  await stack.api(t)(`${BASE}/${res.body.id}`, { method: 'DELETE' });
  return {
    scenario: 'form upload (streamed multipart/form-data)',
    bytes: size,
    upload_seconds: +seconds.toFixed(2),
    throughput_mb_s: +(size / MB / seconds).toFixed(1),
    memory,
  };
}

// Every scenario completes into a probe job, which retries (no processor here) until its video is
// deleted; a high job limit keeps those from throttling the next scenario.
const stack = await startStack({ withoutProcessor: true, logLevel: 'error', vars: { MAX_CONCURRENT_JOBS: '100' } });
try {
  const t = await stack.newTenant('bench');
  // Warm-up: the runtime's first large bodies grow its heap and the local R2 simulator's buffers
  // once (about 100 MB here, whatever the scenario); measured scenarios start after that.
  await singlePut(stack, t, 20_000_000);
  await formUpload(stack, t, 20_000_000);
  const results = [await formUpload(stack, t), await singlePut(stack, t), await multipartUpload(stack, t)];
  console.log(JSON.stringify({ node: process.version, results }, null, 2));
  console.log('\nscenario | size | time | throughput | workerd RSS baseline → peak (growth)');
  for (const r of results) {
    console.log(
      `${r.scenario} | ${(r.bytes / MB).toFixed(0)} MB | ${r.upload_seconds} s | ${r.throughput_mb_s} MB/s | ${r.memory.baseline_mb} → ${r.memory.peak_mb} MB (+${r.memory.growth_mb} MB)`,
    );
  }
} finally {
  await stack.stop();
}
