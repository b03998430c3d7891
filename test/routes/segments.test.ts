/**
 * /api/v1/segments routes inside workerd (real D1, R2, Queues; no media processor: extraction and
 * thumbnails run end to end in test/e2e/library.test.ts). What a client checks: validation with
 * nothing changed, counters that stay true, atomic assignment, SRT matching over this profile only,
 * ranged streaming of an extracted cut, and the cross-profile check on every route.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { insertClip, nextVariantIndex } from '../../src/db/repos/clips.ts';
import { listJobs } from '../../src/db/repos/jobs.ts';
import { recountProjects } from '../../src/db/repos/projects.ts';
import { markExtractReady, recountSegmentUsage } from '../../src/db/repos/segments.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { MATCH_WORK_LIMIT } from '../../src/core/limits.ts';
import { worstCaseMatchInput } from '../helpers/match-inputs.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { BASE as VIDEOS, callUrl, fakeMp4, markProbed, scopeOf, uploadVideo } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';

const SEG = '/api/v1/segments';
const LIB = '/api/v1/library';

async function readyVideo(t: Tenant, overrides: { duration?: number; name?: string } = {}) {
  const { id } = await uploadVideo(t, fakeMp4(4096), overrides.name ? { name: overrides.name } : {});
  await markProbed(t, id, { duration: overrides.duration ?? 30 });
  return id;
}

async function createSegment(t: Tenant, videoId: string, json: Record<string, unknown>) {
  const res = await as(t)(`${SEG}/source-videos/${videoId}/segments`, { json });
  if (res.status !== 201) throw new Error(`create segment: ${res.status} ${res.text}`);
  return res.body as { id: string; [k: string]: any };
}

async function newProject(t: Tenant, name = 'P') {
  return (await as(t)(`${LIB}/projects`, { json: { name, target_duration: 15 } })).body.id as string;
}

/** A clip built from these segments, as generation records it. */
async function seedClipUsing(t: Tenant, projectId: string, segmentIds: string[]) {
  const scope = scopeOf(t);
  const clip = await insertClip(scope, {
    projectId,
    variantIndex: await nextVariantIndex(scope, projectId),
    segmentIds,
    duration: 10,
  });
  await recountSegmentUsage(scope, segmentIds);
  await recountProjects(scope, [projectId]);
  return clip.id;
}

const videoOf = async (t: Tenant, id: string) => (await as(t)(`${VIDEOS}/${id}`)).body;
const segmentOf = async (t: Tenant, id: string) => (await as(t)(`${SEG}/${id}`)).body;

