/**
 * Generation, cancel, render, bulk-render and remove-audio routes inside workerd. The worker test
 * project has no media processor (its stand-in answers 503), so these check what the routes decide
 * and record; the media itself is checked end to end in test/e2e/library.test.ts.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getClip } from '../../src/db/repos/clips.ts';
import { getJob, listJobs } from '../../src/db/repos/jobs.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { putRawClip } from '../helpers/worker/postiz.ts';
import { seedClips } from '../helpers/worker/seed.ts';
import { fakeMp4, markProbed, scopeOf, uploadVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';

const SEG = '/api/v1/segments';
const LIB = '/api/v1/library';

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 400; i++) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(last)}`);
}

async function projectWithSegments(t: Tenant, count = 2) {
  const { id: video } = await uploadVideo(t, fakeMp4(4096));
  await markProbed(t, video, { duration: 30 });
  const segments: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await as(t)(`${SEG}/source-videos/${video}/segments`, {
      json: { start_time: i * 5, end_time: i * 5 + 4 },
    });
    segments.push(res.body.id);
  }
  const project = (await as(t)(`${LIB}/projects`, { json: { name: 'Gen', target_duration: 15 } })).body.id as string;
  await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: segments } });
  return { project, segments, video };
}

const projectOf = async (t: Tenant, id: string) => (await as(t)(`${LIB}/projects/${id}`)).body;

describe('generate-from-segments', () => {
  it('queues one generation with the variant index continuing after existing clips', async () => {
    const t = await seedUser('gen');
    const { project } = await projectWithSegments(t);
    await seedClips(t, project, 2);
    const res = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, {
      json: { variant_count: 3, selection_mode: 'sequential', target_duration: 12, mute_source_voice: true },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'generating',
      project_id: project,
      variant_count: 3,
      segments_count: 2,
      start_variant_index: 3,
    });
    const input = res.body.job.input;
    expect(input).toMatchObject({
      project_id: project,
      start_variant_index: 3,
      selection_mode: 'sequential',
      target_duration: 12,
      mute_source_voice: true,
      mute_style: 'fade',
      previous_status: 'draft',
    });
    expect(input.clip_ids).toHaveLength(3);
    const p = await projectOf(t, project);
    expect(p).toMatchObject({ status: 'generating', target_duration: 12, generation_job_id: res.body.job_id });
    expect(p.progress).toBeLessThanOrEqual(100);
  });

  it('answers 409 while a generation runs and 400 without segments or with bad input, changing nothing', async () => {
    const t = await seedUser('gen');
    const { project } = await projectWithSegments(t);
    const first = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: {} });
    expect(first.status).toBe(202);
    const second = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: { variant_count: 1 } });
    expect(second.status).toBe(409);
    expect(second.body.error.details.job_id).toBe(first.body.job_id);
    expect((await listJobs(scopeOf(t), { type: 'generate_from_segments' }, { limit: 10 })).items).toHaveLength(1);

    const empty = (await as(t)(`${LIB}/projects`, { json: { name: 'Empty' } })).body.id;
    const none = await as(t)(`${LIB}/projects/${empty}/generate-from-segments`, { json: {} });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/No segments are assigned/);
    for (const json of [
      { variant_count: 11 },
      { variant_count: 0 },
      { selection_mode: 'best' },
      { mute_style: 'soft' },
      { generate_tts: true },
      { target_duration: 1 },
    ]) {
      const res = await as(t)(`${LIB}/projects/${empty}/generate-from-segments`, { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    expect((await projectOf(t, empty)).status).toBe('draft');
  });

  it('cancels a generation and gives the project back its previous state; a new one can start', async () => {
    const t = await seedUser('gen');
    const { project } = await projectWithSegments(t);
    const started = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: { variant_count: 2 } });
    const cancel = await as(t)(`${LIB}/projects/${project}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect(['cancelled', 'cancelling']).toContain(cancel.body.status);
    // A queued job is cancelled at once; a running one stops at its next step.
    const job = await until(
      () => getJob(scopeOf(t), started.body.job_id),
      (j) => j?.status === 'cancelled',
      'the job to be cancelled',
    );
    expect(job!.status).toBe('cancelled');
    const settled = await until(
      () => projectOf(t, project),
      (p) => p.status !== 'generating',
      'the project to settle',
    );
    expect(settled.status).toBe('draft');
    expect((await as(t)(`${LIB}/projects/${project}/cancel`, { method: 'POST' })).status).toBe(409);
    expect(
      (await as(t)(`${LIB}/projects/${project}/generate-from-segments`, { json: { variant_count: 1 } })).status,
    ).toBe(202);
  });

  it('replays with the same Idempotency-Key instead of answering 409', async () => {
    const t = await seedUser('gen');
    const { project } = await projectWithSegments(t);
    const headers = { 'Idempotency-Key': `gen-${project}` };
    const first = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, {
      json: { variant_count: 2 },
      headers,
    });
    const replay = await as(t)(`${LIB}/projects/${project}/generate-from-segments`, {
      json: { variant_count: 2 },
      headers,
    });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replay.body.job_id).toBe(first.body.job_id);
  });
});

describe('render, bulk-render, remove-audio', () => {
  async function clipsWithVideo(t: Tenant, n: number) {
    const project = (await as(t)(`${LIB}/projects`, { json: { name: 'R' } })).body.id as string;
    const clips = await seedClips(t, project, n);
    for (const id of clips) await putRawClip(t, id);
    return { project, clips };
  }

  it('queues a render (form or JSON preset), marks the clip processing with an export row, refuses a second one', async () => {
    const t = await seedUser('render');
    const { clips } = await clipsWithVideo(t, 2);
    const form = new FormData();
    form.append('preset_name', 'tiktok');
    const res = await as(t)(`${LIB}/clips/${clips[0]}/render`, { body: form });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'processing',
      clip_id: clips[0],
      preset: 'tiktok',
      // The voice-over (if any) ducks the clip only while it sounds unless asked otherwise.
      job: { type: 'render_clip', input: { clip_id: clips[0], preset_name: 'tiktok', ducking: 'sidechain' } },
    });
    const exportRow = await env.DB.prepare('SELECT status, preset_id, job_id FROM exports WHERE id = ?')
      .bind(res.body.export_id)
      .first();
    expect(exportRow).toEqual({ status: 'processing', preset_id: 'pst_tiktok', job_id: res.body.job_id });
    expect((await as(t)(`${LIB}/clips/${clips[0]}`)).body.clip.final_status).toBe('processing');
    const again = await as(t)(`${LIB}/clips/${clips[0]}/render`, { json: {} });
    expect(again.status).toBe(409);

    const invalid = await as(t)(`${LIB}/clips/${clips[1]}/render`, { json: { ducking: 'loud' } });
    expect(invalid.status).toBe(400);
    const json = await as(t)(`${LIB}/clips/${clips[1]}/render`, { json: { ducking: 'constant' } });
    expect(json.body.preset).toBe('instagram_reels');
    expect(json.body.job.input).toMatchObject({ ducking: 'constant' });
  });

  it('refuses unknown presets and clips without video, queueing nothing', async () => {
    const t = await seedUser('render');
    const project = (await as(t)(`${LIB}/projects`, { json: { name: 'R' } })).body.id as string;
    const [bare] = await seedClips(t, project, 1);
    const { clips } = await clipsWithVideo(t, 1);
    const unknown = await as(t)(`${LIB}/clips/${clips[0]}/render`, { json: { preset_name: 'vhs' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/instagram_reels/);
    expect((await as(t)(`${LIB}/clips/${bare}/render`, { json: {} })).status).toBe(409);
    expect((await as(t)(`${LIB}/clips/${bare}/remove-audio`, { method: 'POST' })).status).toBe(409);
    expect((await listJobs(scopeOf(t), { type: 'render_clip' }, { limit: 10 })).items).toEqual([]);
  });

  it('bulk-renders owned clips only: one foreign id and nothing is queued', async () => {
    const t = await seedUser('render');
    const other = await seedUser('render-other');
    const { clips } = await clipsWithVideo(t, 2);
    const { clips: theirs } = await clipsWithVideo(other, 1);
    const refused = await as(t)(`${LIB}/clips/bulk-render?preset_name=youtube_shorts`, { json: [clips[0], theirs[0]] });
    expect(refused.status).toBe(404);
    expect(refused.body.error.details.missing).toEqual([theirs[0]]);
    expect((await getClip(scopeOf(t), clips[0]!))?.finalStatus).toBe('pending');
    expect((await getClip(scopeOf(other), theirs[0]!))?.finalStatus).toBe('pending');
    expect((await listJobs(scopeOf(t), { type: 'render_clip' }, { limit: 10 })).items).toEqual([]);

    const ok = await as(t)(`${LIB}/clips/bulk-render?preset_name=youtube_shorts`, { json: clips });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ status: 'processing', count: 2, preset: 'youtube_shorts' });
    const queued = (await listJobs(scopeOf(t), { type: 'render_clip' }, { limit: 10 })).items;
    expect(queued.map((j) => j.input)).toEqual(clips.map(() => expect.objectContaining({ ducking: 'sidechain' })));
    expect((await as(t)(`${LIB}/clips/bulk-render?ducking=loud`, { json: clips })).status).toBe(400);

    expect(ok.body.renders.map((r: any) => r.clip_id)).toEqual(clips);
  });

  it('queues remove-audio once and reports the running job', async () => {
    const t = await seedUser('render');
    const { clips } = await clipsWithVideo(t, 1);
    const first = await as(t)(`${LIB}/clips/${clips[0]}/remove-audio`, { method: 'POST' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'processing', clip_id: clips[0], job: { type: 'remove_clip_audio' } });
    const again = await as(t)(`${LIB}/clips/${clips[0]}/remove-audio`, { method: 'POST' });
    expect(again.body.job_id).toBe(first.body.job_id);
  });

  it('gives clips signed video, thumbnail and final URLs, never storage keys', async () => {
    const t = await seedUser('render');
    const { project, clips } = await clipsWithVideo(t, 1);
    const body = (await as(t)(`${LIB}/projects/${project}/clips`)).body.clips[0];
    expect(body.video_url).toMatch(/^http:\/\/cutroom\.test\/media\//);
    expect(body.thumbnail_url).toBeNull();
    expect(body.final_video_url).toBeNull();
    expect(JSON.stringify(body)).not.toMatch(/p\/prf_/);
    expect(clips).toHaveLength(1);
  });
});

describe('generation and render: cross-profile isolation', () => {
  it('answers 404 on every route for another profile’s projects and clips', async () => {
    const owner = await seedUser('owner');
    const { project } = await projectWithSegments(owner);
    const [clip] = await seedClips(owner, project, 1);
    await putRawClip(owner, clip!);
    await expectCrossProfileIsolation(owner, [
      { method: 'POST', path: `${LIB}/projects/${project}/generate-from-segments`, json: {} },
      { method: 'POST', path: `${LIB}/projects/${project}/cancel` },
      { method: 'POST', path: `${LIB}/clips/${clip}/render`, json: {} },
      { method: 'POST', path: `${LIB}/clips/bulk-render`, json: [clip] },
      { method: 'POST', path: `${LIB}/clips/${clip}/remove-audio` },
    ]);
    expect((await projectOf(owner, project)).status).toBe('draft');
    expect(await getClip(scopeOf(owner), clip!)).toMatchObject({ finalStatus: 'pending', hasAudio: true });
  });
});
