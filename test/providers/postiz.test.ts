/**
 * The real Postiz client against the local fake: raw-key auth, channels and their rules, a
 * streamed upload that arrives byte-exact with a Content-Length, create-post with `date` always
 * present, the hourly throttle, readable validation errors, listing and deleting.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PostizMedia, createPostizClient } from '../../src/providers/postiz.ts';
import { defaultSettings } from '../../src/providers/postiz-rules.ts';
import { ProviderError } from '../../src/providers/provider-error.ts';
import type { ReceivedFilePart } from '../fakes/postiz-upload.ts';
import { PostizFake } from '../fakes/postiz-server.ts';

let fake: PostizFake;
let dir: string;
let video: string;
let keySeq = 0;
/** Each test gets its own Postiz organisation (own channels, posts and throttle). */
let key: string;

beforeAll(async () => {
  fake = await PostizFake.start({ maxImageBytes: 64 * 1024 });
  dir = mkdtempSync(join(tmpdir(), 'postiz-test-'));
  video = join(dir, 'clip.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=25:duration=4',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=4',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-b:v',
    '800k',
    '-c:a',
    'aac',
    '-shortest',
    '-movflags',
    '+faststart',
    video,
  ]);
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  key = `pz_test_${++keySeq}_${Date.now()}`;
});

const client = (patch: { apiKey?: string; baseUrl?: string } = {}) =>
  createPostizClient({ baseUrl: patch.baseUrl ?? fake.baseUrl, apiKey: patch.apiKey ?? key });

function fileStream(path: string): ReadableStream<Uint8Array> {
  // 16 KiB reads: the body really arrives in many pieces.
  return Readable.toWeb(createReadStream(path, { highWaterMark: 16 * 1024 })) as ReadableStream<Uint8Array>;
}

