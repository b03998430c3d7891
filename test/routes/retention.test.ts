/**
 * Retention (docs/api.md#retention): the profile's settings and their ceilings, `delete_after` on source
 * videos, clips and jobs, the dry run, and the hourly run deleting exactly what the dry run listed
 * (rows and R2 objects) while everything still needed survives.
 */
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { RETENTION_BATCH, runRetention } from '../../src/housekeeping/retention.ts';
import { enqueueParsedJob } from '../../src/jobs/producer.ts';
import {
  clips as clipsTable,
  jobs as jobsTable,
  projectSegments,
  projects,
  publications,
  segments,
  sourceVideos,
} from '../../src/db/schema.ts';
import type { ProfileScope } from '../../src/db/scope.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { call } from '../helpers/worker/api.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { type Tenant, as, seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const LIB = '/api/v1/library';
const VIDEOS = '/api/v1/segments/source-videos';
const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const preview = (t: Tenant) => call(`/api/v1/profiles/${t.profileId}/retention/preview`, { token: t.token });

/** A ready source video with its bytes in R2 (what a probed upload leaves), created `age` ms ago. */
async function seedVideo(scope: ProfileScope, name: string, extra: Partial<typeof sourceVideos.$inferInsert> = {}) {
  const id = newId('sourceVideo');
  const storageKey = storageKeys.sourceVideo(scope, id);
  await scope.db.insert(sourceVideos).values({
    id,
    profileId: scope.profileId,
    name,
    status: 'ready',
    declaredSizeBytes: 16,
    fileSizeBytes: 16,
    storageKey,
    createdAt: ago(60 * DAY),
    ...extra,
  });
  await env.MEDIA.put(storageKey, new Uint8Array(16));
  return id;
}

async function seedSegment(scope: ProfileScope, videoId: string) {
  const id = newId('segment');
  await scope.db
    .insert(segments)
    .values({ id, profileId: scope.profileId, sourceVideoId: videoId, startTime: 0, endTime: 1 });
  await env.MEDIA.put(storageKeys.segmentExtract(scope, id), new Uint8Array(8));
  return id;
}

async function seedJob(scope: ProfileScope, values: Partial<typeof jobsTable.$inferInsert> & { output?: boolean }) {
  const id = newId('job');
  const { output, ...rest } = values;
  const key = storageKeys.jobOutput(scope, id, 'out.mp4');
  if (output) await env.MEDIA.put(key, new Uint8Array(8));
  await scope.db.insert(jobsTable).values({
    id,
    profileId: scope.profileId,
    type: 'process_video',
    status: 'completed',
    input: {},
    outputKeys: output ? [key] : [],
    finishedAt: ago(10 * DAY),
    dispatchedAt: ago(10 * DAY),
    ...rest,
  });
  return { id, key };
}

const objectCount = async (prefix: string) => (await env.MEDIA.list({ prefix })).objects.length;
const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
const held = (rows: { id: string; held_by: string }[]) =>
  Object.fromEntries(rows.map((r) => [r.id, r.held_by] as const));

describe('retention settings', () => {
  it('sets, shows and clears the retention periods, never above the deployment ceilings', async () => {
    const user = await seedUser('ret-settings');
    const path = `/api/v1/profiles/${user.profileId}`;
    const set = await call(path, {
      method: 'PATCH',
      token: user.token,
      json: { source_retention_days: 30, output_retention_days: 7, trash_retention_days: 5 },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ source_retention_days: 30, output_retention_days: 7, trash_retention_days: 5 });
    // The deployment keeps trash 30 days at most (TRASH_RETENTION_DAYS).
    const above = await call(path, { method: 'PATCH', token: user.token, json: { trash_retention_days: 31 } });
    expect(above.status).toBe(400);
    expect(above.body.error.message).toContain('TRASH_RETENTION_DAYS');
    const bad = await call(path, { method: 'PATCH', token: user.token, json: { source_retention_days: 0 } });
    expect(bad.status).toBe(400);
    const cleared = await call(path, { method: 'PATCH', token: user.token, json: { trash_retention_days: null } });
    expect(cleared.body).toMatchObject({ source_retention_days: 30, trash_retention_days: null });
    expect((await preview(user)).body.policy).toEqual({ source_days: 30, output_days: 7, trash_days: 30 });
  });

  it('schedules and clears delete_after on source videos, clips and jobs, owner only', async () => {
    const user = await seedUser('ret-dates');
    const api = as(user);
    const scope = scopeOf(user);
    const video = await seedVideo(scope, 'V');
    const project = (await api(`${LIB}/projects`, { json: { name: 'P' } })).body.id as string;
    const [clip] = await seedClips(user, project, 1);
    const { id: job } = await seedJob(scope, {});
    const when = '2027-01-31T10:00:00+02:00';
    const utc = '2027-01-31T08:00:00.000Z';

    const v = await api(`${VIDEOS}/${video}`, { method: 'PATCH', json: { delete_after: when } });
    expect(v.body).toMatchObject({ id: video, delete_after: utc });
    const c = await api(`${LIB}/clips/${clip}`, { method: 'PATCH', json: { delete_after: when } });
    expect(c.body.clip).toMatchObject({ id: clip, delete_after: utc });
    const j = await api(`/api/v1/jobs/${job}`, { method: 'PATCH', json: { delete_after: when } });
    expect(j.body).toMatchObject({ id: job, delete_after: utc });
    expect((await api(`/api/v1/jobs/${job}`)).body.delete_after).toBe(utc);

    expect((await api(`${VIDEOS}/${video}`, { method: 'PATCH', json: { delete_after: 'tomorrow' } })).status).toBe(400);
    expect((await api(`${VIDEOS}/${video}`, { method: 'PATCH', json: { delete_after: null } })).body.delete_after).toBe(
      null,
    );
    expect((await api(`${VIDEOS}/${video}`)).body.delete_after).toBe(null);

    await expectCrossProfileIsolation(user, [
      { method: 'PATCH', path: `${VIDEOS}/${video}`, json: { delete_after: when } },
      { method: 'PATCH', path: `${LIB}/clips/${clip}`, json: { delete_after: when } },
      { method: 'PATCH', path: `/api/v1/jobs/${job}`, json: { delete_after: when } },
    ]);
    expect((await api(`${LIB}/clips/${clip}`)).body.clip.delete_after).toBe(utc);
  });
});

describe('retention runs', () => {
  it('deletes exactly what the dry run listed, rows and objects, and keeps what is still needed', async () => {
    const user = await seedUser('ret-run');
    const other = await seedProfile(user, 'Other brand');
    const api = as(user);
    const scope = scopeOf(user);
    await call(`/api/v1/profiles/${user.profileId}`, {
      method: 'PATCH',
      token: user.token,
      json: { source_retention_days: 30, output_retention_days: 7, trash_retention_days: 5 },
    });

    // Source videos, all added 60 days ago unless said otherwise.
    const vUnused = await seedVideo(scope, 'unused');
    const vUnusedSeg = await seedSegment(scope, vUnused);
    const vRecent = await seedVideo(scope, 'used yesterday', { lastUsedAt: ago(DAY) });
    const vProject = await seedVideo(scope, 'in a project');
    const vClip = await seedVideo(scope, 'in a clip');
    const vProjectSource = await seedVideo(scope, 'source of a project');
    const vActive = await seedVideo(scope, 'read by a running job');
    const vScheduled = await seedVideo(scope, 'scheduled', { createdAt: ago(0), deleteAfter: ago(3_600_000) });
    const vFuture = await seedVideo(scope, 'scheduled later', { createdAt: ago(0), deleteAfter: ago(-DAY) });
    const vUploading = await seedVideo(scope, 'upload open', { status: 'pending_upload' });
    const vHeldScheduled = await seedVideo(scope, 'scheduled, in a project', { deleteAfter: ago(1000) });
    const vTrashedClip = await seedVideo(scope, 'in a trashed clip');

    const project = (await api(`${LIB}/projects`, { json: { name: 'Live' } })).body.id as string;
    for (const [i, video] of [vProject, vHeldScheduled].entries()) {
      await scope.db.insert(projectSegments).values({
        id: newId('projectSegment'),
        profileId: user.profileId,
        projectId: project,
        segmentId: await seedSegment(scope, video),
        sequenceOrder: i,
      });
    }
    const clipSegment = await seedSegment(scope, vClip);
    const trashedClipSegment = await seedSegment(scope, vTrashedClip);
    await scope.db
      .insert(projects)
      .values({ id: newId('project'), profileId: user.profileId, name: 'From', sourceVideoId: vProjectSource });
    await seedJob(scope, { status: 'running', finishedAt: null, resourceType: 'source_video', resourceId: vActive });

    // Clips: trashed long ago, trashed lately, scheduled, scheduled but in a scheduled publication.
    const [cTrashOld, cTrashNew, cDue, cPublished, cUsesSegment] = await seedClips(user, project, 5);
    for (const id of [cTrashOld, cTrashNew, cDue, cPublished])
      await env.MEDIA.put(storageKeys.clipRaw(scope, id!), new Uint8Array(8));
    const setClip = (id: string, values: Partial<typeof clipsTable.$inferInsert>) =>
      scope.db.update(clipsTable).set(values).where(eq(clipsTable.id, id));
    await setClip(cTrashOld!, { isDeleted: true, deletedAt: ago(6 * DAY) });
    // A clip in the trash can be restored: the segments it was built from are still needed.
    await setClip(cTrashNew!, { isDeleted: true, deletedAt: ago(DAY), segmentIds: [trashedClipSegment] });
    await setClip(cDue!, { deleteAfter: ago(1000) });
    await setClip(cPublished!, { deleteAfter: ago(1000) });
    await setClip(cUsesSegment!, { segmentIds: [clipSegment] });
    await scope.db.insert(publications).values({
      id: newId('publication'),
      profileId: user.profileId,
      clipId: cPublished!,
      integrationIds: ['int_1'],
      caption: 'Soon',
      scheduledAt: ago(-DAY),
      status: 'scheduled',
      postizGroup: newId('publication'),
    });

    // Jobs: old outputs, recent outputs, old without outputs, scheduled, and one an active job reads.
    const jOld = await seedJob(scope, { output: true });
    const jRecent = await seedJob(scope, { output: true, finishedAt: ago(DAY) });
    await seedJob(scope, { output: false });
    const jDue = await seedJob(scope, { status: 'failed', deleteAfter: ago(1000), finishedAt: ago(0) });
    const jRead = await seedJob(scope, { output: true });
    await seedJob(scope, { status: 'running', finishedAt: null, input: { from_job: jRead.id } });

    // The other profile keeps everything: no settings, and sources have no deployment limit.
    const otherScope = scopeOf(other);
    const otherVideo = await seedVideo(otherScope, 'other brand, old');

    const dry = await preview(user);
    expect(dry.status).toBe(200);
    const plan = dry.body;
    expect(ids(plan.source_videos.delete)).toEqual([vUnused, vScheduled].sort());
    expect(held(plan.source_videos.held)).toEqual({
      [vProject]: 'project_segments',
      [vClip]: 'clip_segments',
      [vProjectSource]: 'project_source',
      [vActive]: 'active_job',
      [vHeldScheduled]: 'project_segments',
      [vTrashedClip]: 'clip_segments',
    });
    expect(plan.source_videos.delete.find((r: any) => r.id === vScheduled).reason).toBe('delete_after');
    expect(plan.source_videos.delete.find((r: any) => r.id === vUnused).reason).toBe('unused');
    expect(ids(plan.clips.delete)).toEqual([cTrashOld, cDue].sort());
    expect(plan.clips.delete.find((r: any) => r.id === cTrashOld).reason).toBe('trash_expired');
    expect(held(plan.clips.held)).toEqual({ [cPublished!]: 'scheduled_publication' });
    expect(ids(plan.jobs.delete)).toEqual([jOld.id, jDue.id].sort());
    expect(held(plan.jobs.held)).toEqual({ [jRead.id]: 'active_job' });
    expect((await preview(other)).body.source_videos).toEqual({ delete: [], held: [] });
    // Another user cannot read this profile's preview.
    const stranger = await seedUser('ret-stranger');
    expect((await call(`/api/v1/profiles/${user.profileId}/retention/preview`, { token: stranger.token })).status).toBe(
      403,
    );

    // The dry run deleted nothing.
    expect((await api(`${VIDEOS}/${vUnused}`)).status).toBe(200);

    await runRetention(env);

    for (const id of [vUnused, vScheduled]) {
      expect((await api(`${VIDEOS}/${id}`)).status).toBe(404);
      expect(await objectCount(storageKeys.videoPrefix(scope, id))).toBe(0);
    }
    expect(await scope.db.select().from(segments).where(eq(segments.id, vUnusedSeg))).toEqual([]);
    expect(await objectCount(storageKeys.segmentPrefix(scope, vUnusedSeg))).toBe(0);
    for (const id of [
      vRecent,
      vProject,
      vClip,
      vProjectSource,
      vActive,
      vFuture,
      vUploading,
      vHeldScheduled,
      vTrashedClip,
    ]) {
      expect((await api(`${VIDEOS}/${id}`)).status, id).toBe(200);
      expect(await objectCount(storageKeys.videoPrefix(scope, id))).toBe(1);
    }
    for (const id of [cTrashOld, cDue]) expect((await api(`${LIB}/clips/${id}`)).status).toBe(404);
    for (const id of [cTrashOld!, cDue!])
      await expect.poll(() => objectCount(storageKeys.clipPrefix(scope, id)), { timeout: 10_000 }).toBe(0);
    for (const id of [cTrashNew, cPublished, cUsesSegment]) expect((await api(`${LIB}/clips/${id}`)).status).toBe(200);
    expect(await objectCount(storageKeys.clipPrefix(scope, cPublished!))).toBe(1);
    for (const { id } of [jOld, jDue]) expect((await api(`/api/v1/jobs/${id}`)).status).toBe(404);
    expect(await objectCount(storageKeys.jobPrefix(scope, jOld.id))).toBe(0);
    for (const { id, key } of [jRecent, jRead]) {
      expect((await api(`/api/v1/jobs/${id}`)).status).toBe(200);
      expect(await env.MEDIA.head(key)).not.toBeNull();
    }
    expect((await as(other)(`${VIDEOS}/${otherVideo}`)).status).toBe(200);

    // Nothing left to do: the next dry run lists no deletion, and the same holds.
    const after = (await preview(user)).body;
    expect([after.source_videos.delete, after.clips.delete, after.jobs.delete]).toEqual([[], [], []]);
    expect(held(after.source_videos.held)).toEqual(held(plan.source_videos.held));
  });

  it('records a use when a job reads a source video or one of its segments, and on download', async () => {
    const user = await seedUser('ret-use');
    const scope = scopeOf(user);
    const direct = await seedVideo(scope, 'direct');
    const viaSegment = await seedVideo(scope, 'via segment');
    const downloaded = await seedVideo(scope, 'downloaded');
    const untouched = await seedVideo(scope, 'untouched');
    const segment = await seedSegment(scope, viaSegment);
    const lastUsed = async (id: string) => (await as(user)(`${VIDEOS}/${id}`)).body.last_used_at as string | null;
    expect(await lastUsed(direct)).toBe(null);

    const before = new Date().toISOString();
    await enqueueParsedJob(
      scope,
      env,
      'echo',
      { message: 'read' },
      { resourceType: 'source_video', resourceId: direct },
    );
    // More ids than D1 binds in one statement: the real segment comes last, in the second chunk.
    const unknown = Array.from({ length: 150 }, () => newId('segment'));
    await enqueueParsedJob(scope, env, 'echo', { message: 'read', segment_ids: [...unknown, segment] });
    const res = await as(user)(`${VIDEOS}/${downloaded}/stream?download=true`);
    expect(res.status).toBe(200);

    for (const id of [direct, viaSegment, downloaded]) expect(((await lastUsed(id)) ?? '') >= before, id).toBe(true);
    expect(await lastUsed(untouched)).toBe(null);

    // A used source is no longer due under a 30-day policy; the untouched one (60 days old) is.
    await call(`/api/v1/profiles/${user.profileId}`, {
      method: 'PATCH',
      token: user.token,
      json: { source_retention_days: 30 },
    });
    expect(ids((await preview(user)).body.source_videos.delete)).toEqual([untouched]);
  });

  it('deletes in bounded batches: the dry run lists the next batch, the run deletes it, the rest waits', async () => {
    const user = await seedUser('ret-batch');
    const scope = scopeOf(user);
    const all: string[] = [];
    for (let i = 0; i < RETENTION_BATCH + 5; i++)
      all.push((await seedJob(scope, { deleteAfter: ago(1000), output: true })).id);
    const first = (await preview(user)).body.jobs.delete.map((r: { id: string }) => r.id);
    expect(first).toHaveLength(RETENTION_BATCH);
    expect(first).toEqual([...all].sort().slice(0, RETENTION_BATCH));

    await runRetention(env);
    const left = (
      await scope.db.select({ id: jobsTable.id }).from(jobsTable).where(eq(jobsTable.profileId, user.profileId))
    )
      .map((r) => r.id)
      .sort();
    expect(left).toEqual([...all].sort().slice(RETENTION_BATCH));
    expect(await objectCount(`${storageKeys.jobPrefix(scope, first[0])}`)).toBe(0);
    expect(ids((await preview(user)).body.jobs.delete)).toEqual(left);
    await runRetention(env);
    expect((await preview(user)).body.jobs.delete).toEqual([]);
  });

  it('takes profiles in turn: profiles with nothing deletable never keep a later one waiting', async () => {
    // Candidates every run (own settings) with nothing due, created before the profile with work.
    for (let i = 0; i < 3; i++) {
      const idle = await seedUser('ret-idle');
      const set = await call(`/api/v1/profiles/${idle.profileId}`, {
        method: 'PATCH',
        token: idle.token,
        json: { source_retention_days: 30 },
      });
      expect(set.status).toBe(200);
    }
    const user = await seedUser('ret-later');
    const job = await seedJob(scopeOf(user), { deleteAfter: ago(1000), output: true });
    const gone = async () => (await as(user)(`/api/v1/jobs/${job.id}`)).status === 404;

    // One profile per run: within one turn over every profile the later one's job goes.
    const { count } = (await env.DB.prepare('SELECT count(*) AS count FROM profiles').first<{ count: number }>())!;
    let runs = 0;
    while (!(await gone()) && runs <= count) {
      await runRetention(env, Date.now(), { profilesPerRun: 1 });
      runs++;
    }
    expect(await gone(), `still there after ${runs} runs over ${count} profiles`).toBe(true);
    expect(await objectCount(job.key)).toBe(0);
  });
});
