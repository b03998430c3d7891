/**
 * Jobs longer than a queue consumer invocation, end to end: the Worker with its consumer's time
 * budget shrunk to 10 s (JOB_CONSUMER_BUDGET_SECONDS), the real processor, and real operations
 * made long by a slow input: the processor reads the Worker's media through a proxy that trickles
 * the bytes (no CPU spent waiting, no test-only code in the processor). The job is `mute_voice` on
 * a spoken phrase: one `mute` operation that detects the speech and mutes it, longer than the budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessorConnection, createProcessorClient } from '../../src/processor/client.ts';
import { TEST_SECRETS } from '../helpers/test-config.ts';
import { makeSpeechVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { rmsDb, saveBytes, videoPacketHashes } from './helpers/media-checks.ts';
import { type JobBody, type Stack, type Tenant, startStack } from './helpers/stack.ts';

const BUDGET_SECONDS = 10;
/** A whole read of the input through the proxy takes about this long (the voice detection ~ as long). */
const LONG_READ_SECONDS = 36;
/** For the tests where a long-enough operation is all that matters. */
const READ_SECONDS = 20;

let stack: Stack;
let processor: ProcessorConnection;
beforeAll(async () => {
  stack = await startStack({ throttledMedia: true, vars: { JOB_CONSUMER_BUDGET_SECONDS: String(BUDGET_SECONDS) } });
  processor = createProcessorClient({
    baseUrl: stack.processorUrl,
    secret: TEST_SECRETS.PROCESSOR_SECRET,
    fetch: (request) => fetch(request),
  });
});
afterAll(async () => {
  await stack?.stop();
});

interface Speech {
  path: string;
  speechStart: number;
  speechEnd: number;
  bytes: number;
}

let speech: Speech;
async function speechVideo(): Promise<Speech> {
  if (!speech) {
    const made = await makeSpeechVideo({ speechStart: 2, duration: 12 });
    speech = { ...made, bytes: (await readWhole(made.path)).length };
  }
  return speech;
}

/** A ready source video of the spoken phrase, uploaded at full speed. */
async function readyVideo(t: Tenant): Promise<string> {
  const video = await speechVideo();
  const form = new FormData();
  form.append('video', new Blob([await readWhole(video.path)], { type: 'video/mp4' }), 'interview.mp4');
  form.append('name', 'Interview');
  const uploaded = await stack.api(t)('/api/v1/segments/source-videos', { method: 'POST', body: form });
  expect(uploaded.status, uploaded.text).toBe(201);
  const probed = await stack.waitForJob(t, uploaded.body.job_id);
  expect(probed.status).toBe('completed');
  return uploaded.body.id as string;
}

/** A new tenant's long job: the processor now reads the input at `readSeconds` per whole read. */
async function startLongMute(readSeconds = READ_SECONDS): Promise<{ t: Tenant; jobId: string; started: number }> {
  const t = await stack.newTenant();
  const sourceVideoId = await readyVideo(t);
  stack.throttleMedia(Math.ceil((await speechVideo()).bytes / readSeconds));
  const started = Date.now();
  const res = await stack.api(t)('/api/v1/mute-voice', { json: { source_video_id: sourceVideoId } });
  expect(res.status, res.text).toBe(202);
  return { t, jobId: res.body.job_id as string, started };
}

interface JobRowFacts {
  status: string;
  attempts: number;
  handoffs: number;
  handed_off_at: string | null;
  error_code: string | null;
}
const rowOf = (jobId: string) =>
  stack.d1<JobRowFacts>(
    'SELECT status, attempts, handoffs, handed_off_at, error_code FROM jobs WHERE id = ?',
    jobId,
  )[0]!;

/** The processor's log lines about this job's operations, as `[msg, id]`. */
const operationLog = (jobId: string) =>
  stack.processorLogs
    .map((line) => JSON.parse(line) as { msg: string; id?: string })
    .filter((line) => line.id?.startsWith(`${jobId}.`))
    .map((line) => [line.msg, line.id!] as const);