describe('segments: create and validate', () => {
  it('creates a segment with trimmed, de-duplicated keywords and queues its thumbnail', async () => {
    const t = await seedUser('seg');
    const video = await readyVideo(t, { name: 'Beach day' });
    const res = await as(t)(`${SEG}/source-videos/${video}/segments`, {
      json: { start_time: 2.5, end_time: 7, keywords: ['  sunset ', 'Sunset', 'surf', ''], notes: 'golden hour' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      source_video_id: video,
      source_video_name: 'Beach day',
      start_time: 2.5,
      end_time: 7,
      duration: 4.5,
      keywords: ['sunset', 'surf'],
      notes: 'golden hour',
      usage_count: 0,
      is_favorite: false,
      extract_status: 'none',
      stream_url: null,
      thumbnail_url: null,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/p\/prf_|extracted_video_path|thumbnail_path/);
    const jobs = await listJobs(scopeOf(t), { type: 'segment_thumbnail', resource_id: res.body.id }, { limit: 10 });
    expect(jobs.items).toHaveLength(1);
    expect((await videoOf(t, video)).segments_count).toBe(1);
  });

  it('rejects bad times, oversized keyword lists and videos that are not ready, creating nothing', async () => {
    const t = await seedUser('seg');
    const video = await readyVideo(t, { duration: 10 });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ start_time: 5, end_time: 5 }, /end_time: must be greater than start_time/],
      [{ start_time: 6, end_time: 4 }, /end_time: must be greater than start_time/],
      [{ start_time: 8, end_time: 10.5 }, /end_time: must not exceed the video's duration \(10 s\)/],
      [{ start_time: 10, end_time: 12 }, /start_time|end_time/],
      [{ start_time: -1, end_time: 2 }, /start_time/],
      [{ start_time: 1, end_time: 1.05 }, /at least 0.1 s/],
      [{ start_time: 1, end_time: 2, keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) }, /at most 50 keywords/],
      [{ start_time: 1, end_time: 2, keywords: ['x'.repeat(101)] }, /at most 100 characters/],
      [{ start_time: 1, end_time: 2, transforms: { rotate: 45 } }, /transforms/],
      [{ start_time: 1, end_time: 2, path: '/etc/passwd' }, /path|Unrecognized/i],
    ];
    for (const [json, message] of bad) {
      const res = await as(t)(`${SEG}/source-videos/${video}/segments`, { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message, JSON.stringify(json)).toMatch(message);
    }
    expect((await as(t)(`${SEG}/source-videos/${video}/segments`)).body).toEqual([]);
    expect((await videoOf(t, video)).segments_count).toBe(0);

    const { id: processing } = await uploadVideo(t, fakeMp4(2048));
    const notReady = await as(t)(`${SEG}/source-videos/${processing}/segments`, {
      json: { start_time: 0, end_time: 1 },
    });
    expect(notReady.status).toBe(409);
    const unknown = await as(t)(`${SEG}/source-videos/vid_00000000000000000000000000/segments`, {
      json: { start_time: 0, end_time: 1 },
    });
    expect(unknown.status).toBe(404);
  });

  it('lists a video’s segments by start time and keeps segments_count true through deletes', async () => {
    const t = await seedUser('seg');
    const video = await readyVideo(t);
    const c = await createSegment(t, video, { start_time: 20, end_time: 25 });
    const a = await createSegment(t, video, { start_time: 1, end_time: 3 });
    const b = await createSegment(t, video, { start_time: 5, end_time: 9 });
    const list = (await as(t)(`${SEG}/source-videos/${video}/segments`)).body;
    expect(list.map((s: any) => s.id)).toEqual([a.id, b.id, c.id]);
    expect((await videoOf(t, video)).segments_count).toBe(3);
    expect((await as(t)(`${SEG}/${b.id}`, { method: 'DELETE' })).body).toEqual({ status: 'deleted', id: b.id });
    expect((await videoOf(t, video)).segments_count).toBe(2);
    expect((await as(t)(`${SEG}/${b.id}`)).status).toBe(404);
    expect((await as(t)(`${SEG}/${b.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await videoOf(t, video)).segments_count).toBe(2);
  });
});

describe('segments: update, favourite, delete', () => {
  it('re-validates times against the video with the unchanged bound, and discards the cut when they change', async () => {
    const t = await seedUser('seg');
    const video = await readyVideo(t, { duration: 10 });
    const s = await createSegment(t, video, { start_time: 2, end_time: 4, keywords: ['a'] });
    const scope = scopeOf(t);
    // Pretend it was extracted.
    await env.MEDIA.put(storageKeys.segmentExtract(scope, s.id), new Uint8Array([1, 2, 3]));
    await markExtractReady(scope, s.id, {
      startTime: 2,
      endTime: 4,
      key: storageKeys.segmentExtract(scope, s.id),
      mode: 'smart',
      duration: 2,
    });
    expect((await segmentOf(t, s.id)).extract_status).toBe('ready');

    for (const json of [{ end_time: 11 }, { end_time: 1.5 }, { start_time: 4 }, { start_time: 10, end_time: 12 }]) {
      const res = await as(t)(`${SEG}/${s.id}`, { method: 'PATCH', json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    const unchanged = await segmentOf(t, s.id);
    expect(unchanged).toMatchObject({ start_time: 2, end_time: 4, extract_status: 'ready' });

    const notes = await as(t)(`${SEG}/${s.id}`, { method: 'PATCH', json: { notes: 'n', keywords: [' b ', 'B', 'c'] } });
    expect(notes.body).toMatchObject({ notes: 'n', keywords: ['b', 'c'], extract_status: 'ready' });

    const moved = await as(t)(`${SEG}/${s.id}`, { method: 'PATCH', json: { end_time: 6 } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      start_time: 2,
      end_time: 6,
      duration: 4,
      extract_status: 'none',
      stream_url: null,
    });
    expect(await env.MEDIA.head(storageKeys.segmentExtract(scope, s.id))).toBeNull();
  });

  it('toggles the favourite flag', async () => {
    const t = await seedUser('seg');
    const s = await createSegment(t, await readyVideo(t), { start_time: 0, end_time: 2 });
    expect((await as(t)(`${SEG}/${s.id}/favorite`, { method: 'POST' })).body).toEqual({ id: s.id, is_favorite: true });
    expect((await as(t)(`${SEG}/${s.id}/favorite`, { method: 'POST' })).body).toEqual({ id: s.id, is_favorite: false });
  });

  it('deletes a segment with its objects and its project assignments', async () => {
    const t = await seedUser('seg');
    const video = await readyVideo(t);
    const s = await createSegment(t, video, { start_time: 0, end_time: 2 });
    const keep = await createSegment(t, video, { start_time: 3, end_time: 5 });
    const scope = scopeOf(t);
    await env.MEDIA.put(storageKeys.segmentExtract(scope, s.id), new Uint8Array([1]));
    await env.MEDIA.put(storageKeys.segmentThumbnail(scope, s.id), new Uint8Array([2]));
    const project = await newProject(t);
    await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: [s.id, keep.id] } });
    await as(t)(`${SEG}/${s.id}`, { method: 'DELETE' });
    expect((await env.MEDIA.list({ prefix: storageKeys.segmentPrefix(scope, s.id) })).objects).toEqual([]);
    const assigned = (await as(t)(`${SEG}/projects/${project}/segments`)).body;
    expect(assigned.map((x: any) => x.id)).toEqual([keep.id]);
  });
});

describe('segments: library view', () => {
  it('filters by keyword, video, favourites, duration and text, newest first with cursor pages', async () => {
    const t = await seedUser('lib');
    const beach = await readyVideo(t, { name: 'Beach day' });
    const city = await readyVideo(t, { name: 'City night' });
    const s1 = await createSegment(t, beach, { start_time: 0, end_time: 2, keywords: ['Sunset'] });
    const s2 = await createSegment(t, beach, { start_time: 3, end_time: 9, keywords: ['surf'], notes: 'big waves' });
    const s3 = await createSegment(t, city, { start_time: 0, end_time: 4, keywords: ['neon', 'sunset'] });
    await as(t)(`${SEG}/${s2.id}/favorite`, { method: 'POST' });
    const ids = async (query: string) => ((await as(t)(`${SEG}/${query}`)).body as any[]).map((s) => s.id);

    expect(await ids('')).toEqual([s3.id, s2.id, s1.id]);
    expect(await ids('?keyword=SUNSET')).toEqual([s3.id, s1.id]);
    expect(await ids(`?source_video_id=${beach}`)).toEqual([s2.id, s1.id]);
    expect(await ids('?favorites_only=true')).toEqual([s2.id]);
    expect(await ids('?min_duration=3')).toEqual([s3.id, s2.id]);
    expect(await ids('?max_duration=4')).toEqual([s3.id, s1.id]);
    expect(await ids('?min_duration=3&max_duration=5')).toEqual([s3.id]);
    expect(await ids('?search=waves')).toEqual([s2.id]);
    expect(await ids('?search=city')).toEqual([s3.id]);
    expect(await ids('?search=100%25')).toEqual([]);

    const first = await as(t)(`${SEG}/?limit=2`);
    expect(first.body.map((s: any) => s.id)).toEqual([s3.id, s2.id]);
    const cursor = first.headers.get('X-Next-Cursor');
    expect(cursor).toBe(s2.id);
    const second = await as(t)(`${SEG}/?limit=2&cursor=${cursor}`);
    expect(second.body.map((s: any) => s.id)).toEqual([s1.id]);
    expect(second.headers.get('X-Next-Cursor')).toBeNull();
    expect((await as(t)(`${SEG}/?min_duration=-1`)).status).toBe(400);
  });
});

describe('segments: extraction and streaming', () => {
  it('queues one extract job, reports it while it runs, streams the cut by Range once ready', async () => {
    const t = await seedUser('ext');
    const s = await createSegment(t, await readyVideo(t), { start_time: 1, end_time: 3 });
    const notYet = await as(t)(`${SEG}/${s.id}/stream`);
    expect(notYet.status).toBe(409);
    expect(notYet.body.error.message).toMatch(/not extracted.*extract/);

    const first = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      status: 'extracting',
      segment_id: s.id,
      job: { type: 'extract_segment', input: { segment_id: s.id, mode: 'smart' } },
    });
    expect((await segmentOf(t, s.id)).extract_status).toBe('extracting');
    const again = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'smart' } });
    expect(again.body.job_id).toBe(first.body.job_id);
    const otherMode = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'copy' } });
    expect(otherMode.status).toBe(409);
    expect(otherMode.body.error.details.job_id).toBe(first.body.job_id);
    expect((await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'fast' } })).status).toBe(400);

    // What the job records when the processor is done (the e2e test runs the real one).
    const scope = scopeOf(t);
    const bytes = fakeMp4(5000, 7);
    await env.MEDIA.put(storageKeys.segmentExtract(scope, s.id), bytes, { httpMetadata: { contentType: 'video/mp4' } });
    await markExtractReady(scope, s.id, {
      startTime: 1,
      endTime: 3,
      key: storageKeys.segmentExtract(scope, s.id),
      mode: 'smart',
      duration: 2,
    });
    await env.DB.prepare("UPDATE jobs SET status = 'completed' WHERE id = ?").bind(first.body.job_id).run();

    const ready = await segmentOf(t, s.id);
    expect(ready).toMatchObject({ extract_status: 'ready', extracted_duration: 2, extract_mode: 'smart' });
    const ranged = await as(t)(`${SEG}/${s.id}/stream`, { headers: { Range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('Content-Range')).toBe('bytes 100-199/5000');
    const signed = await callUrl(ready.stream_url, { headers: { Range: 'bytes=4990-' } });
    expect(signed.status).toBe(206);
    expect([...signed.bytes]).toEqual([...bytes.slice(4990)]);

    const done = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'ready', job_id: null });
    const other = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'copy' } });
    expect(other.status).toBe(202);
    expect(other.body.job.input.mode).toBe('copy');
  });

  it('replays an extract request with the same Idempotency-Key', async () => {
    const t = await seedUser('ext');
    const s = await createSegment(t, await readyVideo(t), { start_time: 1, end_time: 3 });
    const headers = { 'Idempotency-Key': `extract-${s.id}` };
    const first = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'copy' }, headers });
    const replay = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'copy' }, headers });
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replay.body.job_id).toBe(first.body.job_id);
    const mismatch = await as(t)(`${SEG}/${s.id}/extract`, { method: 'POST', json: { mode: 'reencode' }, headers });
    expect(mismatch.status).toBe(422);
  });
});

describe('segments: SRT matching', () => {
  const SRT = [
    '1\r\n00:00:01,000 --> 00:00:02,500\r\nWe watched the sunset\r\n',
    '2\r\n00:00:04.000 --> 00:00:05.000\r\nThen șurfing at dawn\r\n',
    '3\r\nnot a timing line\r\nbroken\r\n',
    '4\r\n00:00:00,200 --> 00:00:00,900\r\nSunset first!\r\n',
  ].join('\r\n');

  it("matches this profile's keywords only, sorted by time, and reports broken blocks", async () => {
    const t = await seedUser('srt');
    const other = await seedUser('srt-other');
    const video = await readyVideo(t);
    const sunset = await createSegment(t, video, { start_time: 0, end_time: 2, keywords: ['sunset'] });
    const surf = await createSegment(t, video, { start_time: 2, end_time: 4, keywords: ['surf'] });
    await createSegment(t, video, { start_time: 4, end_time: 6, keywords: ['mountain'] });
    const foreign = await createSegment(other, await readyVideo(other), {
      start_time: 0,
      end_time: 2,
      keywords: ['sunset', 'dawn'],
    });

    const res = await as(t)(`${SEG}/match-srt`, { json: { srt_content: SRT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('X-SRT-Problems')).toBe('1');
    // "sunset" again at 1.0 s is within 1 s of the match at 0.2 s: a duplicate, dropped.
    expect(res.body.map((m: any) => [m.segment_id, m.keyword, m.srt_timestamp, m.confidence])).toEqual([
      [sunset.id, 'sunset', 0.2, 1],
      [surf.id, 'surf', 4, 0.95],
    ]);
    expect(JSON.stringify(res.body)).not.toContain(foreign.id);

    const full = await as(t)(`${SEG}/match-srt?format=full`, { json: { srt_content: SRT, min_confidence: 0.96 } });
    expect(full.body.matches.map((m: any) => m.keyword)).toEqual(['sunset']);
    expect(full.body.problems).toEqual([
      { block: 3, line: expect.any(Number), reason: 'no "start --> end" timing line' },
    ]);
  });

  it('answers 400 for an SRT with no readable cue and for bad parameters', async () => {
    const t = await seedUser('srt');
    const malformed = await as(t)(`${SEG}/match-srt`, { json: { srt_content: '1\n00:00:01 -> 00:00:02\nhello\n' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/no readable cue/);
    expect(malformed.body.error.details[0].message).toMatch(/block 1/);
    expect((await as(t)(`${SEG}/match-srt`, { json: { srt_content: '' } })).status).toBe(400);
    expect(
      (
        await as(t)(`${SEG}/match-srt`, {
          json: { srt_content: '1\n00:00:01,000 --> 00:00:02,000\nhi\n', min_confidence: 2 },
        })
      ).status,
    ).toBe(400);
  });

  it('answers the worst documented input with 422 saying what to reduce, at once, instead of stalling', async () => {
    // A segment with 50 keywords of ~100 characters and a ~480 KB SRT of long cues: the plain matcher
    // held the isolate for ~90 s on this; bounded, it stops within its work budget.
    const t = await seedUser('srt-worst');
    const { keywords, srt } = worstCaseMatchInput();
    await createSegment(t, await readyVideo(t), { start_time: 0, end_time: 2, keywords });
    const res = await as(t)(`${SEG}/match-srt`, { json: { srt_content: srt } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('too_much_work');
    expect(res.body.error.message).toMatch(/50 distinct keyword\(s\).*send a shorter SRT/);
    expect(res.body.error.details).toMatchObject({ keywords: 50, work_limit: MATCH_WORK_LIMIT });
  });
});

describe('segments: project assignment', () => {
  it('assigns by JSON or by repeated form fields, in order, replacing the previous assignment', async () => {
    const t = await seedUser('asg');
    const video = await readyVideo(t);
    const [a, b, c] = [
      await createSegment(t, video, { start_time: 0, end_time: 2 }),
      await createSegment(t, video, { start_time: 2, end_time: 4 }),
      await createSegment(t, video, { start_time: 4, end_time: 6 }),
    ];
    const project = await newProject(t);
    const json = await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: [c.id, a.id] } });
    expect(json.body).toEqual({ status: 'assigned', project_id: project, segments_count: 2 });
    let list = (await as(t)(`${SEG}/projects/${project}/segments`)).body;
    expect(list.map((s: any) => [s.id, s.sequence_order])).toEqual([
      [c.id, 0],
      [a.id, 1],
    ]);

    const form = new FormData();
    for (const id of [b.id, a.id, b.id]) form.append('segment_ids', id);
    const viaForm = await as(t)(`${SEG}/projects/${project}/assign`, { body: form });
    expect(viaForm.body.segments_count).toBe(3);
    list = (await as(t)(`${SEG}/projects/${project}/segments`)).body;
    expect(list.map((s: any) => s.id)).toEqual([b.id, a.id, b.id]);

    const urlencoded = await as(t)(`${SEG}/projects/${project}/assign`, {
      body: `segment_ids=${a.id}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(urlencoded.body.segments_count).toBe(1);
    expect(
      (await as(t)(`${SEG}/projects/${project}/assign`, { body: 'x', headers: { 'Content-Type': 'text/plain' } }))
        .status,
    ).toBe(415);
  });

  it('refuses foreign or unknown segment ids with 404 and keeps the previous assignment', async () => {
    const t = await seedUser('asg');
    const intruderVideo = await seedUser('asg-other');
    const mine = await createSegment(t, await readyVideo(t), { start_time: 0, end_time: 2 });
    const theirs = await createSegment(intruderVideo, await readyVideo(intruderVideo), { start_time: 0, end_time: 2 });
    const project = await newProject(t);
    await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: [mine.id] } });
    for (const ids of [[mine.id, theirs.id], ['seg_00000000000000000000000000'], [mine.id, 'not-an-id']]) {
      const res = await as(t)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: ids } });
      expect(res.status, JSON.stringify(ids)).toBe(404);
      expect(res.body.error.details.missing).toEqual(ids.filter((id) => id !== mine.id));
      expect((await as(t)(`${SEG}/projects/${project}/segments`)).body.map((s: any) => s.id)).toEqual([mine.id]);
    }
    const tooMany = await as(t)(`${SEG}/projects/${project}/assign`, {
      json: { segment_ids: Array.from({ length: 501 }, () => mine.id) },
    });
    expect(tooMany.status).toBe(400);
    const many = await as(t)(`${SEG}/projects/${project}/assign`, {
      json: { segment_ids: Array.from({ length: 120 }, () => mine.id) },
    });
    expect(many.body.segments_count).toBe(120);
    expect((await as(t)(`${SEG}/projects/${project}/segments`)).body).toHaveLength(120);
  });
});

