/**
 * Failure injection on the running stack: the processor killed mid-job (SIGKILL, then started
 * again), and R2 puts and D1 writes that throw (fault-worker.ts wraps the bindings of the otherwise
 * unchanged production Worker). Every job must end retried-and-completed or failed with a reason;
 * nothing may be lost (the video, the segment's cut) or duplicated (jobs, stored objects).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { makeVideo, readWhole } from '../../helpers/node/media-fixtures.ts';
import { type JobBody, startStack, type Tenant } from '../../e2e/helpers/stack.ts';
import { casesOf } from '../support/cases.ts';

const attack = casesOf('failure injection');
const BASE = '/api/v1/segments/source-videos';

const stack = await startStack({ entrypoint: 'test/security/e2e/fault-worker.ts' });
afterAll(() => stack.stop());

interface Faults {
  r2_puts?: number;
  d1_writes?: number;
  /** Only R2 keys or SQL containing this fail. */
  match?: string;
}

async function arm(faults: Faults) {
  const res = await fetch(`${stack.url}/__faults`, { method: 'POST', body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
}

async function tripped(): Promise<{ r2Puts: number; d1Writes: number }> {
  return ((await (await fetch(`${stack.url}/__faults`)).json()) as { tripped: { r2Puts: number; d1Writes: number } })
    .tripped;
}

let shortVideo: Uint8Array<ArrayBuffer>;
let longVideo: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  shortVideo = await readWhole(await makeVideo({ duration: 2 }));
  // Long enough that a full re-encode is still running when the processor is killed.
  longVideo = await readWhole(await makeVideo({ duration: 24, width: 640, height: 360 }));
}, 180_000);

/** Creates an upload and PUTs the bytes; returns the video id and the signed PUT URL. */
async function uploaded(t: Tenant, bytes: Uint8Array<ArrayBuffer>) {
  const created = await stack.api(t)(`${BASE}/uploads`, {
    json: { name: 'Fault', size_bytes: bytes.length, content_type: 'video/mp4' },
  });
  expect(created.status, created.text).toBe(201);
  return { id: created.body.source_video.id as string, url: created.body.upload.upload_url as string };
}

const put = (url: string, bytes: Uint8Array<ArrayBuffer>) =>
  stack.fetchUrl(url, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'video/mp4' } });

async function readyVideo(t: Tenant, bytes = shortVideo): Promise<string> {
  const { id, url } = await uploaded(t, bytes);
  expect((await put(url, bytes)).status).toBe(200);
  const done = await stack.api(t)(`${BASE}/${id}/complete`, { method: 'POST' });
  expect(done.status, done.text).toBe(202);
  expect((await stack.waitForJob(t, done.body.job_id)).status).toBe('completed');
  return id;
}

async function jobsFor(t: Tenant, resourceId: string, type?: string): Promise<JobBody[]> {
  const jobs = (await stack.api(t)(`/api/v1/jobs?resource_id=${resourceId}`)).body.jobs as JobBody[];
  return type ? jobs.filter((j) => j.type === type) : jobs;
}

