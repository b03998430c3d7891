/**
 * The processing job handlers through the real consumer inside workerd. The worker test project's
 * processor stand-in answers 503 to every operation ("processor unavailable"); the ElevenLabs
 * fake is real. What is checked: retries then failure with the reason and the inputs kept, one
 * ElevenLabs call and one ledger row across redeliveries, jobs waiting for an upload's probe
 * without spending retries, and a duplicate delivery waiting while another runs the job.
 */
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { listCosts } from '../../src/db/repos/costs.ts';
import { getJob, markRunning } from '../../src/db/repos/jobs.ts';
import { getProject } from '../../src/db/repos/projects.ts';
import { getSourceVideoSummary } from '../../src/db/repos/source-videos.ts';
import { jobs } from '../../src/db/schema.ts';
import { MAX_ATTEMPTS, MAX_WAIT_SECONDS, RUNNING_LEASE_SECONDS, processJobMessage } from '../helpers/worker/jobs.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { postForm, providerFake } from '../helpers/worker/processing.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { fakeMp4, markProbed, readyVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';

const messageFor = (t: Tenant, job: { job_id: string; type: string }): JobMessage => ({
  kind: 'job',
  job_id: job.job_id,
  profile_id: t.profileId,
  type: job.type as JobMessage['type'],
});

const SRT = '1\n00:00:00,000 --> 00:00:02,000\nHello coffee\n';

/**
 * The test Worker's own queue consumer also receives every message a route sends and runs it at
 * once. Let that first run finish (or not start) before driving the consumer by hand, so the two
 * never overlap.
 */
async function settled(t: Tenant, jobId: string) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const job = await getJob(scopeOf(t), jobId);
    if (!job) throw new Error(`job ${jobId} is gone`);
    const idle =
      job.status !== 'running' && (job.attempts > 0 || job.status !== 'pending' || /^Waiting/.test(job.step ?? ''));
    if (idle || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('every processing job while the processor is down', () => {
  const cases: { type: string; create: (t: Tenant, video: string) => Promise<{ body: any }> }[] = [
    { type: 'mute_voice', create: (t, v) => as(t)('/api/v1/mute-voice', { json: { source_video_id: v } }) },
    { type: 'detect_voice', create: (t, v) => as(t)('/api/v1/detect-voice', { json: { source_video_id: v } }) },
    { type: 'analyze_video', create: (t, v) => as(t)('/api/v1/analyze', { json: { source_video_id: v } }) },
    {
      type: 'process_video',
      create: (t, v) => as(t)('/api/v1/jobs', { json: { source_video_id: v, variant_count: 2 } }),
    },
    {
      type: 'multi_video',
      create: (t, v) => as(t)('/api/v1/jobs/multi-video', { json: { source_video_id: v, srt_content: SRT } }),
    },
    {
      type: 'tts_add_to_videos',
      create: (t, v) => as(t)('/api/v1/tts/add-to-videos', { json: { source_video_ids: [v], tts_text: 'Hi' } }),
    },
    {
      type: 'generate_project',
      create: async (t, v) => {
        const project = (await as(t)('/api/v1/library/projects', { json: { name: 'P' } })).body;
        return as(t)(`/api/v1/library/projects/${project.id}/generate`, { json: { source_video_id: v } });
      },
    },
  ];

  for (const c of cases) {
    it(`${c.type}: retries, then fails with the reason; the source video is kept`, async () => {
      const t = await seedUser('down');
      // The local voice needs the processor too; no ElevenLabs call is made for this one.
      await as(t)(`/api/v1/profiles/${t.profileId}`, { method: 'PATCH', json: { tts_provider: 'local' } });
      const video = await readyVideo(t);
      const created = await c.create(t, video);
      expect(created.body.job_id, JSON.stringify(created.body)).toMatch(/^job_/);
      const message = messageFor(t, { job_id: created.body.job_id, type: c.type });

      await settled(t, message.job_id);
      const second = await processJobMessage(env, message, 2);
      expect(second.retryAfter).toBeGreaterThan(0);
      const retrying = await getJob(scopeOf(t), message.job_id);
      expect(retrying).toMatchObject({ status: 'pending', attempts: 2 });
      expect(retrying!.step).toMatch(/^Retrying in \d+s: /);

      expect(await processJobMessage(env, message, MAX_ATTEMPTS)).toEqual({});
      const failed = await getJob(scopeOf(t), message.job_id);
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed!.errorMessage).toMatch(/gave up after 6 attempts/);
      expect((await getSourceVideoSummary(scopeOf(t), video))?.status).toBe('ready');
      expect(await env.MEDIA.head(storageKeys.sourceVideo(scopeOf(t), video))).not.toBeNull();
      if (c.type === 'generate_project') {
        const project = await getProject(scopeOf(t), (failed!.input as { project_id: string }).project_id);
        expect(project).toMatchObject({ status: 'failed' });
        expect(project!.progressStep).toMatch(/gave up after 6 attempts/);
      }
      // A late redelivery of the failed job changes nothing.
      expect(await processJobMessage(env, message, MAX_ATTEMPTS)).toEqual({});
      expect(await getJob(scopeOf(t), message.job_id)).toEqual(failed);
    });
  }
});

describe('ElevenLabs voice-overs under redelivery', () => {
  const fake = providerFake('elevenlabs');

  it('calls ElevenLabs once and writes one ledger row, however often the job is delivered', async () => {
    const t = await seedUser('tts');
    const text = `Unique line ${crypto.randomUUID()} for this test.`;
    const created = await as(t)('/api/v1/tts/generate', { json: { text, remove_silence: true } });
    expect(created.body.provider).toBe('elevenlabs');
    const message = messageFor(t, created.body);
    const callsFor = async () =>
      (await fake.requests({ method: 'POST', path: '/v1/text-to-speech/' })).filter((r) => r.json?.text === text);

    // ElevenLabs answers; the processor (silence removal) is down: retried.
    await settled(t, message.job_id);
    expect((await processJobMessage(env, message, 2)).retryAfter).toBeGreaterThan(0);
    expect(await callsFor()).toHaveLength(1);
    let costs = (await listCosts(scopeOf(t), {}, { limit: 10 })).items;
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({
      jobId: message.job_id,
      service: 'elevenlabs',
      units: text.length,
      unit: 'characters',
      callKey: `${message.job_id}:tts`,
    });
    expect(costs[0]!.requestId).toBeTruthy();
    // The answer is kept under the job, so the job can be deleted with it.
    expect((await getJob(scopeOf(t), message.job_id))!.outputKeys).toEqual(
      expect.arrayContaining([
        storageKeys.jobOutput(scopeOf(t), message.job_id, 'tts-speech.mp3'),
        storageKeys.jobOutput(scopeOf(t), message.job_id, 'tts-el.json'),
      ]),
    );

    expect((await processJobMessage(env, message, 3)).retryAfter).toBeGreaterThan(0);
    expect((await processJobMessage(env, message, MAX_ATTEMPTS)).retryAfter).toBeUndefined();
    expect(await callsFor()).toHaveLength(1);
    costs = (await listCosts(scopeOf(t), {}, { limit: 10 })).items;
    expect(costs).toHaveLength(1);
    expect((await getJob(scopeOf(t), message.job_id))?.status).toBe('failed');
    expect((await as(t)('/api/v1/costs')).body.totals.elevenlabs).toBeCloseTo(costs[0]!.costUsd, 8);
  });

  it('fails for good on an invalid key or an exhausted quota, without retrying', async () => {
    const t = await seedUser('tts');
    for (const status of ['invalid_api_key', 'quota_exceeded']) {
      // Whichever delivery runs first (the test Worker's own consumer, or ours) meets the refusal.
      await fake.failNext({
        method: 'POST',
        path: '/v1/text-to-speech/',
        status: 401,
        body: { detail: { status, message: `ElevenLabs says ${status}` } },
      });
      const created = await as(t)('/api/v1/tts/generate', {
        json: { text: `Refused ${status} ${crypto.randomUUID()}` },
      });
      await settled(t, created.body.job_id);
      expect(await processJobMessage(env, messageFor(t, created.body), 1)).toEqual({});
      const job = await getJob(scopeOf(t), created.body.job_id);
      expect(job).toMatchObject({
        status: 'failed',
        errorCode: status === 'quota_exceeded' ? 'elevenlabs_quota' : 'elevenlabs_auth',
      });
      expect(job!.errorMessage).toContain(`ElevenLabs says ${status}`);
    }
    expect((await listCosts(scopeOf(t), {}, { limit: 10 })).items).toEqual([]);
  });

  it('retries a 429 (too many concurrent requests) later', async () => {
    const t = await seedUser('tts');
    await fake.failNext({
      method: 'POST',
      path: '/v1/text-to-speech/',
      status: 429,
      body: { detail: { status: 'too_many_concurrent_requests', message: 'Too many concurrent requests' } },
    });
    const created = await as(t)('/api/v1/tts/generate', { json: { text: `Busy ${crypto.randomUUID()}` } });
    const job = await settled(t, created.body.job_id);
    if (job.attempts === 0)
      expect((await processJobMessage(env, messageFor(t, created.body), 1)).retryAfter).toBeGreaterThan(0);
    expect(await getJob(scopeOf(t), created.body.job_id)).toMatchObject({
      status: 'pending',
      errorCode: 'elevenlabs_rate_limited',
    });
  });
});

describe('waiting for an upload', () => {
  it('a job on an upload still being probed waits without spending a retry, then runs', async () => {
    const t = await seedUser('wait');
    const created = await postForm(t, '/api/v1/mute-voice', {
      video: { bytes: fakeMp4(8192), filename: 'a.mp4', type: 'video/mp4' },
    });
    expect(created.status, created.text).toBe(202);
    const message = messageFor(t, created.body);
    await settled(t, message.job_id);
    expect(await processJobMessage(env, message, 1)).toEqual({});
    const waiting = await getJob(scopeOf(t), message.job_id);
    expect(waiting).toMatchObject({ status: 'pending', errorCode: null });
    expect(waiting!.step).toMatch(/^Waiting for the source video a\.mp4 to be probed/);

    await markProbed(t, created.body.source_video_id);
    // Now it runs (and meets the absent processor).
    expect((await processJobMessage(env, message, 2)).retryAfter).toBeGreaterThan(0);
    expect((await getJob(scopeOf(t), message.job_id))?.step).toMatch(/^Retrying/);
  });

  it('gives up after the longest wait with the reason', async () => {
    const t = await seedUser('wait');
    const created = await postForm(t, '/api/v1/analyze', {
      video: { bytes: fakeMp4(8192), filename: 'b.mp4', type: 'video/mp4' },
    });
    await settled(t, created.body.job_id);
    const old = new Date(Date.now() - (MAX_WAIT_SECONDS + 5) * 1000).toISOString();
    await createDb(env.DB).update(jobs).set({ createdAt: old }).where(eq(jobs.id, created.body.job_id));
    expect(await processJobMessage(env, messageFor(t, created.body), 1)).toEqual({});
    const job = await getJob(scopeOf(t), created.body.job_id);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'source_not_ready' });
  });

  it('fails at once when the upload turned out not to be a video', async () => {
    const t = await seedUser('wait');
    const created = await postForm(t, '/api/v1/detect-voice', {
      video: { bytes: fakeMp4(8192), filename: 'c.mp4', type: 'video/mp4' },
    });
    const { markSourceVideoFailed } = await import('../../src/db/repos/source-videos.ts');
    await settled(t, created.body.job_id);
    await markSourceVideoFailed(scopeOf(t), created.body.source_video_id, 'invalid_media', 'moov atom not found');
    expect(await processJobMessage(env, messageFor(t, created.body), 1)).toEqual({});
    const job = await getJob(scopeOf(t), created.body.job_id);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'invalid_media' });
    expect(job!.errorMessage).toContain('moov atom not found');
  });
});