async function uploadVideo(apiKey = key): Promise<PostizMedia> {
  return client({ apiKey }).uploadMedia({
    filename: 'clip.mp4',
    contentType: 'video/mp4',
    body: fileStream(video),
    size: statSync(video).size,
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const range = () => ({ startDate: new Date(Date.now() - 86_400_000), endDate: new Date(Date.now() + 30 * 86_400_000) });

describe('auth and channels', () => {
  it('sends the raw key in Authorization (no Bearer) and checks the connection', async () => {
    expect(await client().isConnected()).toBe(true);
    const [req] = fake.server.requestsFor({ api_key: key });
    expect(req!.headers.authorization).toBe(key);
    expect(req!.path).toBe('/public/v1/is-connected');
  });

  it('answers Postiz’s exact 401 messages as auth errors', async () => {
    expect(await failure(client({ apiKey: 'wrong' }).isConnected())).toMatchObject({
      kind: 'auth',
      status: 401,
      message: 'Invalid API key',
      retryable: false,
    });
    expect(await failure(client({ apiKey: `Bearer ${key}` }).isConnected())).toMatchObject({
      kind: 'auth',
      message: 'Invalid API key',
    });
    expect(await failure(client({ apiKey: 'pz_nosub_1' }).isConnected())).toMatchObject({
      kind: 'auth',
      message: 'No subscription found',
    });
  });

  it('works against a self-hosted /api/public/v1 base and a bare host', async () => {
    expect(await client({ baseUrl: `${fake.url}/api/public/v1/` }).isConnected()).toBe(true);
    expect(await client({ baseUrl: fake.url }).isConnected()).toBe(true);
    expect(fake.server.requestsFor({ api_key: key }).map((r) => r.path)).toEqual([
      '/api/public/v1/is-connected',
      '/public/v1/is-connected',
    ]);
  });

  it('lists enabled channels only, with their provider identifier and handle', async () => {
    const channels = await client().listIntegrations();
    expect(channels.map((c) => c.id)).toEqual([
      'int-x',
      'int-youtube',
      'int-tiktok',
      'int-instagram',
      'int-linkedin',
      'int-bluesky',
    ]);
    expect(channels[0]).toEqual({
      id: 'int-x',
      name: 'Cutroom X',
      provider: 'x',
      picture: 'https://cdn.postiz.test/x.png',
      disabled: false,
      profile: 'cutroom',
      customer: null,
    });
    expect(channels.find((c) => c.id === 'int-linkedin')?.provider).toBe('linkedin-page');
  });

  it('reads a channel’s rules, maxLength and settings schema', async () => {
    const yt = await client().integrationSettings('int-youtube');
    expect(yt.maxLength).toBe(5000);
    expect(yt.settings).toMatchObject({ required: ['title', 'type'] });
    expect(yt.rules).toMatch(/YouTube/);
    const linkedin = await client().integrationSettings('int-linkedin');
    expect(linkedin.settings).toBeNull();
    // Postiz answers a bare 500 for an id that is not one of the org's channels.
    expect(await failure(client().integrationSettings('int-nope'))).toMatchObject({ kind: 'upstream', status: 500 });
  });
});

describe('uploadMedia', () => {
  it('streams the file as multipart "file" with a Content-Length (not chunked) and the exact bytes arrive', async () => {
    const bytes = readFileSync(video);
    expect(bytes.length).toBeGreaterThan(100 * 1024);
    const media = await uploadVideo();

    const [req] = fake.server.requestsFor({ path: '/public/v1/upload', api_key: key });
    expect(req!.chunked).toBe(false);
    expect(req!.headers['transfer-encoding']).toBeUndefined();
    expect(req!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req!.content_length).toBeGreaterThan(bytes.length);
    expect(req!.content_length! - bytes.length).toBeLessThan(400);
    const file = req!.extra.file as ReceivedFilePart;
    expect(file).toMatchObject({
      field: 'file',
      filename: 'clip.mp4',
      content_type: 'video/mp4',
      size: bytes.length,
      truncated: false,
    });
    expect(file.sha256).toBe(sha256(bytes));

    expect(media.id).toMatch(/^[0-9a-f]{24}$/);
    expect(media.path).toMatch(new RegExp(`^${fake.url}/uploads/\\d{4}/\\d{2}/[0-9a-f]+\\.mp4$`));
    expect(media.originalName).toBe('clip.mp4');
  });

  it('keeps odd filenames out of the multipart headers', async () => {
    const bytes = readFileSync(video);
    await client().uploadMedia({
      filename: '../../etc/"evil"\r\nX: y.mp4',
      contentType: 'video/mp4',
      body: Readable.toWeb(Readable.from([bytes])) as ReadableStream<Uint8Array>,
      size: bytes.length,
    });
    const file = fake.server.requestsFor({ path: '/public/v1/upload', api_key: key })[0]!.extra
      .file as ReceivedFilePart;
    expect(file.filename).toBe('evil_X_y.mp4');
    expect(file.sha256).toBe(sha256(bytes));
  });

  it('is rejected readably when the bytes are not media Postiz accepts', async () => {
    const text = Buffer.from('just some text, not a video');
    const err = await failure(
      client().uploadMedia({
        filename: 'clip.mp4',
        contentType: 'video/mp4',
        body: Readable.toWeb(Readable.from([text])) as ReadableStream<Uint8Array>,
        size: text.length,
      }),
    );
    expect(err).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(err.message).toMatch(/^Unsupported file type/);
  });

  it('is rejected when an image is over the size limit', async () => {
    const path = join(dir, 'big.png');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'nullsrc=s=400x400,geq=random(1)*255:128:128',
      '-frames:v',
      '1',
      path,
    ]);
    const err = await failure(
      client().uploadMedia({
        filename: 'big.png',
        contentType: 'image/png',
        body: fileStream(path),
        size: statSync(path).size,
      }),
    );
    expect(err).toMatchObject({
      kind: 'bad_request',
      message: `File size exceeds the maximum allowed size of ${64 * 1024} bytes.`,
    });
  });

  it('refuses to send a body whose length differs from the declared size', async () => {
    const bytes = readFileSync(video);
    const err = await failure(
      client().uploadMedia({
        filename: 'clip.mp4',
        contentType: 'video/mp4',
        body: Readable.toWeb(Readable.from([bytes])) as ReadableStream<Uint8Array>,
        size: bytes.length + 10,
      }),
    );
    expect(err.message).toMatch(/upload body was \d+ bytes, expected \d+/);
    const got = fake.server.requestsFor({ path: '/public/v1/upload', api_key: key });
    for (const r of got) expect(r.status === undefined || r.status >= 400).toBe(true);
  });
});

describe('createPost', () => {
  it('posts "now" with date, shortLink, tags, our group and the uploaded media; the post then shows as published', async () => {
    const media = await uploadVideo();
    const before = Date.now();
    const created = await client().createPost({
      type: 'now',
      posts: [
        {
          integrationId: 'int-x',
          group: 'pub_01abc',
          content: 'Watch this clip!',
          media: { id: media.id, path: media.path },
          settings: defaultSettings('x'),
        },
        {
          integrationId: 'int-youtube',
          group: 'pub_01abc',
          content: 'Watch this clip!',
          media: [media],
          settings: defaultSettings('youtube', { title: 'Clip of the day' }),
        },
      ],
    });
    expect(created.map((c) => c.integration)).toEqual(['int-x', 'int-youtube']);

    const req = fake.server.requestsFor({ method: 'POST', path: '/public/v1/posts', api_key: key })[0]!;
    const body = req.json as Record<string, unknown> & { posts: Record<string, unknown>[] };
    expect(typeof body.date).toBe('string');
    expect(Date.parse(body.date as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(body).toMatchObject({ type: 'now', shortLink: false, tags: [] });
    expect(body.posts[0]).toEqual({
      integration: { id: 'int-x' },
      group: 'pub_01abc',
      value: [{ content: 'Watch this clip!', image: [{ id: media.id, path: media.path }] }],
      settings: { who_can_reply_post: 'everyone' },
    });
    expect(body.posts[1]!.settings).toEqual({
      title: 'Clip of the day',
      type: 'public',
      selfDeclaredMadeForKids: 'no',
      tags: [],
    });
    expect(req.headers.authorization).toBe(key);

    const posts = await client().listPosts(range());
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      expect(post).toMatchObject({ state: 'PUBLISHED', group: 'pub_01abc', content: 'Watch this clip!' });
      expect(post.releaseURL).toMatch(/^https:\/\//);
      expect(created.map((c) => c.postId)).toContain(post.id);
    }
    expect(posts.map((p) => p.integration?.providerIdentifier).sort()).toEqual(['x', 'youtube']);
  });

  it('schedules for later (QUEUE) and keeps drafts as drafts', async () => {
    const when = new Date(Date.now() + 3 * 86_400_000);
    when.setUTCSeconds(0, 0);
    await client().createPost({
      type: 'schedule',
      date: when,
      posts: [{ integrationId: 'int-bluesky', group: 'g-sched', content: 'Later' }],
    });
    await client().createPost({
      type: 'draft',
      posts: [{ integrationId: 'int-bluesky', group: 'g-draft', content: 'Draft' }],
    });
    const posts = await client().listPosts(range());
    expect(posts.find((p) => p.group === 'g-sched')).toMatchObject({
      state: 'QUEUE',
      publishDate: when.toISOString(),
      releaseURL: null,
    });
    expect(posts.find((p) => p.group === 'g-draft')).toMatchObject({ state: 'DRAFT' });
  });

  it('sends follow-up comments after the main post', async () => {
    await client().createPost({
      type: 'draft',
      posts: [{ integrationId: 'int-x', content: 'Main', comments: ['First reply'], settings: defaultSettings('x') }],
    });
    const body = fake.server.requestsFor({ method: 'POST', path: '/public/v1/posts', api_key: key })[0]!.json as {
      posts: { value: unknown[] }[];
    };
    expect(body.posts[0]!.value).toEqual([
      { content: 'Main', image: [] },
      { content: 'First reply', image: [] },
    ]);
  });

  it('refuses a scheduled post without a date before calling Postiz', async () => {
    await expect(
      client().createPost({ type: 'schedule', posts: [{ integrationId: 'int-x', content: 'x' }] }),
    ).rejects.toThrow(RangeError);
    expect(fake.server.requestsFor({ api_key: key })).toHaveLength(0);
  });

  it('surfaces Postiz’s readable 400s: unknown channel, too long, missing YouTube title, foreign media', async () => {
    const unknown = await failure(
      client().createPost({ type: 'now', posts: [{ integrationId: 'int-nope', content: 'hi' }] }),
    );
    expect(unknown).toMatchObject({
      kind: 'bad_request',
      status: 400,
      message: 'Integration with id int-nope not found',
      retryable: false,
    });

    const long = await failure(
      client().createPost({
        type: 'now',
        posts: [{ integrationId: 'int-x', content: 'a'.repeat(281), settings: defaultSettings('x') }],
      }),
    );
    expect(long).toMatchObject({
      kind: 'bad_request',
      message: 'X: post is too long, please fix it',
      details: { platform: 'x', platform_name: 'X' },
    });

    const title = await failure(
      client().createPost({
        type: 'now',
        posts: [{ integrationId: 'int-youtube', content: 'clip', settings: { type: 'public', title: '' } }],
      }),
    );
    expect(title.message).toBe('YouTube: title must be longer than or equal to 2 characters');

    const foreign = await failure(
      client().createPost({
        type: 'now',
        posts: [
          {
            integrationId: 'int-x',
            content: 'clip',
            media: { id: 'm1', path: 'https://elsewhere.example/clip.mp4' },
            settings: defaultSettings('x'),
          },
        ],
      }),
    );
    expect(foreign.message).toMatch(/^All media must be uploaded through our upload API route/);
    expect(await client().listPosts(range())).toEqual([]);
  });

  it('answers 429 ThrottlerException after the hourly limit, counting failed calls too', async () => {
    await fetch(`${fake.url}/__fake/config`, {
      method: 'POST',
      body: JSON.stringify({ api_key: key, hourly_post_limit: 3 }),
    });
    const post = () => client().createPost({ type: 'draft', posts: [{ integrationId: 'int-bluesky', content: 'hi' }] });
    await post();
    await failure(client().createPost({ type: 'draft', posts: [{ integrationId: 'int-nope', content: 'hi' }] }));
    await post();
    const err = await failure(post());
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryable: true });
    expect(err.message).toMatch(/ThrottlerException: Too Many Requests/);
    expect(err.retryAfterSeconds).toBeGreaterThan(3500);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(3600);
    // Other routes are not throttled, and other orgs have their own budget.
    expect(await client().listIntegrations()).toHaveLength(6);
    await client({ apiKey: `${key}_other` }).createPost({
      type: 'draft',
      posts: [{ integrationId: 'int-bluesky', content: 'hi' }],
    });
  });

  it('maps the monthly plan limit (402 {section, action}) to quota', async () => {
    await fetch(`${fake.url}/__fake/config`, {
      method: 'POST',
      body: JSON.stringify({ api_key: key, monthly_post_limit: 1 }),
    });
    await client().createPost({ type: 'draft', posts: [{ integrationId: 'int-bluesky', content: 'one' }] });
    const err = await failure(
      client().createPost({ type: 'draft', posts: [{ integrationId: 'int-bluesky', content: 'two' }] }),
    );
    expect(err).toMatchObject({ kind: 'quota', status: 402, retryable: false, providerCode: 'posts_per_month' });
    expect(err.message).toBe('Postiz plan limit reached (posts_per_month, create)');
  });

  it('accepts a single-object create response as well as a list', async () => {
    fake.server.failNext({
      status: 201,
      body: { postId: 'p1', integration: 'int-x' },
      path: '/public/v1/posts',
      api_key: key,
    });
    expect(await client().createPost({ type: 'draft', posts: [{ integrationId: 'int-x', content: 'x' }] })).toEqual([
      { postId: 'p1', integration: 'int-x' },
    ]);
  });

  it('is never retried by the client (Postiz has no idempotency)', async () => {
    fake.server.failNext({
      status: 503,
      body: { statusCode: 503, message: 'Service Unavailable' },
      path: '/public/v1/posts',
      api_key: key,
    });
    expect(
      await failure(client().createPost({ type: 'draft', posts: [{ integrationId: 'int-x', content: 'x' }] })),
    ).toMatchObject({ kind: 'upstream', retryable: true });
    expect(fake.server.requestsFor({ method: 'POST', path: '/public/v1/posts', api_key: key })).toHaveLength(1);
  });
});

describe('posts lifecycle', () => {
  it('reports a failed publication as ERROR and deletes a whole group', async () => {
    await fetch(`${fake.url}/__fake/config`, {
      method: 'POST',
      body: JSON.stringify({ api_key: key, auto_publish: false }),
    });
    const created = await client().createPost({
      type: 'now',
      posts: [
        { integrationId: 'int-bluesky', group: 'g1', content: 'a' },
        { integrationId: 'int-x', group: 'g1', content: 'a', settings: defaultSettings('x') },
      ],
    });
    await client().createPost({ type: 'draft', posts: [{ integrationId: 'int-bluesky', group: 'g2', content: 'b' }] });
    expect((await client().listPosts(range())).filter((p) => p.group === 'g1').map((p) => p.state)).toEqual([
      'QUEUE',
      'QUEUE',
    ]);

    const res = await fetch(`${fake.url}/__fake/posts/${created[0]!.postId}`, {
      method: 'POST',
      body: JSON.stringify({ state: 'ERROR', error: 'token expired' }),
    });
    expect(res.status).toBe(200);
    expect((await client().listPosts(range())).find((p) => p.id === created[0]!.postId)?.state).toBe('ERROR');

    await client().deletePost(created[1]!.postId);
    expect((await client().listPosts(range())).map((p) => p.group)).toEqual(['g2']);
    await client().deletePostGroup('g2');
    expect(await client().listPosts(range())).toEqual([]);
    // Deleting a post Postiz no longer has: it answers a bare 500.
    expect(await failure(client().deletePost(created[1]!.postId))).toMatchObject({ kind: 'upstream', status: 500 });
  });

  it('moves a draft to the queue and back, finds the next slot after queued posts, reads post analytics', async () => {
    const [draft] = await client().createPost({
      type: 'draft',
      date: new Date(Date.now() + 90 * 60_000),
      posts: [{ integrationId: 'int-bluesky', group: 'g3', content: 'c', comments: ['first!'] }],
    });
    await client().changePostStatus(draft!.postId, 'schedule');
    expect(fake.server.requestsFor({ method: 'PUT', api_key: key })[0]!.json).toEqual({ status: 'schedule' });
    expect((await client().listPosts(range())).find((p) => p.id === draft!.postId)?.state).toBe('QUEUE');
    await client().changePostStatus(draft!.postId, 'draft');
    expect((await client().listPosts(range())).find((p) => p.id === draft!.postId)?.state).toBe('DRAFT');

    const slot = await client().findSlot('int-bluesky');
    expect(Date.parse(slot)).toBeGreaterThan(Date.now() + 90 * 60_000);
    expect(Date.parse(await client().findSlot('int-x'))).toBeLessThan(Date.parse(slot));

    // Not published: no metrics. Published: the provider's labelled series, latest value as total.
    expect(await client().postAnalytics(draft!.postId)).toEqual([]);
    fake.setPostState(draft!.postId, 'PUBLISHED');
    const metrics = await client().postAnalytics(draft!.postId, 30);
    expect(fake.server.requestsFor({ method: 'GET', api_key: key }).at(-1)!.query).toEqual({ date: '30' });
    expect(metrics.map((m) => [m.label, m.total, m.percentage_change])).toEqual([
      ['Likes', 3, 0],
      ['Views', 120, 12.5],
    ]);
  });

  it('sends ISO dates when listing and rejects invalid ones before calling', async () => {
    await client().listPosts({ startDate: '2026-01-01T00:00:00Z', endDate: new Date('2026-02-01T00:00:00Z') });
    expect(fake.server.requestsFor({ method: 'GET', path: '/public/v1/posts', api_key: key })[0]!.query).toEqual({
      startDate: '2026-01-01T00:00:00.000Z',
      endDate: '2026-02-01T00:00:00.000Z',
    });
    await expect(client().listPosts({ startDate: 'yesterday', endDate: new Date() })).rejects.toThrow(RangeError);
  });
});

describe('the fake itself (driven over HTTP, as workerd tests do)', () => {
  it('rejects a create without date with a class-validator 400', async () => {
    const res = await fetch(`${fake.baseUrl}/posts`, {
      method: 'POST',
      headers: { authorization: key, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'now',
        shortLink: false,
        tags: [],
        posts: [{ integration: { id: 'int-x' }, value: [{ content: 'x', image: [] }] }],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      statusCode: 400,
      message: ['date must be a valid ISO 8601 date string'],
      error: 'Bad Request',
    });
  });

  it('records requests and applies fail-next rules scoped by key and path', async () => {
    await fetch(`${fake.url}/__fake/fail-next`, {
      method: 'POST',
      body: JSON.stringify({
        status: 503,
        body: { msg: 'down' },
        api_key: key,
        path: '/public/v1/integrations',
        times: 2,
      }),
    });
    expect(await client({ apiKey: `${key}_b` }).listIntegrations()).toHaveLength(6);
    expect(await failure(client().listIntegrations())).toMatchObject({ kind: 'upstream', message: 'down' });
    expect(await failure(client().listIntegrations())).toMatchObject({ kind: 'upstream' });
    expect(await client().listIntegrations()).toHaveLength(6);
    const listed = (await (await fetch(`${fake.url}/__fake/requests?api_key=${key}`)).json()) as {
      requests: { status: number }[];
    };
    expect(listed.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });
});