describe('segments: usage counts', () => {
  it('counts live clips built from a segment through delete, restore, purge and project deletion', async () => {
    const t = await seedUser('use');
    const video = await readyVideo(t);
    const a = await createSegment(t, video, { start_time: 0, end_time: 2 });
    const b = await createSegment(t, video, { start_time: 2, end_time: 4 });
    const p1 = await newProject(t, 'one');
    const p2 = await newProject(t, 'two');
    const c1 = await seedClipUsing(t, p1, [a.id, b.id, a.id]);
    const c2 = await seedClipUsing(t, p1, [a.id]);
    await seedClipUsing(t, p2, [b.id]);
    const usage = async () => [(await segmentOf(t, a.id)).usage_count, (await segmentOf(t, b.id)).usage_count];
    expect(await usage()).toEqual([2, 2]);

    await as(t)(`${LIB}/clips/${c1}`, { method: 'DELETE' });
    expect(await usage()).toEqual([1, 1]);
    await as(t)(`${LIB}/clips/${c1}/restore`, { method: 'POST' });
    expect(await usage()).toEqual([2, 2]);
    await as(t)(`${LIB}/clips/bulk-delete`, { json: { clip_ids: [c1, c2] } });
    expect(await usage()).toEqual([0, 1]);
    await as(t)(`${LIB}/clips/${c2}/restore`, { method: 'POST' });
    await as(t)(`${LIB}/clips/${c2}/purge`, { method: 'DELETE' });
    expect(await usage()).toEqual([0, 1]);
    await as(t)(`${LIB}/projects/${p2}`, { method: 'DELETE' });
    expect(await usage()).toEqual([0, 0]);
  });
});