describe('duplicate deliveries', () => {
  it('a second delivery while another runs the job waits instead of doing the work twice', async () => {
    const t = await seedUser('dup');
    const video = await readyVideo(t);
    const created = await as(t)('/api/v1/analyze', { json: { source_video_id: video } });
    await settled(t, created.body.job_id);
    await markRunning(scopeOf(t), created.body.job_id, 1);
    const outcome = await processJobMessage(env, messageFor(t, created.body), 2);
    expect(outcome.retryAfter).toBeGreaterThan(0);
    expect(outcome.retryAfter).toBeLessThanOrEqual(RUNNING_LEASE_SECONDS);
    expect(await getJob(scopeOf(t), created.body.job_id)).toMatchObject({ status: 'running', attempts: 1 });
  });

  it('a delivery that died long ago is taken over', async () => {
    const t = await seedUser('dup');
    const video = await readyVideo(t);
    const created = await as(t)('/api/v1/analyze', { json: { source_video_id: video } });
    await settled(t, created.body.job_id);
    await markRunning(scopeOf(t), created.body.job_id, 1);
    const stale = new Date(Date.now() - (RUNNING_LEASE_SECONDS + 5) * 1000).toISOString();
    await createDb(env.DB).update(jobs).set({ updatedAt: stale }).where(eq(jobs.id, created.body.job_id));
    await processJobMessage(env, messageFor(t, created.body), 3);
    expect(await getJob(scopeOf(t), created.body.job_id)).toMatchObject({ attempts: 3 });
  });
});
