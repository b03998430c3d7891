/**
 * Library jobs' outcomes through the real consumer when the media processor is unavailable (the
 * worker test project's stand-in answers 503): retried, then failed for good with the reason on the
 * resource, never left "generating", "extracting" or "processing".
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getJob } from '../../src/db/repos/jobs.ts';
import { MAX_ATTEMPTS, processJobMessage } from '../helpers/worker/jobs.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { putRawClip } from '../helpers/worker/postiz.ts';
import { seedClips } from '../helpers/worker/seed.ts';
import { fakeMp4, markProbed, scopeOf, uploadVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';

const SEG = '/api/v1/segments';
const LIB = '/api/v1/library';
const messageFor = (t: Tenant, jobId: string, type: JobMessage['type']): JobMessage => ({
  kind: 'job',
  job_id: jobId,
  profile_id: t.profileId,
  type,
});

async function segmentOnReadyVideo(t: Tenant) {
  const { id } = await uploadVideo(t, fakeMp4(4096));
  await markProbed(t, id, { duration: 20 });
  return (await as(t)(`${SEG}/source-videos/${id}/segments`, { json: { start_time: 1, end_time: 6 } })).body
    .id as string;
}

describe('library jobs when the processor is down', () => {
  it('generation: retried with the project still generating, then failed with the reason', async () => {
    const t = await seedUser('gen-fail');
    const segment = await segmentOnReadyVideo(t);
    const project = (await as(t)(`${LIB}/projects`, { json: { name: 'P' } })).body.id;
    await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: [segment] } });
    const started = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: { variant_count: 2 } });
    const message = messageFor(t, started.body.job_id, 'generate_from_segments');

    const first = await processJobMessage(env, message, 1);
    expect(first.retryAfter).toBeGreaterThan(0);
    const during = (await as(t)(`${LIB}/projects/${project}/progress`)).body;
    expect(during.status).toBe('generating');
    expect(during.percentage).toBeGreaterThanOrEqual(0);
    expect(during.percentage).toBeLessThanOrEqual(100);

    const last = await processJobMessage(env, message, MAX_ATTEMPTS);
    expect(last.retryAfter).toBeUndefined();
    expect((await getJob(scopeOf(t), started.body.job_id))?.status).toBe('failed');
    const after = (await as(t)(`${LIB}/projects/${project}`)).body;
    expect(after.status).toBe('failed');
    expect(after.progress_step).toMatch(/^Failed after 0 of 2 variant\(s\): .*gave up after 6 attempts/);
    expect((await as(t)(`${LIB}/projects/${project}/progress`)).body).toMatchObject({
      status: 'failed',
      percentage: 100,
    });
    // Not stuck: a new generation may start.
    expect(
      (await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: { variant_count: 1 } })).status,
    ).toBe(202);
  });

  it('extract: the segment ends failed with the reason, and can be extracted again', async () => {
    const t = await seedUser('ext-fail');
    const segment = await segmentOnReadyVideo(t);
    const started = await as(t)(`${SEG}/${segment}/extract`, { method: 'POST' });
    await processJobMessage(env, messageFor(t, started.body.job_id, 'extract_segment'), MAX_ATTEMPTS);
    const body = (await as(t)(`${SEG}/${segment}`)).body;
    expect(body.extract_status).toBe('failed');
    expect(body.extract_error).toMatch(/no processor.*gave up after 6 attempts/);
    const again = await as(t)(`${SEG}/${segment}/extract`, { method: 'POST' });
    expect(again.status).toBe(202);
    expect((await as(t)(`${SEG}/${segment}`)).body.extract_status).toBe('extracting');
  });

  it('render: the clip ends failed with the reason, its export row failed, nothing counted as exported', async () => {
    const t = await seedUser('render-fail');
    const project = (await as(t)(`${LIB}/projects`, { json: { name: 'R' } })).body.id;
    const [clip] = await seedClips(t, project, 1);
    await putRawClip(t, clip!);
    const started = await as(t)(`${LIB}/clips/${clip}/render`, { json: { preset_name: 'tiktok' } });
    await processJobMessage(env, messageFor(t, started.body.job_id, 'render_clip'), MAX_ATTEMPTS);
    const got = (await as(t)(`${LIB}/clips/${clip}`)).body.clip;
    expect(got).toMatchObject({ final_status: 'failed', final_video_url: null });
    expect(got.final_error).toMatch(/gave up after 6 attempts/);
    const row = await env.DB.prepare('SELECT status FROM exports WHERE id = ?').bind(started.body.export_id).first();
    expect(row).toEqual({ status: 'failed' });
    expect((await as(t)(`${LIB}/projects/${project}`)).body.exported_count).toBe(0);
    expect((await as(t)(`${LIB}/clips/${clip}/render`, { json: {} })).status).toBe(202);
  });

  it('generation of a project deleted meanwhile fails for good without retrying', async () => {
    const t = await seedUser('gen-gone');
    const segment = await segmentOnReadyVideo(t);
    const project = (await as(t)(`${LIB}/projects`, { json: { name: 'P' } })).body.id;
    await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: [segment] } });
    const started = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: {} });
    expect((await as(t)(`${LIB}/projects/${project}`, { method: 'DELETE' })).status).toBe(200);
    const outcome = await processJobMessage(env, messageFor(t, started.body.job_id, 'generate_from_segments'), 1);
    expect(outcome.retryAfter).toBeUndefined();
    expect(['failed', 'cancelled']).toContain((await getJob(scopeOf(t), started.body.job_id))?.status);
  });
});
