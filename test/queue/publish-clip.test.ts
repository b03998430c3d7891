/**
 * The `publish_clip` job against the fake Postiz: one post per publication whatever the queue does
 * (redelivery, a rerun after a crash, a lost answer), 429 retried after Postiz's delay, 400/402
 * failing the publication with Postiz's words, and polling for the final state.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getClip, updateClip } from '../../src/db/repos/clips.ts';
import { type JobRow, getJob, insertJobStatement } from '../../src/db/repos/jobs.ts';
import {
  claimCreateAttempt,
  ensurePublication,
  getPublication,
  listClipPublications,
} from '../../src/db/repos/publications.ts';
import { MAX_ATTEMPTS, processJobMessage } from '../helpers/worker/jobs.ts';
import { createJobContext } from '../../src/jobs/context.ts';
import { publishClipHandler } from '../../src/job-handlers/publish-clip.ts';
import type { JobInput } from '../../src/jobs/job-types.ts';
import type { JobMessage } from '../../src/jobs/messages.ts';
import { refreshAllPublications } from '../../src/housekeeping/run.ts';
import { newId } from '../../src/core/ids.ts';
import { createPostizClient } from '../../src/providers/postiz.ts';
import { defaultSettings } from '../../src/providers/postiz-rules.ts';
import {
  type Publisher,
  fakeBase,
  postizFake,
  renderClip,
  seedPublisher,
  sha256Hex,
  tinyClipBytes,
} from '../helpers/worker/postiz.ts';
import { scopeOf } from '../helpers/worker/seed.ts';

type Input = JobInput<'publish_clip'>;

const TWO_CHANNELS: Input['integrations'] = [
  { id: 'int-x', provider: 'x', settings: defaultSettings('x') },
  { id: 'int-bluesky', provider: 'bluesky', settings: defaultSettings('bluesky') },
];

/** A publish job row as the route writes it, without a queue message: the test delivers it. */
async function publishJob(pub: Publisher, overrides: Partial<Input> = {}) {
  const scope = scopeOf(pub.user);
  const input: Input = {
    publication_id: newId('publication'),
    batch_id: newId('publishBatch'),
    clip_id: pub.clips[0]!,
    caption: 'From the queue',
    integrations: TWO_CHANNELS,
    post_type: 'now',
    date: null,
    position: 0,
    total: 1,
    ...overrides,
  };
  const [job] = (await insertJobStatement(scope, {
    id: newId('job'),
    type: 'publish_clip',
    input,
    resourceType: 'publish_batch',
    resourceId: input.batch_id,
  })) as JobRow[];
  const message: JobMessage = { kind: 'job', job_id: job!.id, profile_id: scope.profileId, type: 'publish_clip' };
  // Other tests' profiles leave jobs here that nobody delivers; the fair share between profiles
  // (test/queue/fair-share.test.ts) would run one of those in this job's place.
  const deliver = (attempt = 1) => processJobMessage({ ...env, JOB_FAIR_SHARE: 'off' }, message, attempt);
  return { scope, job: job!, input, message, deliver };
}