describe('segments: cross-profile isolation', () => {
  it('answers 404 on every route for another profile’s videos, segments and projects', async () => {
    const owner = await seedUser('owner');
    const video = await readyVideo(owner);
    const s = await createSegment(owner, video, { start_time: 0, end_time: 2, keywords: ['secret'] });
    const project = await newProject(owner);
    await as(owner)(`${SEG}/projects/${project}/assign`, { json: { segment_ids: [s.id] } });
    await expectCrossProfileIsolation(
      owner,
      [
        { method: 'POST', path: `${SEG}/source-videos/${video}/segments`, json: { start_time: 0, end_time: 1 } },
        { method: 'GET', path: `${SEG}/source-videos/${video}/segments` },
        { method: 'GET', path: `${SEG}/${s.id}` },
        { method: 'PATCH', path: `${SEG}/${s.id}`, json: { notes: 'mine now' } },
        { method: 'POST', path: `${SEG}/${s.id}/favorite` },
        { method: 'POST', path: `${SEG}/${s.id}/extract` },
        { method: 'GET', path: `${SEG}/${s.id}/stream` },
        { method: 'DELETE', path: `${SEG}/${s.id}` },
        { method: 'GET', path: `${SEG}/projects/${project}/segments` },
        { method: 'POST', path: `${SEG}/projects/${project}/assign`, json: { segment_ids: [] } },
      ],
      [
        { path: `${SEG}/`, ids: [s.id] },
        { path: `${SEG}/?keyword=secret`, ids: [s.id] },
      ],
    );
    // An intruder's own project cannot take the owner's segment either.
    const intruder = await seedUser('intruder');
    const theirProject = await newProject(intruder);
    const res = await as(intruder)(`${SEG}/projects/${theirProject}/assign`, { json: { segment_ids: [s.id] } });
    expect(res.status).toBe(404);
    const matched = await as(intruder)(`${SEG}/match-srt`, {
      json: { srt_content: '1\n00:00:01,000 --> 00:00:02,000\nsecret\n' },
    });
    expect(matched.body).toEqual([]);
    // Nothing the intruders tried changed the owner's segment.
    expect(await segmentOf(owner, s.id)).toMatchObject({ notes: null, is_favorite: false, extract_status: 'none' });
    expect((await listJobs(scopeOf(owner), { type: 'extract_segment' }, { limit: 5 })).items).toEqual([]);
  });
});

describe('segments: API document', () => {
  it('documents every segment, generation and render route', async () => {
    const doc = await as(await seedUser('doc'))('/openapi.json');
    const paths = Object.keys(doc.body.paths);
    for (const p of [
      '/api/v1/segments/source-videos/{id}/segments',
      '/api/v1/segments',
      '/api/v1/segments/{id}',
      '/api/v1/segments/{id}/extract',
      '/api/v1/segments/{id}/stream',
      '/api/v1/segments/{id}/favorite',
      '/api/v1/segments/match-srt',
      '/api/v1/segments/projects/{project_id}/assign',
      '/api/v1/segments/projects/{project_id}/segments',
      '/api/v1/library/projects/{project_id}/generate-from-segments',
      '/api/v1/library/projects/{project_id}/cancel',
      '/api/v1/library/clips/{clip_id}/render',
      '/api/v1/library/clips/bulk-render',
      '/api/v1/library/clips/{clip_id}/remove-audio',
    ]) {
      expect(paths, p).toContain(p);
    }
  });
});
