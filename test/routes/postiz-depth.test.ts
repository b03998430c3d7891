/**
 * Publishing depth (issue 18 item 6) against the fake Postiz: drafts approved once, withdrawing a
 * scheduled post, per-channel captions and first comments, find-slot, analytics, and the video
 * checks per network, each route profile-scoped.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { updateClip } from '../../src/db/repos/clips.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { type Publisher, fakeBase, postizFake, seedPublisher } from '../helpers/worker/postiz.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { createReceiverEndpoint, receiver } from '../helpers/worker/webhooks.ts';

const P = '/api/v1/postiz';
const HOUR = 3_600_000;
const fakeOrigin = () => new URL(fakeBase()).origin;

async function settled(api: Publisher['api'], jobId: string) {
  let last: any;
  await expect
    .poll(
      async () => {
        last = (await api(`${P}/publish/${jobId}/progress`)).body;
        return last.status;
      },
      { timeout: 15_000, interval: 50 },
    )
    .not.toBe('in_progress');
  return last;
}

async function publication(pub: Publisher, clipId: string, id: string) {
  const list = (await pub.api(`${P}/clips/${clipId}/publications`)).body.publications as any[];
  return list.find((p) => p.id === id);
}

/** Publishes and waits for the job; answers the publication. */
async function publish(pub: Publisher, json: Record<string, unknown>) {
  const res = await pub.api(`${P}/publish`, { json: { clip_id: pub.clips[0], ...json } });
  expect(res.status, res.text).toBe(202);
  const progress = await settled(pub.api, res.body.job_id);
  expect(progress.status, JSON.stringify(progress)).toBe('completed');
  return publication(pub, pub.clips[0]!, res.body.publication_ids[0]);
}

const statusChanges = (key: string) =>
  postizFake.requests(key, { method: 'PUT' }).then((r) => r.filter((x) => x.path.endsWith('/status')));

