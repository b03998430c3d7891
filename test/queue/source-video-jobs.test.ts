/**
 * The probe and detect-voice handlers' outcomes, driven through the real consumer. The worker test
 * project's processor stand-in answers 503 to every operation, i.e. "processor unavailable".
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getJob } from '../../src/db/repos/jobs.ts';
import { getSourceVideoSummary } from '../../src/db/repos/source-videos.ts';
import { MAX_ATTEMPTS, processJobMessage } from '../helpers/worker/jobs.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { as, seedUser, type Tenant } from '../helpers/worker/tenants.ts';
import { BASE, fakeMp4, markProbed, scopeOf, uploadVideo } from '../helpers/worker/source-videos.ts';

const messageFor = (t: Tenant, jobId: string, type: JobMessage['type']): JobMessage => ({
  kind: 'job',
  job_id: jobId,
  profile_id: t.profileId,
  type,
});

describe('probe_source_video', () => {
  it('retries while the processor is unavailable, then fails the video with the reason', async () => {
    const t = await seedUser('probe');
    const { id, completed } = await uploadVideo(t, fakeMp4(3000));
    const message = messageFor(t, completed.job_id, 'probe_source_video');

    const first = await processJobMessage(env, message, 1);
    expect(first.retryAfter).toBeGreaterThan(0);
    const retrying = await getJob(scopeOf(t), completed.job_id);
    expect(retrying).toMatchObject({ status: 'pending' });
    expect(retrying!.step).toMatch(/^Retrying in \d+s/);
    expect((await getSourceVideoSummary(scopeOf(t), id))?.status).toBe('processing');

    const last = await processJobMessage(env, message, MAX_ATTEMPTS);
    expect(last.retryAfter).toBeUndefined();
    expect((await getJob(scopeOf(t), completed.job_id))?.status).toBe('failed');
    const video = (await as(t)(`${BASE}/${id}`)).body;
    expect(video.status).toBe('failed');
    expect(video.error.message).toMatch(/gave up after 6 attempts/);
  });

  it('changes nothing when redelivered for a video that is already ready, even when its storyboard cannot be made', async () => {
    const t = await seedUser('probe');
    const { id, completed } = await uploadVideo(t, fakeMp4(3000));
    await markProbed(t, id);
    const before = await getSourceVideoSummary(scopeOf(t), id);
    const outcome = await processJobMessage(env, messageFor(t, completed.job_id, 'probe_source_video'), 2);
    expect(outcome.retryAfter).toBeUndefined();
    const job = await getJob(scopeOf(t), completed.job_id);
    expect(job).toMatchObject({
      status: 'completed',
      // The stand-in processor is unavailable: the storyboard is left to the first request, the job still completes.
      result: { source_video_id: id, status: 'ready', unchanged: true, storyboard: 'not_made' },
    });
    expect(await getSourceVideoSummary(scopeOf(t), id)).toEqual(before);
  });

  it('fails for good when the video was deleted before the job ran', async () => {
    const t = await seedUser('probe');
    const { id, completed } = await uploadVideo(t, fakeMp4(3000));
    expect((await as(t)(`${BASE}/${id}`, { method: 'DELETE' })).status).toBe(200);
    const outcome = await processJobMessage(env, messageFor(t, completed.job_id, 'probe_source_video'), 1);
    expect(outcome.retryAfter).toBeUndefined();
    expect(await getJob(scopeOf(t), completed.job_id)).toMatchObject({ status: 'failed', errorCode: 'not_found' });
  });
});

describe('detect_voice', () => {
  it('retries while the processor is unavailable and leaves the cache empty', async () => {
    const t = await seedUser('voice');
    const { id } = await uploadVideo(t, fakeMp4(3000));
    await markProbed(t, id);
    const started = await as(t)(`${BASE}/${id}/voice`);
    expect(started.status).toBe(202);
    const outcome = await processJobMessage(env, messageFor(t, started.body.job_id, 'detect_voice'), 1);
    expect(outcome.retryAfter).toBeGreaterThan(0);
    expect((await as(t)(`${BASE}/${id}/voice`)).status).toBe(202);
  });
});