/** Waits until none of the tenant's jobs is queued or running (so a fault armed next hits only the next job). */
async function idle(t: Tenant) {
  for (let i = 0; i < 600; i++) {
    const jobs = (await stack.api(t)('/api/v1/jobs')).body.jobs as JobBody[];
    if (jobs.every((j) => !['pending', 'running'].includes(j.status))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('jobs did not settle');
}

/** Ended as it must: completed, or failed with a reason a user can read. */
function expectSettled(job: JobBody) {
  expect(['completed', 'failed'], JSON.stringify(job)).toContain(job.status);
  if (job.status === 'failed') expect(job.error?.message, JSON.stringify(job)).toMatch(/\w/);
}

const segmentKeys = (t: Tenant, segmentId: string) => stack.r2Keys(`p/${t.profileId}/segments/${segmentId}/`);

/** A segment (its thumbnail job done), then its extraction job, with `faults` armed just before it. */
async function extractJob(t: Tenant, videoId: string, mode: 'copy' | 'reencode', end = 1.5, faults?: Faults) {
  const segment = await stack.api(t)(`${BASE}/${videoId}/segments`, { json: { start_time: 0, end_time: end } });
  expect(segment.status, segment.text).toBe(201);
  await idle(t);
  if (faults) await arm(faults);
  const extract = await stack.api(t)(`/api/v1/segments/${segment.body.id}/extract`, { json: { mode } });
  expect(extract.status, extract.text).toBe(202);
  return { segmentId: segment.body.id as string, jobId: extract.body.job_id as string };
}

attack('R2 put fails during an upload PUT: nothing stored, the PUT again completes the video', async () => {
  const t = await stack.newTenant('fault-r2');
  const { id, url } = await uploaded(t, shortVideo);
  await arm({ r2_puts: 1, match: `/videos/${id}/source` });
  const failed = await put(url, shortVideo);
  expect(failed.status).toBeGreaterThanOrEqual(400);
  expect(failed.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  expect((await tripped()).r2Puts).toBe(1);
  expect((await stack.api(t)(`${BASE}/${id}/upload`)).body.received_bytes).toBe(0);
  expect((await put(url, shortVideo)).status).toBe(200);
  const done = await stack.api(t)(`${BASE}/${id}/complete`, { method: 'POST' });
  expect((await stack.waitForJob(t, done.body.job_id)).status).toBe('completed');
  expect((await stack.api(t)(`${BASE}/${id}`)).body.status).toBe('ready');
  expect(stack.r2Keys(`p/${t.profileId}/videos/${id}/source`)).toHaveLength(1);
});

attack('R2 put fails for a job output: the job is retried or fails with a reason, one object at most', async () => {
  const t = await stack.newTenant('fault-r2-job');
  const video = await readyVideo(t);
  const { segmentId, jobId } = await extractJob(t, video, 'copy', 1.5, { r2_puts: 1, match: '/extract.mp4' });
  const job = await stack.waitForJob(t, jobId);
  expectSettled(job);
  expect((await tripped()).r2Puts).toBe(1);
  const segment = (await stack.api(t)(`/api/v1/segments/${segmentId}`)).body;
  if (job.status === 'completed') {
    expect(segment.extract_status).toBe('ready');
    expect(segmentKeys(t, segmentId).filter((k) => k.endsWith('extract.mp4'))).toHaveLength(1);
    expect((await stack.fetchUrl(segment.stream_url)).bytes.length).toBeGreaterThan(1000);
  } else expect(segment.extract_status).toBe('failed');
  expect(await jobsFor(t, segmentId, 'extract_segment')).toHaveLength(1);
});

attack('D1 write fails while completing an upload: nothing half-done, completing again queues one probe', async () => {
  const t = await stack.newTenant('fault-d1');
  const { id, url } = await uploaded(t, shortVideo);
  expect((await put(url, shortVideo)).status).toBe(200);
  await arm({ d1_writes: 1, match: 'batch' });
  const failed = await stack.api(t)(`${BASE}/${id}/complete`, { method: 'POST' });
  expect((await tripped()).d1Writes).toBe(1);
  expect(failed.status).toBeGreaterThanOrEqual(500);
  expect(failed.body.error).toMatchObject({ code: 'internal_error', request_id: expect.any(String) });
  expect((await stack.api(t)(`${BASE}/${id}`)).body.status).toBe('pending_upload');
  expect(await jobsFor(t, id)).toHaveLength(0);
  const done = await stack.api(t)(`${BASE}/${id}/complete`, { method: 'POST' });
  expect(done.status, done.text).toBe(202);
  expect((await stack.waitForJob(t, done.body.job_id)).status).toBe('completed');
  expect(await jobsFor(t, id)).toHaveLength(1);
});

for (const [moment, match] of [
  ['when the consumer marks the job running', 'started_at'],
  ['when the consumer records the finished job', 'finished_at'],
] as const) {
  attack(
    `D1 writes fail ${moment}: the job is retried and completes once, one output`,
    async () => {
      const t = await stack.newTenant('fault-d1-job');
      const video = await readyVideo(t);
      const { segmentId, jobId } = await extractJob(t, video, 'copy', 1.5, { d1_writes: 2, match });
      const job = await stack.waitForJob(t, jobId, { timeoutMs: 170_000 });
      expect((await tripped()).d1Writes).toBe(2);
      expect(job.status, JSON.stringify(job)).toBe('completed');
      expect(job.attempts).toBeGreaterThan(1);
      expect(await jobsFor(t, segmentId, 'extract_segment')).toHaveLength(1);
      expect(segmentKeys(t, segmentId).filter((k) => k.endsWith('extract.mp4'))).toHaveLength(1);
      expect((await stack.api(t)(`/api/v1/segments/${segmentId}`)).body.extract_status).toBe('ready');
    },
    200_000,
  );
}

attack(
  'the processor is killed mid-job (SIGKILL) and started again: retried, completes once',
  async () => {
    const t = await stack.newTenant('fault-kill');
    const video = await readyVideo(t, longVideo);
    const { segmentId, jobId } = await extractJob(t, video, 'reencode', 20);
    // Wait until the processor is working on it.
    for (let i = 0; i < 600; i++) {
      const job = (await stack.api(t)(`/api/v1/jobs/${jobId}`)).body as JobBody;
      if (job.status === 'running' && job.progress > 0) break;
      expect(['pending', 'running'], JSON.stringify(job)).toContain(job.status);
      await new Promise((r) => setTimeout(r, 100));
    }
    await stack.killProcessor('SIGKILL');
    await stack.restartProcessor();
    const job = await stack.waitForJob(t, jobId, { timeoutMs: 280_000 });
    expectSettled(job);
    expect(job.attempts, JSON.stringify(job)).toBeGreaterThan(1);
    expect(await jobsFor(t, segmentId, 'extract_segment')).toHaveLength(1);
    const extracts = segmentKeys(t, segmentId).filter((k) => k.endsWith('extract.mp4'));
    if (job.status === 'completed') {
      expect(extracts).toHaveLength(1);
      expect((await stack.api(t)(`/api/v1/segments/${segmentId}`)).body.extract_status).toBe('ready');
    } else expect(extracts).toHaveLength(0);
    expect((await fetch(`${stack.processorUrl}/health`)).status).toBe(200);
  },
  300_000,
);