describe('drafts for approval', () => {
  it('creates a Postiz draft, sends it on the first approve only, then reports it published with analytics', async () => {
    const pub = await seedPublisher(1);
    const draft = await publish(pub, { caption: 'Needs a yes', integration_ids: ['int-bluesky'], draft: true });
    expect(draft).toMatchObject({ status: 'draft', draft: true, approved_at: null });
    const created = await postizFake.creates(pub.apiKey);
    expect(created).toHaveLength(1);
    expect(created[0]!.json.type).toBe('draft');
    expect((await postizFake.org(pub.apiKey)).posts.map((p) => p.state)).toEqual(['DRAFT']);
    // A draft is not published by Postiz, and has no analytics yet.
    expect((await pub.api(`${P}/publications/${draft.id}/analytics`)).status).toBe(409);

    const first = await pub.api(`${P}/publications/${draft.id}/approve`, { method: 'POST' });
    expect(first.status, first.text).toBe(200);
    expect(first.body.sent).toBe(true);
    // No date: Postiz sends the approved draft at once.
    expect(first.body.publication).toMatchObject({ status: 'published', draft: true });
    expect(first.body.publication.approved_at).toEqual(expect.any(String));

    const second = await pub.api(`${P}/publications/${draft.id}/approve`, { method: 'POST' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ sent: false, publication: { status: 'published' } });

    const changes = await statusChanges(pub.apiKey);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.json).toEqual({ status: 'schedule' });
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(1);

    const refreshed = await pub.api(`${P}/publications/refresh`, { method: 'POST' });
    expect(refreshed.body).toMatchObject({ published: 1, failed: 0 });
    const org = await postizFake.org(pub.apiKey);
    expect(org.posts).toHaveLength(1);
    expect(org.posts[0].state).toBe('PUBLISHED');

    const analytics = await pub.api(`${P}/publications/${draft.id}/analytics`);
    expect(analytics.status, analytics.text).toBe(200);
    expect(analytics.body).toMatchObject({ cached: false, days: 7 });
    expect(analytics.body.posts).toHaveLength(1);
    expect(analytics.body.posts[0].metrics.map((m: any) => [m.label, m.total])).toEqual([
      ['Likes', 3],
      ['Views', 120],
    ]);
    const again = await pub.api(`${P}/publications/${draft.id}/analytics`);
    expect(again.body.cached).toBe(true);
    const asked = await postizFake.requests(pub.apiKey, { method: 'GET' });
    expect(asked.filter((r) => r.path.includes('/analytics/post/'))).toHaveLength(1);

    // Published: it can no longer be withdrawn.
    const cancel = await pub.api(`${P}/publications/${draft.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.details.reason).toBe('already_published');
  });

  it('lets only one of two simultaneous approves send the draft', async () => {
    const pub = await seedPublisher(1);
    const draft = await publish(pub, { caption: 'Both say yes', integration_ids: ['int-x'], draft: true });
    const both = await Promise.all([
      pub.api(`${P}/publications/${draft.id}/approve`, { method: 'POST' }),
      pub.api(`${P}/publications/${draft.id}/approve`, { method: 'POST' }),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(both.map((r) => r.body.sent).sort()).toEqual([false, true]);
    expect(await statusChanges(pub.apiKey)).toHaveLength(1);
  });

  it('schedules an approved draft whose date is ahead, and refuses to approve what never was a draft', async () => {
    const pub = await seedPublisher(1);
    const at = new Date(Date.now() + 2 * HOUR).toISOString();
    const draft = await publish(pub, {
      caption: 'Later',
      integration_ids: ['int-x'],
      schedule_date: at,
      draft: true,
    });
    const approved = await pub.api(`${P}/publications/${draft.id}/approve`, { method: 'POST' });
    expect(approved.body.publication).toMatchObject({ status: 'scheduled', scheduled_at: at });
    expect((await postizFake.org(pub.apiKey)).posts[0].state).toBe('QUEUE');

    const plain = await publish(pub, { caption: 'Straight out', integration_ids: ['int-bluesky'] });
    const refused = await pub.api(`${P}/publications/${plain.id}/approve`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe('not_a_draft');
    expect(await statusChanges(pub.apiKey)).toHaveLength(1);
  });
});

describe('withdrawing a scheduled post', () => {
  it('deletes the Postiz posts and marks the publication cancelled; a second withdraw changes nothing', async () => {
    const pub = await seedPublisher(1);
    const scheduled = await publish(pub, {
      caption: 'Maybe not',
      integration_ids: ['int-x', 'int-bluesky'],
      schedule_date: new Date(Date.now() + 3 * HOUR).toISOString(),
    });
    expect(scheduled.status).toBe('scheduled');
    const hook = await createReceiverEndpoint(pub.user, ['publication.canceled']);

    const res = await pub.api(`${P}/publications/${scheduled.id}/cancel`, { method: 'POST' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled' });
    expect(res.body.cancelled_at).toEqual(expect.any(String));

    const deletes = await postizFake.requests(pub.apiKey, { method: 'DELETE' });
    expect(deletes.map((d) => d.path)).toEqual([`/public/v1/posts/group/${scheduled.id}`]);
    const posts = (await postizFake.org(pub.apiKey)).posts;
    expect(posts).toHaveLength(2);
    for (const p of posts) expect(p.deletedAt).toEqual(expect.any(String));

    const again = await pub.api(`${P}/publications/${scheduled.id}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('cancelled');
    expect(await postizFake.requests(pub.apiKey, { method: 'DELETE' })).toHaveLength(1);
    const clip = (await pub.api(`/api/v1/library/clips/${pub.clips[0]}`)).body;
    expect(clip.clip.postiz_status).toBe('not_sent');

    // Integrators hear of the withdrawal once, with the publication as the API shows it.
    const [delivery] = await receiver.waitFor(hook.path, 1);
    const event = JSON.parse(delivery!.extra.raw!);
    expect(event).toMatchObject({ type: 'publication.canceled', data: { id: scheduled.id, status: 'cancelled' } });
    const recorded = await env.DB.prepare('SELECT type FROM webhook_events WHERE resource_id = ?')
      .bind(scheduled.id)
      .all<{ type: string }>();
    expect(recorded.results.map((r) => r.type)).toEqual(['publication.canceled']);
  });

  it('withdraws a draft, which can then no longer be approved', async () => {
    const pub = await seedPublisher(1);
    const draft = await publish(pub, { caption: 'On second thought', integration_ids: ['int-x'], draft: true });
    const res = await pub.api(`${P}/publications/${draft.id}`, { method: 'DELETE' });
    expect(res.body).toMatchObject({ status: 'cancelled', draft: true, approved_at: null });
    expect((await postizFake.org(pub.apiKey)).posts[0].deletedAt).toEqual(expect.any(String));
    const approve = await pub.api(`${P}/publications/${draft.id}/approve`, { method: 'POST' });
    expect(approve.status).toBe(409);
    expect(await statusChanges(pub.apiKey)).toHaveLength(0);
  });

  it('refuses (409) when Postiz published the post in the meantime, and records it as published', async () => {
    const pub = await seedPublisher(1);
    const scheduled = await publish(pub, {
      caption: 'Too late',
      integration_ids: ['int-bluesky'],
      schedule_date: new Date(Date.now() + HOUR).toISOString(),
    });
    await postizFake.setPostState(scheduled.posts[0].post_id, { state: 'PUBLISHED' });
    const res = await pub.api(`${P}/publications/${scheduled.id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect(res.body.error.details.reason).toBe('already_published');
    expect(await postizFake.requests(pub.apiKey, { method: 'DELETE' })).toHaveLength(0);
    expect((await publication(pub, pub.clips[0]!, scheduled.id)).status).toBe('published');
  });
});

describe('per-channel captions and first comments', () => {
  it('sends each channel its own caption and the first comment as the second value', async () => {
    const pub = await seedPublisher(1);
    const done = await publish(pub, {
      caption: 'Default caption',
      integration_ids: ['int-x', 'int-linkedin', 'int-bluesky'],
      captions: { 'int-x': 'Short for X', 'int-linkedin': 'The longer LinkedIn story' },
      first_comments: { 'int-linkedin': 'Link in the comments: https://example.com' },
    });
    expect(done.channel_overrides).toEqual({
      'int-x': { caption: 'Short for X' },
      'int-linkedin': {
        caption: 'The longer LinkedIn story',
        first_comment: 'Link in the comments: https://example.com',
      },
    });
    const [create] = await postizFake.creates(pub.apiKey);
    const sent = Object.fromEntries(
      create!.json.posts.map((p: any) => [p.integration.id, p.value.map((v: any) => v.content)]),
    );
    expect(sent).toEqual({
      'int-x': ['Short for X'],
      'int-linkedin': ['The longer LinkedIn story', 'Link in the comments: https://example.com'],
      'int-bluesky': ['Default caption'],
    });
    const posts = (await postizFake.org(pub.apiKey)).posts;
    expect(posts.find((p) => p.integration.id === 'int-linkedin').comments).toEqual([
      'Link in the comments: https://example.com',
    ]);
  });

  it("checks each channel's own caption and refuses a first comment where the platform has none", async () => {
    const pub = await seedPublisher(1);
    const res = await pub.api(`${P}/publish`, {
      json: {
        clip_id: pub.clips[0],
        caption: 'Fine everywhere',
        integration_ids: ['int-x', 'int-tiktok'],
        captions: { 'int-x': 'x'.repeat(281) },
        first_comments: { 'int-tiktok': 'No comments on TikTok uploads' },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('not_publishable');
    const channels = res.body.error.details.channels;
    expect(channels.find((c: any) => c.integration_id === 'int-x').problems[0]).toContain('280');
    expect(channels.find((c: any) => c.integration_id === 'int-tiktok').problems).toEqual([
      'TikTok posts through Postiz take no first comment',
    ]);
    const stray = await pub.api(`${P}/publish`, {
      json: { clip_id: pub.clips[0], caption: 'x', integration_ids: ['int-x'], captions: { 'int-bluesky': 'y' } },
    });
    expect(stray.status).toBe(400);
    expect(stray.body.error.details[0].path).toBe('captions.int-bluesky');
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(0);
  });
});

describe('find-slot', () => {
  it("answers each channel's next free slot from Postiz, later once that slot is taken", async () => {
    const pub = await seedPublisher(1);
    const res = await pub.api(`${P}/find-slot?integration_id=int-x&integration_id=int-bluesky`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.slots.map((s: any) => [s.integration_id, s.platform])).toEqual([
      ['int-x', 'x'],
      ['int-bluesky', 'bluesky'],
    ]);
    const slot = res.body.slots[0].date as string;
    expect(Date.parse(slot)).toBeGreaterThan(Date.now());

    await publish(pub, { caption: 'In the slot', integration_ids: ['int-x'], schedule_date: slot });
    const next = await pub.api(`${P}/find-slot?integration_id=int-x`);
    expect(Date.parse(next.body.slots[0].date)).toBeGreaterThan(Date.parse(slot));

    const unknown = await pub.api(`${P}/find-slot?integration_id=int-nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.missing).toEqual(['int-nope']);
  });
});

