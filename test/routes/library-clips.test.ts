import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { clips as clipsTable } from '../../src/db/schema.ts';
import { runRetention } from '../../src/housekeeping/retention.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

const LIB = '/api/v1/library';
const SRT = '1\n00:00:00,500 --> 00:00:02,000\nHello there\n';

async function setup(clipCount = 3) {
  const user = await seedUser('clips');
  const api = as(user);
  const project = (await api(`${LIB}/projects`, { json: { name: 'P' } })).body.id as string;
  const clips = await seedClips(user, project, clipCount);
  return { user, api, project, clips };
}

describe('/api/v1/library/clips', () => {
  it('gets a clip with its content and updates its fields', async () => {
    const { api, clips } = await setup(1);
    const got = await api(`${LIB}/clips/${clips[0]}`);
    expect(got.body).toMatchObject({
      clip: { id: clips[0], variant_index: 1, final_status: 'pending', postiz_status: 'not_sent' },
      content: null,
    });
    const res = await api(`${LIB}/clips/${clips[0]}`, {
      method: 'PATCH',
      json: { variant_name: 'Hero cut', is_selected: true },
    });
    expect(res.body.clip).toMatchObject({ variant_name: 'Hero cut', is_selected: true });
    expect(
      (await api(`${LIB}/clips/${clips[0]}`, { method: 'PATCH', json: { postiz_scheduled_at: 'tomorrow' } })).status,
    ).toBe(400);
  });

  it('selects singly and in bulk, keeping project counters true', async () => {
    const { api, project, clips } = await setup(3);
    await api(`${LIB}/clips/${clips[0]}/select?selected=true`, { method: 'PATCH' });
    expect((await api(`${LIB}/projects/${project}`)).body.selected_count).toBe(1);
    const bulk = await api(`${LIB}/clips/bulk-select?selected=true`, { json: clips });
    expect(bulk.body).toEqual({ status: 'updated', count: 3, is_selected: true });
    expect((await api(`${LIB}/projects/${project}`)).body.selected_count).toBe(3);
    await api(`${LIB}/clips/bulk-select?selected=false`, { json: [clips[1]] });
    expect((await api(`${LIB}/projects/${project}`)).body.selected_count).toBe(2);
  });

  it('rejects a bulk request naming an unknown clip and changes nothing', async () => {
    const { api, project, clips } = await setup(2);
    const res = await api(`${LIB}/clips/bulk-select?selected=true`, {
      json: [clips[0], 'clp_00000000000000000000000000'],
    });
    expect(res.status).toBe(404);
    expect(res.body.error.details.missing).toEqual(['clp_00000000000000000000000000']);
    expect((await api(`${LIB}/projects/${project}`)).body.selected_count).toBe(0);
  });

  it('soft-deletes, restores, bulk-deletes and purges', async () => {
    const { api, project, clips } = await setup(3);
    expect((await api(`${LIB}/clips/${clips[0]}`, { method: 'DELETE' })).body).toEqual({
      status: 'deleted',
      clip_id: clips[0],
    });
    expect((await api(`${LIB}/all-clips?deleted=true`)).body.clips.map((c: any) => c.id)).toEqual([clips[0]]);
    const restored = await api(`${LIB}/clips/${clips[0]}/restore`, { method: 'POST' });
    expect(restored.body.clip.is_deleted).toBe(false);
    const bulk = await api(`${LIB}/clips/bulk-delete`, { json: { clip_ids: [clips[0], clips[1]] } });
    expect(bulk.body).toMatchObject({ status: 'completed', deleted_count: 2, failed_count: 0 });
    expect((await api(`${LIB}/projects/${project}`)).body.variants_count).toBe(1);
    const again = await api(`${LIB}/clips/bulk-delete`, { json: { clip_ids: [clips[0]] } });
    expect(again.body).toMatchObject({ deleted_count: 0, failed: [{ id: clips[0], error: 'already in the trash' }] });
    expect((await api(`${LIB}/clips/${clips[0]}/purge`, { method: 'DELETE' })).body).toEqual({
      status: 'purged',
      clip_id: clips[0],
    });
    expect((await api(`${LIB}/clips/${clips[0]}`)).status).toBe(404);
  });

  it('deletes clips kept in the trash past TRASH_RETENTION_DAYS, with their media, and keeps the rest', async () => {
    const { user, api, project, clips } = await setup(3);
    const scope = scopeOf(user);
    for (const id of clips) await env.MEDIA.put(`${storageKeys.clipPrefix(scope, id)}raw.mp4`, new Uint8Array(16));
    await api(`${LIB}/clips/bulk-delete`, { json: { clip_ids: [clips[0], clips[1]] } });
    // clips[0] went to the trash 31 days ago, clips[1] a day ago; clips[2] was never deleted.
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
    await scope.db
      .update(clipsTable)
      .set({ deletedAt: daysAgo(31) })
      .where(eq(clipsTable.id, clips[0]!));
    await scope.db
      .update(clipsTable)
      .set({ deletedAt: daysAgo(1) })
      .where(eq(clipsTable.id, clips[1]!));

    expect((await runRetention(env)).clips).toBeGreaterThanOrEqual(1);
    expect((await api(`${LIB}/clips/${clips[0]}`)).status).toBe(404);
    expect((await api(`${LIB}/clips/${clips[1]}/restore`, { method: 'POST' })).status).toBe(200);
    expect((await api(`${LIB}/clips/${clips[2]}`)).status).toBe(200);
    expect((await api(`${LIB}/projects/${project}`)).body.variants_count).toBe(2);
    const objects = async (id: string) =>
      (await env.MEDIA.list({ prefix: storageKeys.clipPrefix(scope, id) })).objects.length;
    await expect.poll(() => objects(clips[0]!), { timeout: 10_000 }).toBe(0);
    expect(await objects(clips[1]!)).toBe(1);
    expect(await objects(clips[2]!)).toBe(1);
  });

  it('upserts validated content and copies it between owned clips', async () => {
    const { api, clips } = await setup(2);
    const put = await api(`${LIB}/clips/${clips[0]}/content`, {
      method: 'PUT',
      json: {
        tts_text: 'Hello there',
        srt_content: SRT,
        subtitle_settings: { fontSize: 48, fontFamily: 'var(--font-x), Montserrat, sans-serif', textColor: '#ffcc00' },
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.content).toMatchObject({
      tts_text: 'Hello there',
      subtitle_settings: { fontFamily: 'Montserrat', fontSize: 48, textColor: '#ffcc00' },
    });
    const partial = await api(`${LIB}/clips/${clips[0]}/content`, { method: 'PUT', json: { tts_text: 'Changed' } });
    expect(partial.body.content).toMatchObject({ tts_text: 'Changed', srt_content: SRT });
    const copy = await api(`${LIB}/clips/${clips[1]}/content/copy-from/${clips[0]}`, { method: 'POST' });
    expect(copy.body).toMatchObject({
      status: 'copied',
      content: { clip_id: clips[1], tts_text: 'Changed', srt_content: SRT },
    });
    const all = await api(`${LIB}/all-clips?has_subtitles=true`);
    expect(all.body.clips.map((c: any) => c.id).sort()).toEqual([...clips].sort());
  });

  it('rejects invalid subtitle colours, unsafe fonts and malformed SRT, keeping the old content', async () => {
    const { api, clips } = await setup(1);
    await api(`${LIB}/clips/${clips[0]}/content`, { method: 'PUT', json: { srt_content: SRT } });
    for (const json of [
      { subtitle_settings: { textColor: 'red' } },
      { subtitle_settings: { fontFamily: "Arial':force_style='x" } },
      { subtitle_settings: { fontSize: 5000 } },
      { srt_content: '1\n00:00:05,000 --> 00:00:01,000\nbackwards\n' },
      { srt_content: 'just some text' },
    ]) {
      const res = await api(`${LIB}/clips/${clips[0]}/content`, { method: 'PUT', json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api(`${LIB}/clips/${clips[0]}`)).body.content.srt_content).toBe(SRT);
  });

  it('lists all clips with project names and filters', async () => {
    const { api, project, clips } = await setup(2);
    await api(`${LIB}/clips/${clips[1]}/select?selected=true`, { method: 'PATCH' });
    const res = await api(`${LIB}/all-clips?is_selected=true`);
    expect(res.body.clips).toEqual([
      expect.objectContaining({ id: clips[1], project_name: 'P', project_id: project, has_subtitles: false }),
    ]);
    expect((await api(`${LIB}/all-clips?search=variant%202`)).body.clips.map((c: any) => c.id)).toEqual([clips[1]]);
  });

  it('serves the seeded export presets, default first', async () => {
    const { api } = await setup(0);
    const res = await api(`${LIB}/export-presets`);
    expect(res.body.presets.map((p: any) => p.name)).toEqual([
      'instagram_reels',
      'tiktok',
      'youtube_shorts',
      'generic_16_9',
    ]);
    expect(res.body.presets[0]).toMatchObject({ width: 1080, height: 1920, is_default: true });
  });

  it('keeps clips within their profile on every route', async () => {
    const { user, api, clips } = await setup(2);
    const [mine, other] = clips as [string, string];
    const intruderClip = await (async () => {
      const { seedProfile } = await import('../helpers/worker/tenants.ts');
      const second = await seedProfile(user, 'Own other brand');
      const p = (await as(second)(`${LIB}/projects`, { json: { name: 'X' } })).body.id;
      return { tenant: second, clip: (await seedClips(second, p, 1))[0]! };
    })();
    await expectCrossProfileIsolation(
      user,
      [
        { method: 'GET', path: `${LIB}/clips/${mine}` },
        { method: 'PATCH', path: `${LIB}/clips/${mine}`, json: { variant_name: 'x' } },
        { method: 'PATCH', path: `${LIB}/clips/${mine}/select?selected=true` },
        { method: 'POST', path: `${LIB}/clips/bulk-select?selected=true`, json: [mine] },
        { method: 'DELETE', path: `${LIB}/clips/${mine}` },
        { method: 'POST', path: `${LIB}/clips/${mine}/restore` },
        { method: 'DELETE', path: `${LIB}/clips/${mine}/purge` },
        { method: 'POST', path: `${LIB}/clips/bulk-delete`, json: { clip_ids: [mine] } },
        { method: 'PUT', path: `${LIB}/clips/${mine}/content`, json: { tts_text: 'x' } },
        { method: 'POST', path: `${LIB}/clips/${mine}/content/copy-from/${other}` },
      ],
      [{ path: `${LIB}/all-clips`, ids: [mine, other] }],
    );
    // Copying from a clip of another profile (even the same user's) is 404 too.
    const cross = await api(`${LIB}/clips/${mine}/content/copy-from/${intruderClip.clip}`, { method: 'POST' });
    expect(cross.status).toBe(404);
    expect((await api(`${LIB}/clips/${mine}`)).body.clip.variant_name).toBe('Variant 1');
  });
});
