import { describe, expect, it } from 'vitest';
import { setProjectProgress } from '../../src/db/repos/projects.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

const BASE = '/api/v1/library/projects';

async function setup() {
  const user = await seedUser('lib');
  return { user, api: as(user) };
}

describe('/api/v1/library/projects', () => {
  it('creates a draft project with defaults and validates input', async () => {
    const { api } = await setup();
    const res = await api(BASE, { json: { name: 'Spring launch', context_text: 'sneakers' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Spring launch',
      status: 'draft',
      target_duration: 20,
      context_text: 'sneakers',
      variants_count: 0,
      progress: 0,
    });
    const bad = await api(BASE, { json: { name: '', target_duration: 0, unknown: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(['(root)', 'name', 'target_duration']);
  });

  it('lists newest first with a status filter and pagination', async () => {
    const { api } = await setup();
    const a = (await api(BASE, { json: { name: 'A' } })).body.id;
    const b = (await api(BASE, { json: { name: 'B' } })).body.id;
    await api(`${BASE}/${a}`, { method: 'PATCH', json: { status: 'ready_for_triage' } });
    const all = await api(`${BASE}?limit=1`);
    expect(all.body.projects.map((p: any) => p.id)).toEqual([b]);
    expect((await api(`${BASE}?limit=1&cursor=${all.body.next_cursor}`)).body.projects.map((p: any) => p.id)).toEqual([
      a,
    ]);
    expect((await api(`${BASE}?status=ready_for_triage`)).body.projects.map((p: any) => p.id)).toEqual([a]);
  });

  it('updates allowed fields only; generation states belong to jobs', async () => {
    const { api } = await setup();
    const id = (await api(BASE, { json: { name: 'A' } })).body.id;
    const res = await api(`${BASE}/${id}`, { method: 'PATCH', json: { name: 'B', target_duration: 30 } });
    expect(res.body).toMatchObject({ status: 'updated', project: { name: 'B', target_duration: 30 } });
    expect((await api(`${BASE}/${id}`, { method: 'PATCH', json: { status: 'generating' } })).status).toBe(400);
  });

  it('reports persisted progress, clamped and never above 100', async () => {
    const { user, api } = await setup();
    const id = (await api(BASE, { json: { name: 'A' } })).body.id;
    expect((await api(`${BASE}/${id}/progress`)).body).toMatchObject({ status: 'draft', percentage: 0 });
    await scopeOf(user).db.run(`UPDATE projects SET status = 'generating' WHERE id = '${id}'`);
    await setProjectProgress(scopeOf(user), id, 250, 'Rendering variant 3 of 2');
    expect((await api(`${BASE}/${id}/progress`)).body).toMatchObject({
      status: 'generating',
      percentage: 100,
      current_step: 'Rendering variant 3 of 2',
    });
    await setProjectProgress(scopeOf(user), id, 40, 'earlier');
    expect((await api(`${BASE}/${id}/progress`)).body.percentage).toBe(100);
  });

  it('lists clips by variant index, hides soft-deleted ones unless asked', async () => {
    const { user, api } = await setup();
    const id = (await api(BASE, { json: { name: 'A' } })).body.id;
    const [c1, c2, c3] = await seedClips(user, id, 3);
    await api(`/api/v1/library/clips/${c2}`, { method: 'DELETE' });
    expect((await api(`${BASE}/${id}/clips`)).body.clips.map((c: any) => [c.id, c.variant_index])).toEqual([
      [c1, 1],
      [c3, 3],
    ]);
    expect((await api(`${BASE}/${id}/clips?include_deleted=true`)).body.clips).toHaveLength(3);
    expect((await api(`${BASE}/${id}`)).body.variants_count).toBe(2);
  });

  it('shows the first live clip with a thumbnail as the cover, listed and by id', async () => {
    const { user, api } = await setup();
    const id = (await api(BASE, { json: { name: 'With clips' } })).body.id;
    const bare = (await api(BASE, { json: { name: 'Without' } })).body.id;
    const [, c2, c3] = await seedClips(user, id, 3);
    // The first clip has no thumbnail yet, c2 is the first with one but is deleted: c3 is the cover.
    for (const clip of [c2, c3]) {
      await scopeOf(user).db.run(`UPDATE clips SET thumbnail_key = 'thumb.jpg' WHERE id = '${clip}'`);
    }
    await api(`/api/v1/library/clips/${c2}`, { method: 'DELETE' });
    /** The clip a signed thumbnail URL names (its token's payload: base64url JSON before the dot). */
    const coverOf = (url: string | null) => {
      if (url === null) return null;
      const payload = new URL(url).pathname.split('/')[2]!.split('.')[0]!;
      return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))).t.id as string;
    };
    const listed = (await api(BASE)).body.projects as { id: string; thumbnail_url: string | null }[];
    expect(Object.fromEntries(listed.map((p) => [p.id, coverOf(p.thumbnail_url)]))).toEqual({ [id]: c3, [bare]: null });
    expect(coverOf((await api(`${BASE}/${id}`)).body.thumbnail_url)).toBe(c3);
    expect(coverOf((await api(`${BASE}/${bare}`)).body.thumbnail_url)).toBeNull();
  });

  it('deletes a project with its clips and their objects', async () => {
    const { user, api } = await setup();
    const id = (await api(BASE, { json: { name: 'A' } })).body.id;
    const [clip] = await seedClips(user, id, 1);
    const { env } = await import('cloudflare:workers');
    const key = `p/${user.profileId}/clips/${clip}/raw.mp4`;
    await env.MEDIA.put(key, 'video');
    const res = await api(`${BASE}/${id}`, { method: 'DELETE' });
    expect(res.body).toEqual({ status: 'deleted', project_id: id });
    expect((await api(`/api/v1/library/clips/${clip}`)).status).toBe(404);
    await expect.poll(async () => env.MEDIA.head(key), { timeout: 5000 }).toBeNull();
    expect((await api(`${BASE}/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps projects within their profile on every route', async () => {
    const { user, api } = await setup();
    const id = (await api(BASE, { json: { name: 'Private' } })).body.id;
    await expectCrossProfileIsolation(
      user,
      [
        { method: 'GET', path: `${BASE}/${id}` },
        { method: 'GET', path: `${BASE}/${id}/progress` },
        { method: 'GET', path: `${BASE}/${id}/clips` },
        { method: 'PATCH', path: `${BASE}/${id}`, json: { name: 'hijacked' } },
        { method: 'DELETE', path: `${BASE}/${id}` },
      ],
      [{ path: BASE, ids: [id] }],
    );
    expect((await api(`${BASE}/${id}`)).body.name).toBe('Private');
  });
});