describe('video checks per network', () => {
  it('refuses a wrong aspect ratio and a too long video before anything is queued', async () => {
    const pub = await seedPublisher(2);
    await env.DB.prepare(
      `INSERT OR IGNORE INTO export_presets (id, name, display_name, width, height, fps, crf, video_bitrate, audio_bitrate)
       VALUES ('pst_test_ultrawide', 'test_ultrawide', 'Test 4:1', 1920, 480, 30, 23, '4M', '128k')`,
    ).run();
    await updateClip(scopeOf(pub.user), pub.clips[0]!, { finalPreset: 'test_ultrawide' });
    await updateClip(scopeOf(pub.user), pub.clips[1]!, { duration: 700 });

    const res = await pub.api(`${P}/bulk-publish`, {
      json: { clip_ids: pub.clips, caption: 'Wide and long', integration_ids: ['int-x', 'int-tiktok', 'int-youtube'] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('not_publishable');
    const media = res.body.error.details.media as any[];
    const where = media.map((m) => `${m.clip_id === pub.clips[0] ? 'wide' : 'long'}:${m.integration_id}`).sort();
    // YouTube takes both; X refuses 4:1 and 700 s; TikTok refuses 4:1 and 700 s.
    expect(where).toEqual(['long:int-tiktok', 'long:int-x', 'wide:int-tiktok', 'wide:int-x']);
    const wideOnX = media.find((m) => m.clip_id === pub.clips[0] && m.integration_id === 'int-x');
    expect(wideOnX.problems[0]).toContain('1920×480');
    const longOnTiktok = media.find((m) => m.clip_id === pub.clips[1] && m.integration_id === 'int-tiktok');
    expect(longOnTiktok.problems[0]).toContain('at most 600 s');

    expect((await pub.api('/api/v1/jobs?type=publish_clip')).body.jobs).toHaveLength(0);
    expect(await postizFake.requests(pub.apiKey, { method: 'POST' })).toHaveLength(0);
  });
});

describe('profile scoping', () => {
  it('answers 404 to another profile on every new route', async () => {
    const pub = await seedPublisher(1);
    // A channel only the owner's Postiz organisation has.
    const own = { id: 'int-own-only', name: 'Own', identifier: 'x', picture: null, disabled: false, profile: 'own' };
    const set = await fetch(`${fakeOrigin()}/__fake/integrations`, {
      method: 'POST',
      body: JSON.stringify({ api_key: pub.apiKey, integrations: [own] }),
    });
    expect(set.status).toBe(200);
    const draft = await publish(pub, { caption: 'Ours', integration_ids: ['int-own-only'], draft: true });
    expect((await pub.api(`${P}/find-slot?integration_id=int-own-only`)).status).toBe(200);
    await expectCrossProfileIsolation(pub.user, [
      { method: 'POST', path: `${P}/publications/${draft.id}/approve` },
      { method: 'POST', path: `${P}/publications/${draft.id}/cancel` },
      { method: 'DELETE', path: `${P}/publications/${draft.id}` },
      { method: 'GET', path: `${P}/publications/${draft.id}/analytics` },
      { method: 'GET', path: `${P}/find-slot?integration_id=int-own-only` },
    ]);
    // Nothing happened to the owner's draft.
    expect((await publication(pub, pub.clips[0]!, draft.id)).status).toBe('draft');
    expect(await statusChanges(pub.apiKey)).toHaveLength(0);
  });
});