describe('publish_clip job', () => {
  it('ignores a redelivered message once the clip is posted: one create call, one publication', async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input, deliver } = await publishJob(pub);
    expect(await deliver(1)).toEqual({});
    expect(await deliver(2)).toEqual({});
    expect((await getJob(scope, job.id))?.status).toBe('completed');
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(1);
    expect((await postizFake.org(pub.apiKey)).posts).toHaveLength(2);
    const rows = await listClipPublications(scope, input.clip_id);
    expect(rows.map((r) => [r.id, r.status, r.postizPostIds.length])).toEqual([[input.publication_id, 'published', 2]]);
  });

  it('does nothing when the job runs again after posting but before it was marked done', async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input, deliver } = await publishJob(pub);
    // The handler alone: the post is created and recorded, then the worker "dies" before completing the job.
    const first = await publishClipHandler.run(createJobContext(env, scope, job, input, 1));
    expect(first.result).toMatchObject({ status: 'published' });
    expect((await getJob(scope, job.id))?.status).toBe('pending');
    await deliver(2);
    const done = await getJob(scope, job.id);
    expect(done).toMatchObject({
      status: 'completed',
      result: { publication_id: input.publication_id, note: 'already posted; nothing sent again' },
    });
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(1);
  });

  it("finds an earlier attempt's posts by group when its answer was lost, and adopts them instead of posting again", async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input, deliver } = await publishJob(pub);
    // Attempt 1 counted its create call and Postiz created the posts, but the answer never came back.
    const row = await ensurePublication(scope, {
      id: input.publication_id,
      clipId: input.clip_id,
      jobId: job.id,
      integrationIds: ['int-x', 'int-bluesky'],
      platforms: ['x', 'bluesky'],
      caption: input.caption,
      scheduledAt: null,
    });
    expect(await claimCreateAttempt(scope, row.id, 0)).toBe(true);
    const postiz = createPostizClient({ baseUrl: fakeBase(), apiKey: pub.apiKey });
    const lost = await postiz.createPost({
      type: 'now',
      posts: TWO_CHANNELS.map((i) => ({
        integrationId: i.id,
        group: row.postizGroup,
        content: input.caption,
        settings: i.settings,
      })),
    });

    await deliver(2);
    expect((await getJob(scope, job.id))?.status).toBe('completed');
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(1); // only the lost one
    const lookups = await postizFake.requests(pub.apiKey, { method: 'GET', path: '/public/v1/posts' });
    expect(lookups).toHaveLength(1);
    expect(Date.parse(lookups[0]!.query.startDate!)).toBeLessThan(Date.parse(row.createdAt));
    const publication = await getPublication(scope, row.id);
    expect(publication).toMatchObject({ status: 'published', attempts: 1 });
    expect([...publication!.postizPostIds].sort()).toEqual(lost.map((p) => p.postId).sort());
  });

  it('creates only the channels an interrupted earlier call did not reach', async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input, deliver } = await publishJob(pub);
    const row = await ensurePublication(scope, {
      id: input.publication_id,
      clipId: input.clip_id,
      jobId: job.id,
      integrationIds: ['int-x', 'int-bluesky'],
      platforms: ['x', 'bluesky'],
      caption: input.caption,
      scheduledAt: null,
    });
    await claimCreateAttempt(scope, row.id, 0);
    // The earlier call got as far as the X post.
    const postiz = createPostizClient({ baseUrl: fakeBase(), apiKey: pub.apiKey });
    const [xPost] = await postiz.createPost({
      type: 'now',
      posts: [
        { integrationId: 'int-x', group: row.postizGroup, content: input.caption, settings: TWO_CHANNELS[0]!.settings },
      ],
    });

    await deliver(2);
    const creates = await postizFake.creates(pub.apiKey);
    expect(creates).toHaveLength(2);
    expect(creates[1]!.json.posts.map((p: any) => [p.integration.id, p.group])).toEqual([
      ['int-bluesky', row.postizGroup],
    ]);
    const publication = await getPublication(scope, row.id);
    expect(publication?.status).toBe('published');
    expect(publication?.postizPosts.map((p) => p.integration_id)).toEqual(['int-x', 'int-bluesky']);
    expect(publication?.postizPostIds[0]).toBe(xPost!.postId);
  });

  it('lets only one of two concurrent deliveries create the post', async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input } = await publishJob(pub);
    const [a, b] = await Promise.allSettled([
      publishClipHandler.run(createJobContext(env, scope, job, input, 1)),
      publishClipHandler.run(createJobContext(env, scope, job, input, 1)),
    ]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? 'posted' : (r.reason as { code?: string }).code));
    expect(outcomes.sort()).toEqual(['posted', 'publication_busy']);
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(1);
  });

  it("retries a 429 after Postiz's Retry-After, then publishes once", async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input, deliver } = await publishJob(pub);
    await postizFake.failNext({
      api_key: pub.apiKey,
      method: 'POST',
      path: '/public/v1/posts',
      status: 429,
      body: { statusCode: 429, message: 'ThrottlerException: Too Many Requests' },
      headers: { 'retry-after': '120' },
    });
    expect(await deliver(1)).toEqual({ retryAfter: 120 });
    const waiting = await getJob(scope, job.id);
    expect(waiting).toMatchObject({ status: 'pending', errorCode: 'postiz_rate_limited' });
    expect(waiting?.step).toMatch(/^Retrying in 120s: Postiz: Postiz hourly post limit reached/);
    expect(await getPublication(scope, input.publication_id)).toMatchObject({ status: 'pending', attempts: 1 });

    expect(await deliver(2)).toEqual({});
    expect((await getJob(scope, job.id))?.status).toBe('completed');
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(2); // the refused one and the real one
    expect((await postizFake.org(pub.apiKey)).posts).toHaveLength(2); // one post per channel
    expect(await getPublication(scope, input.publication_id)).toMatchObject({ status: 'published', attempts: 2 });
  });

  it("waits out Postiz's real hourly limit within the consumer's longest delay", async () => {
    const pub = await seedPublisher(2);
    await postizFake.config({ api_key: pub.apiKey, hourly_post_limit: 1 });
    const first = await publishJob(pub);
    expect(await first.deliver(1)).toEqual({});
    const second = await publishJob(pub, { clip_id: pub.clips[1]! });
    const outcome = await second.deliver(1);
    expect(outcome.retryAfter).toBeGreaterThan(0);
    expect(outcome.retryAfter).toBeLessThanOrEqual(900);
    expect(await getPublication(second.scope, second.input.publication_id)).toMatchObject({ status: 'pending' });
  });

  it("fails the publication with Postiz's readable message on a 400", async () => {
    const pub = await seedPublisher(1);
    const { scope, job, input, deliver } = await publishJob(pub, {
      caption: 'x'.repeat(300),
      integrations: [TWO_CHANNELS[0]!],
    });
    expect(await deliver(1)).toEqual({});
    expect(await getJob(scope, job.id)).toMatchObject({
      status: 'failed',
      errorCode: 'postiz_bad_request',
      errorMessage: 'Postiz: X: post is too long, please fix it',
    });
    expect(await getPublication(scope, input.publication_id)).toMatchObject({
      status: 'failed',
      errorMessage: 'Postiz: X: post is too long, please fix it',
      postizPostIds: [],
    });
    expect((await getClip(scope, input.clip_id))?.postizStatus).toBe('failed');
  });

  it('fails the publication on a 402 plan limit without retrying', async () => {
    const pub = await seedPublisher(1);
    await postizFake.config({ api_key: pub.apiKey, monthly_post_limit: 0 });
    const { scope, input, deliver } = await publishJob(pub);
    expect(await deliver(1)).toEqual({});
    expect(await getPublication(scope, input.publication_id)).toMatchObject({
      status: 'failed',
      errorMessage: 'Postiz: Postiz plan limit reached (posts_per_month, create)',
    });
  });

  it('retries a 5xx, checking Postiz for an earlier post before creating again', async () => {
    const pub = await seedPublisher(1);
    const { scope, input, deliver } = await publishJob(pub);
    await postizFake.failNext({
      api_key: pub.apiKey,
      method: 'POST',
      path: '/public/v1/posts',
      status: 502,
      raw_body: '<html>Bad gateway</html>',
    });
    expect((await deliver(1)).retryAfter).toBe(5);
    expect(await deliver(2)).toEqual({});
    const calls = (await postizFake.requests(pub.apiKey)).map((r) => `${r.method} ${r.path}`);
    expect(calls.filter((c) => c.includes('/posts'))).toEqual([
      'POST /public/v1/posts',
      'GET /public/v1/posts',
      'POST /public/v1/posts',
    ]);
    expect((await postizFake.org(pub.apiKey)).posts).toHaveLength(2);
    expect((await getPublication(scope, input.publication_id))?.status).toBe('published');
  });

  it('fails the publication once the retries are spent', async () => {
    const pub = await seedPublisher(1);
    const { scope, input, deliver } = await publishJob(pub);
    await postizFake.failNext({
      api_key: pub.apiKey,
      method: 'POST',
      path: '/public/v1/posts',
      status: 503,
      body: { message: 'down' },
    });
    expect(await deliver(MAX_ATTEMPTS)).toEqual({});
    const publication = await getPublication(scope, input.publication_id);
    expect(publication?.status).toBe('failed');
    expect(publication?.errorMessage).toBe(`Postiz: down (gave up after ${MAX_ATTEMPTS} attempts)`);
  });

  it('reuses media uploaded for the current video, and uploads again after a re-render', async () => {
    const pub = await seedPublisher(1);
    const upload = await pub.api('/api/v1/postiz/upload', { json: { clip_id: pub.clips[0] } });
    expect(upload.status).toBe(200);
    const first = await publishJob(pub);
    await first.deliver(1);
    expect(await postizFake.uploads(pub.apiKey)).toHaveLength(1);
    const [create] = await postizFake.creates(pub.apiKey);
    expect(create!.json.posts[0].value[0].image).toEqual([{ id: upload.body.media_id, path: upload.body.media_path }]);

    // A new render at the same key (new etag): the old media no longer shows this clip.
    const rerendered = new Uint8Array([...(await tinyClipBytes()), ...new Uint8Array(64).fill(7)]);
    await renderClip(pub.user, pub.clips[0]!, rerendered);
    const second = await publishJob(pub);
    await second.deliver(1);
    const uploads = await postizFake.uploads(pub.apiKey);
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.extra.file!.sha256).toBe(await sha256Hex(rerendered));
  });

  it('fails clearly when the clip was deleted or unrendered after queueing', async () => {
    const pub = await seedPublisher(2);
    const deleted = await publishJob(pub);
    await updateClip(deleted.scope, pub.clips[0]!, { isDeleted: true });
    await deleted.deliver(1);
    expect(await getPublication(deleted.scope, deleted.input.publication_id)).toMatchObject({
      status: 'failed',
      errorMessage: 'The clip was deleted before it could be published',
    });
    const rerendering = await publishJob(pub, { clip_id: pub.clips[1]! });
    await updateClip(rerendering.scope, pub.clips[1]!, { finalStatus: 'processing' });
    await rerendering.deliver(1);
    expect((await getPublication(rerendering.scope, rerendering.input.publication_id))?.status).toBe('failed');
    expect(await postizFake.creates(pub.apiKey)).toHaveLength(0);
  });

  it('schedules for the exact date, then polling moves it to published with release URLs, or to failed', async () => {
    const pub = await seedPublisher(2);
    const date = new Date(Math.ceil((Date.now() + 10 * 60_000) / 60_000) * 60_000).toISOString();
    const ok = await publishJob(pub, { post_type: 'schedule', date });
    const bad = await publishJob(pub, { post_type: 'schedule', date, clip_id: pub.clips[1]! });
    await ok.deliver(1);
    await bad.deliver(1);
    const scheduled = await getPublication(ok.scope, ok.input.publication_id);
    expect(scheduled).toMatchObject({ status: 'scheduled', scheduledAt: date, publishedAt: null });
    expect(await getClip(ok.scope, pub.clips[0]!)).toMatchObject({
      postizStatus: 'scheduled',
      postizScheduledAt: date,
    });
    const [create] = await postizFake.creates(pub.apiKey);
    expect(create!.json).toMatchObject({ type: 'schedule', date });

    // Postiz's workers publish one clip's posts and fail one of the other's.
    for (const id of scheduled!.postizPostIds) await postizFake.setPostState(id, { state: 'PUBLISHED' });
    const other = await getPublication(bad.scope, bad.input.publication_id);
    await postizFake.setPostState(other!.postizPostIds[1]!, { state: 'ERROR', error: 'token expired' });
    await refreshAllPublications(env);

    const published = await getPublication(ok.scope, ok.input.publication_id);
    expect(published?.status).toBe('published');
    expect(published?.releaseUrl).toMatch(/^https:\/\/x\.example\/cutroom\//);
    expect(published?.postizPosts.map((p) => [p.integration_id, p.state, Boolean(p.release_url)])).toEqual([
      ['int-x', 'PUBLISHED', true],
      ['int-bluesky', 'PUBLISHED', true],
    ]);
    expect((await getClip(ok.scope, pub.clips[0]!))?.postizStatus).toBe('published');
    expect(await getPublication(bad.scope, bad.input.publication_id)).toMatchObject({
      status: 'failed',
      errorMessage: 'Postiz could not publish to bluesky',
    });
    expect((await getClip(bad.scope, pub.clips[1]!))?.postizStatus).toBe('failed');
  });
});