/** Polls the job until `done` says so, keeping a timeline of what changed (seconds since `since`). */
async function watch(
  t: Tenant,
  jobId: string,
  done: (job: JobBody, row: JobRowFacts) => boolean,
  since = Date.now(),
  timeoutMs = 300_000,
) {
  const timeline: string[] = [];
  const errors = new Set<string>();
  let last = '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await stack.api(t)<JobBody>(`/api/v1/jobs/${jobId}`)).body;
    const row = rowOf(jobId);
    if (row.error_code) errors.add(row.error_code);
    const now = `${job.status} ${job.progress}% handoffs=${row.handoffs} attempts=${row.attempts} ${row.error_code ?? ''} ${job.step ?? ''}`;
    if (now !== last) timeline.push(`${((Date.now() - since) / 1000).toFixed(1)}s ${now}`);
    last = now;
    if (done(job, row)) return { job, row, timeline, errors };
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not get there:\n${timeline.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const finished = (job: JobBody) => ['completed', 'failed', 'cancelled'].includes(job.status);

/** Waits until one of the job's operations runs on the processor after the job was handed over at least once; its id. */
async function runningAfterHandoff(jobId: string): Promise<string> {
  for (let i = 0; i < 1500; i++) {
    const ids = operationLog(jobId).filter(([msg]) => msg === 'operation started');
    const latest = ids.at(-1)?.[1];
    if (latest && rowOf(jobId).handoffs >= 1 && (await processor.status(latest))?.state === 'running') return latest;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no operation of ${jobId} ran after a hand-off`);
}

describe('an operation longer than the consumer budget', () => {
  it('completes exactly once: each operation started once and followed again by later deliveries, one output', async () => {
    const { t, jobId, started } = await startLongMute(LONG_READ_SECONDS);
    const { job, row, timeline } = await watch(t, jobId, finished, started);
    stack.throttleMedia(null);
    console.log(`long operation, budget ${BUDGET_SECONDS} s:\n${timeline.join('\n')}`);

    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    // Handed over between deliveries while its operations ran; no retry spent on it.
    expect(row).toMatchObject({ attempts: 1, handed_off_at: null, error_code: null });
    expect(row.handoffs).toBeGreaterThanOrEqual(2);
    // Each operation started once on the processor; later deliveries followed the running one again.
    const log = operationLog(jobId);
    const startedOps = log.filter(([msg]) => msg === 'operation started').map(([, id]) => id);
    // mute_voice without a cached detection is one operation: `mute` detects and mutes.
    expect(startedOps.map((id) => id.split('.')[1])).toEqual(['mute']);
    expect(log.filter(([msg]) => msg === 'operation attached').length).toBeGreaterThanOrEqual(row.handoffs);
    expect(log.filter(([msg]) => msg === 'operation done').map(([, id]) => id)).toEqual(startedOps);
    // What they follow is gone once the job is done.
    expect(stack.d1('SELECT id FROM processor_operations WHERE job_id = ?', jobId)).toEqual([]);

    // One output, and it is right: the speech is muted, the picture untouched.
    expect(stack.r2Keys(`p/${t.profileId}/jobs/${jobId}/`)).toEqual([`p/${t.profileId}/jobs/${jobId}/muted.mp4`]);
    const video = await speechVideo();
    const muted = await saveBytes((await stack.fetchUrl(job.result!.final_video_url as string)).bytes, 'mp4');
    expect(await rmsDb(muted, video.speechStart + 0.2, video.speechEnd - 0.2)).toBeLessThan(-60);
    expect(await videoPacketHashes(muted)).toEqual(await videoPacketHashes(video.path));

    // The message delivered once more changes nothing.
    const before = (await stack.api(t)(`/api/v1/jobs/${jobId}`)).body;
    await stack.deliver({ kind: 'job', job_id: jobId, profile_id: t.profileId, type: 'mute_voice' });
    expect((await stack.api(t)(`/api/v1/jobs/${jobId}`)).body).toEqual(before);
    expect(operationLog(jobId).filter(([msg]) => msg === 'operation started')).toHaveLength(1);
  });
});

describe('a job of several operations', () => {
  it('takes back the result of a step that succeeded in an earlier delivery instead of running it again', async () => {
    const t = await stack.newTenant();
    // The local voice (tts-local, fast) then silence removal, which reads the speech at 2 kB/s.
    stack.throttleMedia(2000);
    const res = await stack.api(t)('/api/v1/tts/generate', {
      json: { text: 'The quick brown fox jumps over the lazy dog', remove_silence: true },
    });
    expect(res.status, res.text).toBe(202);
    const { job, row } = await watch(t, res.body.job_id, finished);
    stack.throttleMedia(null);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(row).toMatchObject({ attempts: 1 });
    expect(row.handoffs).toBeGreaterThanOrEqual(1);
    const log = operationLog(job.id);
    const of = (msg: string, operation: string) =>
      log.filter(([m, id]) => m === msg && id.split('.')[1] === operation).length;
    expect(of('operation started', 'tts-local')).toBe(1);
    expect(of('operation started', 'silence-remove')).toBe(1);
    // A later delivery took the speech's result back (an attach), and followed the silence removal again.
    expect(of('operation attached', 'tts-local')).toBeGreaterThanOrEqual(1);
    expect(of('operation attached', 'silence-remove')).toBeGreaterThanOrEqual(1);
    expect(job.result).toMatchObject({ silence_removal: { enabled: true, applied: true } });
  });
});

describe('the processor killed mid-operation', () => {
  it('is noticed: the job is retried, the lost operation runs again on the restarted processor, one output', async () => {
    const { t, jobId, started } = await startLongMute();
    // Running on the processor, and already handed over once: no delivery is what keeps it alive.
    const lost = await runningAfterHandoff(jobId);
    await stack.killProcessor();
    const down = await watch(t, jobId, (job, row) => job.status === 'pending' && row.error_code !== null, started);
    stack.throttleMedia(null);
    await stack.restartProcessor();
    const end = await watch(t, jobId, finished, started);
    console.log(`processor killed:\n${[...down.timeline, '-- restarted', ...end.timeline].join('\n')}`);

    expect(end.job.status, JSON.stringify(end.job.error)).toBe('completed');
    // Seen on the way: the processor unreachable, then the restarted one not knowing the operation.
    const seen = new Set([...down.errors, ...end.errors]);
    expect(seen.has('unreachable')).toBe(true);
    expect(seen.has('processor_lost')).toBe(true);
    expect(end.row.attempts).toBeGreaterThanOrEqual(3);
    // The lost operation was started again (by the new process), and done once.
    const log = operationLog(jobId);
    expect(log.filter(([msg, id]) => msg === 'operation started' && id === lost)).toHaveLength(2);
    expect(log.filter(([msg, id]) => msg === 'operation done' && id === lost)).toHaveLength(1);
    expect(stack.r2Keys(`p/${t.profileId}/jobs/${jobId}/`)).toEqual([`p/${t.profileId}/jobs/${jobId}/muted.mp4`]);
  });

  it('fails with the reason when the processor stays away past the last attempt, never stuck', async () => {
    const { t, jobId } = await startLongMute();
    await runningAfterHandoff(jobId);
    await stack.killProcessor();
    await watch(t, jobId, (job, row) => job.status === 'pending' && row.error_code === 'unreachable');
    // The queue's last attempt, while the processor is still down.
    await stack.deliver({ kind: 'job', job_id: jobId, profile_id: t.profileId, type: 'mute_voice' }, { attempts: 6 });
    const failed = (await stack.api(t)<JobBody>(`/api/v1/jobs/${jobId}`)).body;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'unreachable' });
    expect(failed.error!.message).toMatch(/processor unreachable.*gave up after 6 attempts/);
    stack.throttleMedia(null);
    await stack.restartProcessor();
  });
});

describe('cancelling a long operation', () => {
  it('stops it on the processor, and the job ends cancelled without an output', async () => {
    const { t, jobId } = await startLongMute();
    const running = await runningAfterHandoff(jobId);

    const res = await stack.api(t)(`/api/v1/jobs/${jobId}/cancel`, { method: 'POST' });
    expect(res.status, res.text).toBe(200);
    const end = await watch(t, jobId, finished);
    stack.throttleMedia(null);
    expect(end.job.status).toBe('cancelled');
    expect(await processor.status(running)).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    const health = (await (await fetch(`${stack.processorUrl}/health`)).json()) as { in_flight: number };
    expect(health.in_flight).toBe(0);
    expect(
      operationLog(jobId)
        .filter(([msg]) => msg === 'operation started')
        .at(-1)?.[1],
    ).toBe(running);
    expect(stack.r2Keys(`p/${t.profileId}/jobs/${jobId}/`)).toEqual([]);
    expect(stack.d1('SELECT id FROM processor_operations WHERE job_id = ?', jobId)).toEqual([]);
  });
});
