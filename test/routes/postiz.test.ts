/**
 * /api/v1/postiz routes against the fake Postiz server (test/fakes/postiz-server.ts), reached over
 * loopback exactly as a real Postiz would be. Every tenant gets its own fake organisation.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getScopeProfile } from '../../src/db/repos/profiles.ts';
import { openSecret } from '../../src/core/secret-box.ts';
import { CONNECTION_TEST_FAILED } from '../../src/publishing/postiz-connection.ts';
import { call } from '../helpers/worker/api.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import {
  callWithoutDeploymentPostiz,
  fakeBase,
  newPostizKey,
  postizFake,
  putRawClip,
  renderClip,
  seedPublisher,
  sha256Hex,
  tinyClipBytes,
} from '../helpers/worker/postiz.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { as, seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const P = '/api/v1/postiz';
const MIN = 60_000;

/** Waits until a publish (or a whole bulk publish) is no longer in progress. */
async function settled(api: ReturnType<typeof as>, jobId: string) {
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

async function publishJobs(api: ReturnType<typeof as>) {
  return (await api('/api/v1/jobs?type=publish_clip')).body.jobs as any[];
}

describe('Postiz connection (/config, /status, /integrations)', () => {
  it('tests a key before saving it, stores it sealed, and only ever shows its last four characters', async () => {
    const user = await seedUser('pz-config');
    const api = as(user);

    const bad = await api(`${P}/config`, {
      method: 'PUT',
      json: { api_url: fakeBase(), api_key: 'not-a-postiz-key-9876' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('postiz_connection_failed');
    expect(bad.body.error.message).toBe(CONNECTION_TEST_FAILED);
    // Nothing saved: the deployment-wide connection still applies.
    expect((await api(`${P}/config`)).body).toMatchObject({ configured: true, source: 'deployment' });

    const key = newPostizKey();
    const origin = new URL(fakeBase()).origin;
    const put = await api(`${P}/config`, { method: 'PUT', json: { api_url: origin, api_key: key } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toEqual({
      configured: true,
      source: 'profile',
      api_url: `${origin}/public/v1`,
      api_key_hint: `••••${key.slice(-4)}`,
      integration_ids: [],
      error: null,
    });
    expect(put.text).not.toContain(key);
    expect((await api(`${P}/config`)).text).not.toContain(key);

    const row = await getScopeProfile(scopeOf(user));
    expect(row.postizApiKeyEncrypted).toMatch(/^v1\./);
    expect(row.postizApiKeyEncrypted).not.toContain(key);
    expect(await openSecret(env.ENCRYPTION_KEY, user.profileId, row.postizApiKeyEncrypted!)).toBe(key);
    // Sealed to this profile: the same ciphertext does not open for another one.
    const other = await seedProfile(user);
    await expect(openSecret(env.ENCRYPTION_KEY, other.profileId, row.postizApiKeyEncrypted!)).rejects.toThrow();
    expect((await as(other)(`${P}/config`)).body).toMatchObject({ source: 'deployment' });

    expect((await api('/api/v1/profiles/')).body.find((p: any) => p.id === user.profileId).postiz_configured).toBe(
      true,
    );

    const removed = await api(`${P}/config`, { method: 'DELETE' });
    expect(removed.body).toMatchObject({ configured: true, source: 'deployment' });
    const none = await callWithoutDeploymentPostiz(user, `${P}/config`);
    expect(none.body).toEqual({
      configured: false,
      source: null,
      api_url: null,
      api_key_hint: null,
      integration_ids: [],
      error: null,
    });
  });

  it('rejects URLs that are not http(s), carry credentials, or send the key in clear to a remote host', async () => {
    const api = as(await seedUser('pz-url'));
    for (const api_url of [
      'ftp://postiz.example.com',
      'not a url',
      'http://postiz.example.com/public/v1',
      'https://user:pw@postiz.example.com',
    ]) {
      const res = await api(`${P}/config`, { method: 'PUT', json: { api_url, api_key: newPostizKey() } });
      expect(res.status, api_url).toBe(400);
      expect(res.body.error.details[0].path).toBe('api_url');
    }
  });

  it('refuses loopback, private and metadata URLs in production (400) without calling them', async () => {
    const user = await seedUser('pz-ssrf');
    const key = newPostizKey();
    const port = new URL(fakeBase()).port;
    const production = (api_url: string) =>
      call(`${P}/config`, {
        env: { OUTBOUND_ALLOW_PRIVATE: 'false' },
        method: 'PUT',
        token: user.token,
        profileId: user.profileId,
        json: { api_url, api_key: key },
      });
    for (const api_url of [
      fakeBase(),
      `http://localhost:${port}`,
      `https://2130706433:${port}`,
      `https://0x7f.0.0.1:${port}`,
      `https://[::ffff:127.0.0.1]:${port}`,
      'https://[::1]',
      'https://10.0.0.5/api',
      'https://192.168.0.10',
      'https://postiz.internal',
      'http://169.254.169.254/latest/meta-data',
      'https://metadata.google.internal/computeMetadata/v1',
    ]) {
      const res = await production(api_url);
      expect(res.status, api_url).toBe(400);
      expect(res.body.error.details, api_url).toEqual([{ path: 'api_url', message: expect.any(String) }]);
    }
    // The fake (on loopback) never heard from us, and nothing was saved.
    expect(await postizFake.requests(key)).toEqual([]);
    expect((await as(user)(`${P}/config`)).body.source).toBe('deployment');
  });

  it('answers every failed connection test alike, never with what the URL sent back', async () => {
    const api = as(await seedUser('pz-oracle'));
    const key = newPostizKey();
    await postizFake.failNext({
      api_key: key,
      path: '/public/v1/is-connected',
      status: 500,
      body: { message: 'internal secret: db password hunter2' },
    });
    const attempts = [
      // A server that answers, with a body we must not echo.
      { api_url: fakeBase(), api_key: key },
      // A closed port.
      { api_url: 'http://127.0.0.1:9', api_key: key },
      // An open port that is not Postiz (the fake's control API answers 404 there).
      { api_url: `${new URL(fakeBase()).origin}/__fake`, api_key: key },
      // A refused key.
      { api_url: fakeBase(), api_key: 'wrong-key-0000' },
    ];
    const answers = [];
    for (const json of attempts) answers.push(await api(`${P}/config`, { method: 'PUT', json }));
    for (const res of answers) {
      expect(res.status).toBe(422);
      expect(res.body.error).toEqual({
        code: 'postiz_connection_failed',
        message: CONNECTION_TEST_FAILED,
        request_id: expect.any(String),
      });
      expect(res.text).not.toContain('hunter2');
    }
  });

  it('checks default channel ids against Postiz and uses them when a publish names none', async () => {
    const { api, clips, apiKey } = await seedPublisher(1);
    const unknown = await api(`${P}/config`, {
      method: 'PUT',
      json: { api_url: fakeBase(), api_key: apiKey, integration_ids: ['int-nope'] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('int-nope');
    const ok = await api(`${P}/config`, {
      method: 'PUT',
      json: { api_url: fakeBase(), api_key: apiKey, integration_ids: ['int-bluesky'] },
    });
    expect(ok.body.integration_ids).toEqual(['int-bluesky']);
    const res = await api(`${P}/publish`, { json: { clip_id: clips[0], caption: 'Default channels' } });
    expect(res.status, res.text).toBe(202);
    await settled(api, res.body.job_id);
    const [create] = await postizFake.creates(apiKey);
    expect(create!.json.posts.map((p: any) => p.integration.id)).toEqual(['int-bluesky']);
  });

  it('reports status: connected with the channel count, a refused key, or no configuration', async () => {
    const { user, api, apiKey } = await seedPublisher(0);
    const status = await api(`${P}/status`);
    expect(status.body).toEqual({
      configured: true,
      connected: true,
      api_url: fakeBase(),
      integrations_count: 6,
      error: null,
      source: 'profile',
    });

    await postizFake.failNext({
      api_key: apiKey,
      path: '/public/v1/is-connected',
      status: 401,
      body: { msg: 'Invalid API key' },
    });
    const refused = await api(`${P}/status`);
    expect(refused.body).toMatchObject({
      configured: true,
      connected: false,
      integrations_count: 0,
      error: 'Postiz: Invalid API key',
    });

    const fresh = await seedUser('pz-none');
    const none = await callWithoutDeploymentPostiz(fresh, `${P}/status`);
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ configured: false, connected: false, api_url: null, integrations_count: 0 });
    expect(none.body.error).toContain('PUT /api/v1/postiz/config');
    expect((await as(await seedProfile(user))(`${P}/status`)).body.source).toBe('deployment');
  });

  it("lists enabled channels in the original's shape with caption limits from Postiz, else from our table", async () => {
    const { api, apiKey } = await seedPublisher(0);
    await postizFake.failNext({
      api_key: apiKey,
      path: '/public/v1/integration-settings/int-tiktok',
      status: 500,
      body: { statusCode: 500, message: 'Internal server error' },
    });
    const res = await api(`${P}/integrations`);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.map((i: any) => [i.id, i]));
    expect(Object.keys(byId).sort()).toEqual([
      'int-bluesky',
      'int-instagram',
      'int-linkedin',
      'int-tiktok',
      'int-x',
      'int-youtube',
    ]);
    expect(byId['int-x']).toEqual({
      id: 'int-x',
      name: 'Cutroom X',
      type: 'x',
      identifier: 'cutroom',
      picture: 'https://cdn.postiz.test/x.png',
      disabled: false,
      provider: 'x',
      max_caption_length: 280,
    });
    expect(byId['int-instagram']).toMatchObject({ type: 'instagram-standalone', max_caption_length: 2200 });
    // Postiz failed to answer for TikTok: our table's 150 applies.
    expect(byId['int-tiktok'].max_caption_length).toBe(150);

    const none = await callWithoutDeploymentPostiz(await seedUser('pz-none'), `${P}/integrations`);
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('not_configured');
  });
});

describe('POST /postiz/upload and /bulk-upload', () => {
  it("streams the clip's rendered video byte for byte and marks the clip uploaded; a video_path is ignored", async () => {
    const { api, apiKey, clips } = await seedPublisher(1);
    const bytes = await tinyClipBytes();
    const res = await api(`${P}/upload`, { json: { clip_id: clips[0], video_path: '/etc/passwd' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', clip_id: clips[0], source: 'final' });
    const [upload] = await postizFake.uploads(apiKey);
    expect(upload!.chunked).toBe(false);
    expect(upload!.content_length).toBeGreaterThan(bytes.length);
    expect(upload!.extra.file).toMatchObject({ field: 'file', size: bytes.length, sha256: await sha256Hex(bytes) });
    const org = await postizFake.org(apiKey);
    expect(org.media.map((m) => m.id)).toEqual([res.body.media_id]);
    expect(org.media[0].path).toBe(res.body.media_path);
    expect((await api(`/api/v1/library/clips/${clips[0]}`)).body.clip.postiz_status).toBe('uploaded');
  });

  it('sends the raw variant when the clip is not rendered, and refuses a clip with no video', async () => {
    const { user, api, apiKey, clips } = await seedPublisher(2, { render: false });
    const raw = await putRawClip(user, clips[0]!);
    const res = await api(`${P}/upload`, { json: { clip_id: clips[0] } });
    expect(res.body.source).toBe('raw');
    const [upload] = await postizFake.uploads(apiKey);
    expect(upload!.extra.file!.sha256).toBe(await sha256Hex(raw));
    const none = await api(`${P}/upload`, { json: { clip_id: clips[1] } });
    expect(none.status).toBe(422);
    expect(none.body.error.code).toBe('not_publishable');
  });

  it('bulk-uploads clip by clip, reporting failures per clip, in both request shapes', async () => {
    const { user, api, apiKey, clips } = await seedPublisher(3, { render: false });
    await renderClip(user, clips[0]!);
    await renderClip(user, clips[2]!);
    const res = await api(`${P}/bulk-upload`, { json: { clip_ids: clips } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed_with_errors', uploaded_count: 2, failed_count: 1 });
    expect(res.body.uploaded.map((u: any) => u.clip_id)).toEqual([clips[0], clips[2]]);
    expect(res.body.failed).toEqual([{ clip_id: clips[1], error: expect.stringContaining('no video') }]);
    const original = await api(`${P}/bulk-upload`, {
      json: { clips: [{ clip_id: clips[0], video_path: '../../secrets.env' }] },
    });
    expect(original.body).toMatchObject({ status: 'completed', uploaded_count: 1, failed: [] });
    expect(await postizFake.uploads(apiKey)).toHaveLength(3);
    expect((await api(`${P}/bulk-upload`, { json: { clip_ids: [] } })).status).toBe(400);
    expect((await api(`${P}/bulk-upload`, { json: { clip_ids: clips, clips: [] } })).status).toBe(400);
  });

  it('answers 404 for a foreign clip id and uploads nothing', async () => {
    const { api, apiKey, clips } = await seedPublisher(1);
    const stranger = await seedPublisher(1);
    const res = await api(`${P}/bulk-upload`, { json: { clip_ids: [clips[0], stranger.clips[0]] } });
    expect(res.status).toBe(404);
    expect(res.body.error.details.missing).toEqual([stranger.clips[0]]);
    expect(await postizFake.uploads(apiKey)).toHaveLength(0);
  });
});

describe('POST /postiz/publish and /bulk-publish', () => {
  it('publishes now to two channels in one create call with a date and our group, then records two post ids', async () => {
    const { api, apiKey, clips } = await seedPublisher(1);
    const res = await api(`${P}/publish`, {
      json: { clip_id: clips[0], caption: 'Fresh cut #shorts', integration_ids: ['int-x', 'int-bluesky'] },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      status: 'processing',
      post_id: null,
      job_ids: [res.body.job_id],
      clips: [{ clip_id: clips[0], post_type: 'now', date: null }],
    });
    const progress = await settled(api, res.body.job_id);
    expect(progress).toMatchObject({
      status: 'completed',
      percentage: 100,
      step: 'Published successfully!',
      total: 1,
      completed: 1,
      failed: 0,
    });

    const creates = await postizFake.creates(apiKey);
    expect(creates).toHaveLength(1);
    const body = creates[0]!.json;
    expect(body.type).toBe('now');
    expect(Number.isNaN(Date.parse(body.date))).toBe(false);
    expect(body.posts).toHaveLength(2);
    const publicationId = res.body.publication_ids[0];
    for (const post of body.posts) {
      expect(post.group).toBe(publicationId);
      expect(post.value[0].content).toBe('Fresh cut #shorts');
      expect(post.value[0].image).toHaveLength(1);
    }
    expect(body.posts[0].settings).toEqual({ who_can_reply_post: 'everyone' });
    expect(await postizFake.uploads(apiKey)).toHaveLength(1);

    const org = await postizFake.org(apiKey);
    expect(org.posts.map((p) => p.group)).toEqual([publicationId, publicationId]);
    const pubs = (await api(`${P}/clips/${clips[0]}/publications`)).body.publications;
    expect(pubs).toHaveLength(1);
    expect(pubs[0]).toMatchObject({
      id: publicationId,
      status: 'published',
      integration_ids: ['int-x', 'int-bluesky'],
      platforms: ['x', 'bluesky'],
      error: null,
    });
    expect([...pubs[0].postiz_post_ids].sort()).toEqual(org.posts.map((p) => p.id).sort());
    // One post per channel, in the order the channels were given.
    expect(org.posts.map((p) => p.integration.id)).toEqual(['int-x', 'int-bluesky']);
    expect(pubs[0].postiz_post_ids).toEqual(org.posts.map((p) => p.id));
    const clip = (await api(`/api/v1/library/clips/${clips[0]}`)).body.clip;
    expect(clip).toMatchObject({
      postiz_status: 'published',
      postiz_post_id: pubs[0].postiz_post_ids[0],
      postiz_scheduled_at: null,
    });

    // Postiz's worker has published them; polling fills the release URLs.
    const refresh = await api(`${P}/publications/refresh`, { method: 'POST' });
    expect(refresh.body).toMatchObject({ checked: 1, published: 1, failed: 0 });
    const after = (await api(`${P}/clips/${clips[0]}/publications`)).body.publications[0];
    expect(after.release_url).toMatch(/^https:\/\/(x|bluesky)\.example\//);
    expect(after.posts.map((p: any) => p.state)).toEqual(['PUBLISHED', 'PUBLISHED']);
    expect(after.posts.every((p: any) => p.release_url)).toBe(true);
  });

  it('schedules a bulk publish of three clips at exact 30-minute intervals', async () => {
    const { api, apiKey, clips } = await seedPublisher(3);
    const start = new Date(Math.ceil((Date.now() + 24 * 60 * MIN) / MIN) * MIN);
    const res = await api(`${P}/bulk-publish`, {
      json: {
        clip_ids: clips,
        caption: 'Series',
        integration_ids: ['int-youtube', 'int-instagram'],
        schedule_date: start.toISOString().replace('.000Z', 'Z'),
      },
    });
    expect(res.status, res.text).toBe(202);
    const expected = [0, 30, 60].map((m) => new Date(start.getTime() + m * MIN).toISOString());
    expect(res.body.clips.map((c: any) => [c.clip_id, c.post_type, c.date])).toEqual(
      clips.map((id, k) => [id, 'schedule', expected[k]]),
    );
    expect(res.body.job_ids).toHaveLength(3);
    const progress = await settled(api, res.body.job_ids[2]);
    expect(progress).toMatchObject({
      job_id: res.body.job_ids[2],
      status: 'completed',
      percentage: 100,
      total: 3,
      completed: 3,
    });

    const creates = await postizFake.creates(apiKey);
    expect(creates).toHaveLength(3);
    expect(creates.map((c) => [c.json.type, c.json.date]).sort()).toEqual(expected.map((d) => ['schedule', d]));
    const youtube = creates[0]!.json.posts.find((p: any) => p.integration.id === 'int-youtube');
    expect(youtube.settings).toMatchObject({ title: 'Series', type: 'public' });
    const org = await postizFake.org(apiKey);
    expect(org.posts.map((p) => p.publishDate).sort()).toEqual([...expected, ...expected].sort());

    for (const [k, clipId] of clips.entries()) {
      const [pub] = (await api(`${P}/clips/${clipId}/publications`)).body.publications;
      expect(pub).toMatchObject({ status: 'scheduled', scheduled_at: expected[k], published_at: null });
      expect(pub.postiz_post_ids).toHaveLength(2);
      expect((await api(`/api/v1/library/clips/${clipId}`)).body.clip).toMatchObject({
        postiz_status: 'scheduled',
        postiz_scheduled_at: expected[k],
      });
    }
  });

  it('without a start date, posts the first clip now and the next ones one interval apart', async () => {
    const { api, clips } = await seedPublisher(3);
    const res = await api(`${P}/bulk-publish`, {
      json: { clip_ids: clips, caption: 'Now-ish', integration_ids: ['int-bluesky'], schedule_interval_minutes: 45 },
    });
    expect(res.status, res.text).toBe(202);
    const [first, second, third] = res.body.clips;
    expect(first).toMatchObject({ post_type: 'now', date: null });
    expect([second.post_type, third.post_type]).toEqual(['schedule', 'schedule']);
    expect(Date.parse(third.date) - Date.parse(second.date)).toBe(45 * MIN);
    await settled(api, res.body.job_id);
  });

  it('checks every clip and channel before queueing anything, and says what is wrong with each', async () => {
    const { user, api, apiKey, clips } = await seedPublisher(3, { render: false });
    await renderClip(user, clips[0]!);
    const { updateClip } = await import('../../src/db/repos/clips.ts');
    await updateClip(scopeOf(user), clips[2]!, { finalStatus: 'failed', finalError: 'encoder crashed' });
    const res = await api(`${P}/bulk-publish`, {
      json: {
        clip_ids: clips,
        caption: 'x'.repeat(281),
        integration_ids: ['int-x', 'int-youtube', 'int-facebook', 'int-missing'],
        settings: { 'int-youtube': { title: '' } },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('not_publishable');
    expect(res.body.error.details.clips).toEqual([
      { clip_id: clips[1], problem: 'the clip is not rendered yet (render it first)' },
      { clip_id: clips[2], problem: "the clip's render failed: encoder crashed; render it again" },
    ]);
    const channels = Object.fromEntries(res.body.error.details.channels.map((c: any) => [c.integration_id, c]));
    expect(channels['int-x'].problems).toEqual(['X captions are limited to 280 characters; this one has 281']);
    expect(channels['int-youtube'].problems).toEqual(['YouTube needs a title of 2–100 characters']);
    expect(channels['int-facebook'].problems).toEqual(['no enabled Postiz channel has this id']);
    expect(channels['int-missing'].problems).toEqual(['no enabled Postiz channel has this id']);
    expect(await publishJobs(api)).toEqual([]);
    expect(await postizFake.creates(apiKey)).toEqual([]);
    expect(await postizFake.uploads(apiKey)).toEqual([]);
  });

  it('uses the caption limit Postiz reports for the channel', async () => {
    const { api, clips } = await seedPublisher(1);
    // Postiz reports 2200 for TikTok (our table alone would say 150).
    const ok = await api(`${P}/publish`, {
      json: { clip_id: clips[0], caption: 'y'.repeat(600), integration_ids: ['int-tiktok'] },
    });
    expect(ok.status, ok.text).toBe(202);
    await settled(api, ok.body.job_id);
    const tooLong = await api(`${P}/publish`, {
      json: { clip_id: clips[0], caption: 'y'.repeat(2201), integration_ids: ['int-tiktok'] },
    });
    expect(tooLong.status).toBe(422);
  });

  it('rejects a schedule date in the past and settings for channels not being posted to', async () => {
    const { api, clips } = await seedPublisher(1);
    const past = await api(`${P}/publish`, {
      json: { clip_id: clips[0], caption: 'a', integration_ids: ['int-x'], schedule_date: '2020-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.details[0].path).toBe('schedule_date');
    const stray = await api(`${P}/publish`, {
      json: {
        clip_id: clips[0],
        caption: 'a',
        integration_ids: ['int-x'],
        settings: { 'int-youtube': { title: 'T' } },
      },
    });
    expect(stray.status).toBe(400);
    expect(await publishJobs(api)).toEqual([]);
  });

  it('answers 404 for foreign clip ids and queues nothing', async () => {
    const { api, apiKey, clips } = await seedPublisher(1);
    const stranger = await seedPublisher(1);
    const single = await api(`${P}/publish`, {
      json: { clip_id: stranger.clips[0], caption: 'a', integration_ids: ['int-x'] },
    });
    expect(single.status).toBe(404);
    const bulk = await api(`${P}/bulk-publish`, {
      json: { clip_ids: [clips[0], stranger.clips[0]], caption: 'a', integration_ids: ['int-x'] },
    });
    expect(bulk.status).toBe(404);
    expect(bulk.body.error.details.missing).toEqual([stranger.clips[0]]);
    expect(await publishJobs(api)).toEqual([]);
    expect(await postizFake.creates(apiKey)).toEqual([]);
  });

  it('answers 409 not_configured when neither the profile nor the deployment has Postiz, and queues nothing', async () => {
    const user = await seedUser('pz-unconfigured');
    const api = as(user);
    const project = (await api('/api/v1/library/projects', { json: { name: 'P' } })).body.id;
    const [clipId] = await seedClips(user, project, 1);
    await renderClip(user, clipId!);
    for (const [path, json] of [
      [`${P}/publish`, { clip_id: clipId, caption: 'a', integration_ids: ['int-x'] }],
      [`${P}/bulk-publish`, { clip_ids: [clipId], caption: 'a', integration_ids: ['int-x'] }],
      [`${P}/upload`, { clip_id: clipId }],
    ] as const) {
      const res = await callWithoutDeploymentPostiz(user, path, { json });
      expect(res.status, path).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'not_configured',
        message: expect.stringContaining('PUT /api/v1/postiz/config'),
      });
    }
    expect(await publishJobs(api)).toEqual([]);
  });

  it('refuses a bulk publish that would exceed the job limit as a whole', async () => {
    const { api, clips } = await seedPublisher(5);
    const res = await api(`${P}/bulk-publish`, {
      json: { clip_ids: clips, caption: 'a', integration_ids: ['int-bluesky'] },
    });
    expect(res.status).toBe(429);
    expect(res.body.error.details).toMatchObject({ requested_jobs: 5, limit: 4 });
    expect(await publishJobs(api)).toEqual([]);
  });

  it('replays the first answer for a repeated Idempotency-Key and queues one job', async () => {
    const { api, apiKey, clips } = await seedPublisher(1);
    const json = { clip_id: clips[0], caption: 'Once', integration_ids: ['int-x'] };
    const first = await api(`${P}/publish`, { json, headers: { 'Idempotency-Key': 'publish-once' } });
    const again = await api(`${P}/publish`, { json, headers: { 'Idempotency-Key': 'publish-once' } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body.job_id).toBe(first.body.job_id);
    await settled(api, first.body.job_id);
    expect(await publishJobs(api)).toHaveLength(1);
    expect(await postizFake.creates(apiKey)).toHaveLength(1);
  });
});

describe('publish progress and publications', () => {
  it('reports a failed publish with Postiz readable message in progress and the publication', async () => {
    const { api, apiKey, clips } = await seedPublisher(1);
    await postizFake.failNext({
      api_key: apiKey,
      method: 'POST',
      path: '/public/v1/posts',
      status: 400,
      body: { statusCode: 400, provider: 'x', name: 'X', message: 'post is too long, please fix it' },
    });
    const res = await api(`${P}/publish`, {
      json: { clip_id: clips[0], caption: 'Hello', integration_ids: ['int-x'] },
    });
    const progress = await settled(api, res.body.job_id);
    expect(progress).toMatchObject({
      status: 'failed',
      percentage: 100,
      step: 'Failed: Postiz: X: post is too long, please fix it',
    });
    const [pub] = (await api(`${P}/clips/${clips[0]}/publications`)).body.publications;
    expect(pub).toMatchObject({
      status: 'failed',
      error: 'Postiz: X: post is too long, please fix it',
      postiz_post_ids: [],
    });
    expect((await api(`/api/v1/library/clips/${clips[0]}`)).body.clip.postiz_status).toBe('failed');
  });

  it('sums a bulk publish with a failure up as completed_with_errors', async () => {
    const { api, apiKey, clips } = await seedPublisher(2);
    await postizFake.config({ api_key: apiKey, monthly_post_limit: 1 });
    const res = await api(`${P}/bulk-publish`, {
      json: { clip_ids: clips, caption: 'Two', integration_ids: ['int-bluesky'], schedule_interval_minutes: 5 },
    });
    const progress = await settled(api, res.body.job_id);
    expect(progress).toMatchObject({ status: 'completed_with_errors', total: 2, completed: 1, failed: 1 });
    expect(progress.step).toBe('Published 1 of 2 clips; 1 failed');
  });

  it('is profile-scoped on every route', async () => {
    const { user, api, clips } = await seedPublisher(1);
    const res = await api(`${P}/publish`, {
      json: { clip_id: clips[0], caption: 'Mine', integration_ids: ['int-bluesky'] },
    });
    await settled(api, res.body.job_id);
    await expectCrossProfileIsolation(user, [
      { method: 'POST', path: `${P}/upload`, json: { clip_id: clips[0] } },
      { method: 'POST', path: `${P}/bulk-upload`, json: { clip_ids: [clips[0]] } },
      { method: 'POST', path: `${P}/bulk-upload`, json: { clips: [{ clip_id: clips[0], video_path: 'x.mp4' }] } },
      {
        method: 'POST',
        path: `${P}/publish`,
        json: { clip_id: clips[0], caption: 'Theirs', integration_ids: ['int-x'] },
      },
      {
        method: 'POST',
        path: `${P}/bulk-publish`,
        json: { clip_ids: [clips[0]], caption: 'Theirs', integration_ids: ['int-x'] },
      },
      { method: 'GET', path: `${P}/publish/${res.body.job_id}/progress` },
      { method: 'GET', path: `${P}/clips/${clips[0]}/publications` },
    ]);
    // Connection routes have no ids: another profile sees its own (here the deployment's) connection.
    const other = as(await seedProfile(user));
    expect((await other(`${P}/config`)).body.source).toBe('deployment');
    expect((await other(`${P}/publications/refresh`, { method: 'POST' })).body.checked).toBe(0);
  });

  it('answers 404 for the progress of a job that is not a publish', async () => {
    const user = await seedUser('pz-progress');
    const { enqueueJob } = await import('../helpers/worker/jobs.ts');
    const job = await enqueueJob(scopeOf(user), env, 'echo', { message: 'hi' });
    expect((await as(user)(`${P}/publish/${job.id}/progress`)).status).toBe(404);
  });
});
