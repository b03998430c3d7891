/**
 * Tags on source videos, segments and clips: set and replace with PATCH (normalised, bounded), shown
 * by every presenter, and `?tag=` on every library list of those resources, within the profile only.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type TaggedKind, taggedWith } from '../../src/db/repos/tags.ts';
import { clips, segments, sourceVideos } from '../../src/db/schema.ts';
import { MAX_TAGS, MAX_TAG_LENGTH } from '../../src/core/limits.ts';
import { BASE, readyVideo } from '../helpers/worker/source-videos.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { type Tenant, as, seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const SEG = '/api/v1/segments';
const LIB = '/api/v1/library';

async function segmentOf(t: Tenant, videoId: string, start: number) {
  const res = await as(t)(`${SEG}/source-videos/${videoId}/segments`, {
    json: { start_time: start, end_time: start + 1, keywords: ['k'] },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function projectWithClips(t: Tenant, count: number) {
  const res = await as(t)(`${LIB}/projects`, { json: { name: 'Tagged project' } });
  expect(res.status, res.text).toBe(201);
  const projectId = res.body.id as string;
  return { projectId, clipIds: await seedClips(t, projectId, count) };
}

const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();

describe('tags on source videos', () => {
  it('are normalised, replaced as a whole, shown, and filter the list', async () => {
    const t = await seedUser('tags');
    const api = as(t);
    const [a, b, c] = [await readyVideo(t), await readyVideo(t), await readyVideo(t)];
    expect((await api(`${BASE}/${a}`)).body.tags).toEqual([]);

    const set = await api(`${BASE}/${a}`, {
      method: 'PATCH',
      json: { tags: ['  Summer  Sale ', 'summer sale', 'Brand-A'] },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body.tags).toEqual(['summer sale', 'brand-a']);
    await api(`${BASE}/${b}`, { method: 'PATCH', json: { tags: ['brand-a'] } });
    await api(`${BASE}/${c}`, { method: 'PATCH', json: { tags: ['other'] } });

    expect(ids((await api(`${BASE}?tag=brand-a`)).body)).toEqual([a, b].sort());
    // The filter value is normalised as tags are.
    expect(ids((await api(`${BASE}?tag=${encodeURIComponent(' SUMMER sale')}`)).body)).toEqual([a]);
    expect((await api(`${BASE}?tag=nothing`)).body).toEqual([]);

    // Replacing drops the old tags from the filter too; other fields are untouched.
    const replaced = await api(`${BASE}/${a}`, { method: 'PATCH', json: { tags: ['other'] } });
    expect(replaced.body.tags).toEqual(['other']);
    expect(ids((await api(`${BASE}?tag=brand-a`)).body)).toEqual([b]);
    expect(ids((await api(`${BASE}?tag=other`)).body)).toEqual([a, c].sort());
    const renamed = await api(`${BASE}/${a}`, { method: 'PATCH', json: { name: 'Renamed' } });
    expect(renamed.body.tags).toEqual(['other']);
    // Combined with the status filter.
    expect(ids((await api(`${BASE}?tag=other&status=ready`)).body)).toEqual([a, c].sort());
    expect((await api(`${BASE}?tag=other&status=failed`)).body).toEqual([]);

    const cleared = await api(`${BASE}/${a}`, { method: 'PATCH', json: { tags: [] } });
    expect(cleared.body.tags).toEqual([]);
    expect(ids((await api(`${BASE}?tag=other`)).body)).toEqual([c]);
  });

  it('refuses too many, too long, empty or oddly spelled tags with the field path', async () => {
    const t = await seedUser('tags');
    const id = await readyVideo(t);
    for (const tags of [
      Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`),
      ['x'.repeat(MAX_TAG_LENGTH + 1)],
      ['   '],
      ['semi;colon'],
      ['<script>'],
      'not-a-list',
    ]) {
      const res = await as(t)(`${BASE}/${id}`, { method: 'PATCH', json: { tags } });
      expect(res.status, JSON.stringify(tags)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.error.details)).toContain('tags');
    }
    expect((await as(t)(`${BASE}?tag=${'x'.repeat(MAX_TAG_LENGTH + 1)}`)).status).toBe(400);
    // Exactly at the bounds is fine.
    const ok = await as(t)(`${BASE}/${id}`, {
      method: 'PATCH',
      json: { tags: [...Array.from({ length: MAX_TAGS - 1 }, (_, i) => `t${i}`), 'x'.repeat(MAX_TAG_LENGTH)] },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.tags).toHaveLength(MAX_TAGS);
  });

  it('stay within the profile: another profile cannot tag, see or filter by them', async () => {
    const owner = await seedUser('tags');
    const sibling = await seedProfile(owner);
    const stranger = await seedUser('tags');
    const id = await readyVideo(owner);
    await as(owner)(`${BASE}/${id}`, { method: 'PATCH', json: { tags: ['secret-campaign'] } });
    for (const other of [sibling, stranger]) {
      expect((await as(other)(`${BASE}/${id}`, { method: 'PATCH', json: { tags: ['mine'] } })).status).toBe(404);
      expect((await as(other)(`${BASE}?tag=secret-campaign`)).body).toEqual([]);
    }
    // The same tag in another profile lists only that profile's own videos.
    const theirs = await readyVideo(sibling);
    await as(sibling)(`${BASE}/${theirs}`, { method: 'PATCH', json: { tags: ['secret-campaign'] } });
    expect(ids((await as(owner)(`${BASE}?tag=secret-campaign`)).body)).toEqual([id]);
    expect(ids((await as(sibling)(`${BASE}?tag=secret-campaign`)).body)).toEqual([theirs]);
    expect((await as(owner)(`${BASE}/${id}`)).body.tags).toEqual(['secret-campaign']);
  });

  it('go with the video when it is deleted', async () => {
    const t = await seedUser('tags');
    const id = await readyVideo(t);
    await as(t)(`${BASE}/${id}`, { method: 'PATCH', json: { tags: ['gone'] } });
    expect((await as(t)(`${BASE}/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await as(t)(`${BASE}?tag=gone`)).body).toEqual([]);
  });
});

describe('tags on segments', () => {
  it('are set by PATCH, shown, and filter the library and the video’s segment list', async () => {
    const t = await seedUser('tags');
    const api = as(t);
    const video = await readyVideo(t);
    const [s1, s2, s3] = [await segmentOf(t, video, 0), await segmentOf(t, video, 1), await segmentOf(t, video, 2)];
    const set = await api(`${SEG}/${s1}`, { method: 'PATCH', json: { tags: ['Hook', 'B-roll'] } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.tags).toEqual(['hook', 'b-roll']);
    expect(set.body.keywords).toEqual(['k']);
    await api(`${SEG}/${s2}`, { method: 'PATCH', json: { tags: ['hook'] } });
    expect((await api(`${SEG}/${s3}`)).body.tags).toEqual([]);

    expect(ids((await api(`${SEG}?tag=hook`)).body)).toEqual([s1, s2].sort());
    expect(ids((await api(`${SEG}?tag=b-roll`)).body)).toEqual([s1]);
    expect(ids((await api(`${SEG}?tag=hook&source_video_id=${video}`)).body)).toEqual([s1, s2].sort());
    expect(ids((await api(`${SEG}/source-videos/${video}/segments?tag=hook`)).body)).toEqual([s1, s2].sort());
    expect((await api(`${SEG}/source-videos/${video}/segments`)).body).toHaveLength(3);

    const stranger = await seedUser('tags');
    expect((await as(stranger)(`${SEG}/${s1}`, { method: 'PATCH', json: { tags: ['x'] } })).status).toBe(404);
    expect((await as(stranger)(`${SEG}?tag=hook`)).body).toEqual([]);
    expect((await api(`${SEG}/${s1}`, { method: 'PATCH', json: { tags: ['a;b'] } })).status).toBe(400);

    expect((await api(`${SEG}/${s1}`, { method: 'DELETE' })).status).toBe(200);
    expect(ids((await api(`${SEG}?tag=hook`)).body)).toEqual([s2]);
  });
});

describe('tags on clips', () => {
  it('are set by PATCH, shown, and filter all clips and a project’s clips', async () => {
    const t = await seedUser('tags');
    const api = as(t);
    const { projectId, clipIds } = await projectWithClips(t, 3);
    const [c1, c2, c3] = clipIds as [string, string, string];
    const set = await api(`${LIB}/clips/${c1}`, { method: 'PATCH', json: { tags: ['Approved', 'tiktok'] } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.clip.tags).toEqual(['approved', 'tiktok']);
    await api(`${LIB}/clips/${c2}`, { method: 'PATCH', json: { tags: ['tiktok'], is_selected: true } });
    expect((await api(`${LIB}/clips/${c3}`)).body.clip.tags).toEqual([]);

    const all = await api(`${LIB}/all-clips?tag=tiktok`);
    expect(ids(all.body.clips)).toEqual([c1, c2].sort());
    expect(ids((await api(`${LIB}/all-clips?tag=tiktok&is_selected=true`)).body.clips)).toEqual([c2]);
    expect(ids((await api(`${LIB}/projects/${projectId}/clips?tag=approved`)).body.clips)).toEqual([c1]);
    expect((await api(`${LIB}/projects/${projectId}/clips`)).body.clips).toHaveLength(3);

    const stranger = await seedUser('tags');
    expect((await as(stranger)(`${LIB}/clips/${c1}`, { method: 'PATCH', json: { tags: ['x'] } })).status).toBe(404);
    expect((await as(stranger)(`${LIB}/all-clips?tag=tiktok`)).body.clips).toEqual([]);
    expect(
      (await api(`${LIB}/clips/${c1}`, { method: 'PATCH', json: { tags: ['x'.repeat(MAX_TAG_LENGTH + 1)] } })).status,
    ).toBe(400);
  });
});

describe('tag filters', () => {
  it('find the tagged rows through the tag tables’ (profile_id, tag, id) key, never by reading JSON', async () => {
    const t = await seedUser('tags');
    const scope = scopeOf(t);
    const queries = {
      source_video: scope.db.select({ id: sourceVideos.id }).from(sourceVideos),
      segment: scope.db.select({ id: segments.id }).from(segments),
      clip: scope.db.select({ id: clips.id }).from(clips),
    };
    for (const [kind, query] of Object.entries(queries) as [TaggedKind, (typeof queries)[TaggedKind]][]) {
      const { sql, params } = query.where(taggedWith(scope, kind, 'summer')).toSQL();
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const details = plan.results.map((r) => r.detail).join('\n');
      expect(details, kind).toMatch(
        new RegExp(
          `SEARCH ${kind}_tags USING (PRIMARY KEY|COVERING INDEX sqlite_autoindex_${kind}_tags_1) \\(profile_id=\\? AND tag=\\?\\)`,
        ),
      );
      expect(details, kind).not.toMatch(/json_each|SCAN \w+_tags/);
    }
  });
});
