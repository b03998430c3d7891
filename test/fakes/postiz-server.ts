/**
 * Local fake of the Postiz public API (docs/compatibility.md#postiz-api), served under both `/public/v1` (cloud,
 * backend) and `/api/public/v1` (self-hosted behind nginx):
 * - auth: the raw key in `Authorization` (a `Bearer …` value is just an unknown key), with Postiz's
 *   exact 401 bodies; keys starting `pz_test_` are valid, each its own organisation (own channels,
 *   media, posts and throttle), `pz_nosub_…` answers "No subscription found";
 * - `POST /posts`: the hourly throttle per org (only this route; every call counts, even invalid
 *   ones; 429 `ThrottlerException: Too Many Requests` with Retry-After), the monthly plan limit
 *   (402 `{section, action}`), then validation: missing/invalid `date`, `shortLink`, `tags`, unknown
 *   integration ("Integration with id X not found"), empty or too-long content and provider settings
 *   (readable `{statusCode, provider, name, message}`), media not from `/upload`;
 * - `POST /upload`: multipart `file`, streamed, MIME sniffed from magic bytes, ≤ 1 GB video / 10 MB image;
 * - `GET /posts` (state, releaseURL, group), `DELETE /posts/:id` (whole group), `/integrations`,
 *   `/integration-settings/:id`, `/is-connected`, `/find-slot/:id` (next hour after the channel's
 *   last queued post), `PUT /posts/:id/status` (draft ⇄ queue), `GET /analytics/post/:id` (a
 *   Likes and a Views series for published posts, else `[]`).
 * Due QUEUE posts become PUBLISHED (with a releaseURL) when listed, or ERROR on a disabled channel.
 *
 * Controls (besides the common ones):
 *   POST /__fake/config { api_key?, hourly_post_limit?, monthly_post_limit?, auto_publish?, upload_read_delay_ms?, upload_pause_after_bytes? }
 *   POST /__fake/integrations { api_key?, integrations: FakeIntegration[] }   (replace an org's channels)
 *   POST /__fake/posts/:id { state, releaseURL?, error? }                    (drive a post's state)
 *   GET  /__fake/orgs/:api_key                      (an org's media, posts and upload progress)
 */
import { type FakeRequest, FakeServer, randomHex } from './fake-server.ts';
import { readSingleFilePart, sniffMedia } from './postiz-upload.ts';

export const POSTIZ_FAKE_KEY = 'pz_test_default';

export interface FakeIntegration {
  id: string;
  name: string;
  identifier: string;
  picture: string | null;
  disabled: boolean;
  profile: string;
}

export const DEFAULT_INTEGRATIONS: FakeIntegration[] = [
  {
    id: 'int-x',
    name: 'Cutroom X',
    identifier: 'x',
    picture: 'https://cdn.postiz.test/x.png',
    disabled: false,
    profile: 'cutroom',
  },
  {
    id: 'int-youtube',
    name: 'Cutroom YouTube',
    identifier: 'youtube',
    picture: null,
    disabled: false,
    profile: 'cutroom-yt',
  },
  {
    id: 'int-tiktok',
    name: 'Cutroom TikTok',
    identifier: 'tiktok',
    picture: null,
    disabled: false,
    profile: 'cutroom.tt',
  },
  {
    id: 'int-instagram',
    name: 'Cutroom Instagram',
    identifier: 'instagram-standalone',
    picture: null,
    disabled: false,
    profile: 'cutroom.ig',
  },
  {
    id: 'int-linkedin',
    name: 'Cutroom LinkedIn',
    identifier: 'linkedin-page',
    picture: null,
    disabled: false,
    profile: 'cutroom-li',
  },
  {
    id: 'int-bluesky',
    name: 'Cutroom Bluesky',
    identifier: 'bluesky',
    picture: null,
    disabled: false,
    profile: 'cutroom.bsky.social',
  },
  {
    id: 'int-facebook',
    name: 'Cutroom Facebook',
    identifier: 'facebook',
    picture: null,
    disabled: true,
    profile: 'cutroom-fb',
  },
];

/** Provider names and maxLength as Postiz reports them. */
const PROVIDERS: Record<string, { name: string; maxLength: number }> = {
  x: { name: 'X', maxLength: 280 },
  bluesky: { name: 'Bluesky', maxLength: 300 },
  threads: { name: 'Threads', maxLength: 500 },
  tiktok: { name: 'TikTok', maxLength: 2200 },
  'instagram-standalone': { name: 'Instagram', maxLength: 2200 },
  instagram: { name: 'Instagram', maxLength: 2200 },
  youtube: { name: 'YouTube', maxLength: 5000 },
  'linkedin-page': { name: 'LinkedIn Page', maxLength: 3000 },
  linkedin: { name: 'LinkedIn', maxLength: 3000 },
  facebook: { name: 'Facebook', maxLength: 63206 },
};

export type FakePostState = 'QUEUE' | 'PUBLISHED' | 'ERROR' | 'DRAFT';

export interface FakeMedia {
  id: string;
  name: string;
  originalName: string;
  path: string;
  thumbnail: null;
  alt: null;
  organizationId: string;
  size: number;
  sha256: string;
  mime: string;
}

export interface FakePost {
  id: string;
  group: string;
  content: string;
  publishDate: string;
  releaseURL: string | null;
  releaseId: string | null;
  state: FakePostState;
  error: string | null;
  settings: Record<string, unknown>;
  image: { id: string; path: string }[];
  comments: string[];
  integration: FakeIntegration;
  createdAt: string;
  deletedAt: string | null;
}

interface Org {
  id: string;
  apiKey: string;
  integrations: FakeIntegration[];
  media: FakeMedia[];
  posts: FakePost[];
  throttle: { windowStart: number; count: number };
  hourlyPostLimit: number;
  monthlyPostLimit: number | null;
  autoPublish: boolean;
  /** Slow reader for uploads (ms pause per received chunk). */
  uploadReadDelayMs: number;
  /** Stop reading uploads after this many bytes until cleared (null = never). */
  uploadPauseAfterBytes: number | null;
  /** Bytes received so far by each upload, by request sequence number. */
  uploads: { seq: number; received_bytes: number; done: boolean }[];
}

export interface PostizFakeOptions {
  port?: number;
  /** POST /posts calls per org per hour (Postiz `API_LIMIT`; default 30 as in its docker-compose). */
  hourlyPostLimit?: number;
  /** Posts per month on the plan; null = unlimited (self-hosted). */
  monthlyPostLimit?: number | null;
  /** Reject media paths that do not come from this fake's /upload (RESTRICT_UPLOAD_DOMAINS). */
  restrictUploadDomain?: boolean;
  maxVideoBytes?: number;
  maxImageBytes?: number;
}

const VALID_TYPES = ['draft', 'schedule', 'now', 'update'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const isIsoDate = (v: unknown): v is string =>
  typeof v === 'string' && ISO_DATE.test(v) && !Number.isNaN(Date.parse(v));
const badRequest = (message: string | string[]) => ({ statusCode: 400, message, error: 'Bad Request' });

export class PostizFake {
  readonly apiKey = POSTIZ_FAKE_KEY;
  private orgs = new Map<string, Org>();

  readonly server: FakeServer;
  private readonly options: PostizFakeOptions;

  // Plain fields, no parameter properties: `node scripts/start.ts` loads this file with type stripping only.
  private constructor(server: FakeServer, options: PostizFakeOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: PostizFakeOptions = {}): Promise<PostizFake> {
    let fake!: PostizFake;
    const api = (
      method: string,
      path: string,
      handler: (req: FakeRequest, params: string[]) => void | Promise<void>,
    ) => ({
      method,
      pattern: new RegExp(`^(?:/api)?/public/v1${path}$`),
      handler,
    });
    const server = await FakeServer.start({
      name: 'postiz',
      port: options.port,
      apiKeyOf: (req) => req.header('authorization') ?? null,
      routes: [
        api('GET', '/is-connected', (req) => fake.withOrg(req, () => req.send(200, { connected: true }))),
        api('GET', '/integrations', (req) =>
          fake.withOrg(req, (org) => req.send(200, org.integrations.map(publicIntegration))),
        ),
        api('GET', '/integration-settings/([^/]+)', (req, [id]) =>
          fake.withOrg(req, (org) => fake.integrationSettings(req, org, id!)),
        ),
        api('GET', '/find-slot/([^/]+)', (req, [id]) => fake.withOrg(req, (org) => fake.findSlot(req, org, id!))),
        api('PUT', '/posts/([^/]+)/status', (req, [id]) =>
          fake.withOrg(req, (org) => fake.changeStatus(req, org, id!)),
        ),
        api('GET', '/analytics/post/([^/]+)', (req, [id]) =>
          fake.withOrg(req, (org) => fake.postAnalytics(req, org, id!)),
        ),
        api('POST', '/upload', (req) => fake.withOrg(req, (org) => fake.upload(req, org))),
        api('POST', '/posts', (req) => fake.withOrg(req, (org) => fake.createPost(req, org))),
        api('GET', '/posts', (req) => fake.withOrg(req, (org) => fake.listPosts(req, org))),
        api('DELETE', '/posts/group/([^/]+)', (req, [group]) =>
          fake.withOrg(req, (org) => fake.deleteGroup(req, org, group!)),
        ),
        api('DELETE', '/posts/([^/]+)', (req, [id]) => fake.withOrg(req, (org) => fake.deletePost(req, org, id!))),
      ],
      controls: [
        { method: 'POST', pattern: /^\/config$/, handler: (req) => fake.configControl(req) },
        { method: 'POST', pattern: /^\/integrations$/, handler: (req) => fake.integrationsControl(req) },
        { method: 'POST', pattern: /^\/posts\/([^/]+)$/, handler: (req, [id]) => fake.postControl(req, id!) },
        { method: 'GET', pattern: /^\/orgs\/([^/]+)$/, handler: (req, [key]) => fake.orgControl(req, key!) },
      ],
      notFound: (req) =>
        req.send(404, { statusCode: 404, message: `Cannot ${req.method} ${req.path}`, error: 'Not Found' }),
      onReset: () => fake.orgs.clear(),
    });
    fake = new PostizFake(server, options);
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  /** The base URL a client should be given (cloud style). */
  get baseUrl(): string {
    return `${this.server.url}/public/v1`;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  org(apiKey: string): Org {
    let org = this.orgs.get(apiKey);
    if (!org) {
      org = {
        id: `org_${randomHex(6)}`,
        apiKey,
        integrations: DEFAULT_INTEGRATIONS.map((i) => ({ ...i })),
        media: [],
        posts: [],
        throttle: { windowStart: Date.now(), count: 0 },
        hourlyPostLimit: this.options.hourlyPostLimit ?? 30,
        monthlyPostLimit: this.options.monthlyPostLimit ?? null,
        autoPublish: true,
        uploadReadDelayMs: 0,
        uploadPauseAfterBytes: null,
        uploads: [],
      };
      this.orgs.set(apiKey, org);
    }
    return org;
  }

  /** Sets a post's state as Postiz's workers would (publish, fail). */
  setPostState(
    postId: string,
    state: FakePostState,
    patch: { releaseURL?: string | null; error?: string | null } = {},
  ): FakePost | null {
    for (const org of this.orgs.values()) {
      const post = org.posts.find((p) => p.id === postId);
      if (post) {
        post.state = state;
        if (patch.releaseURL !== undefined) post.releaseURL = patch.releaseURL;
        else if (state === 'PUBLISHED' && !post.releaseURL) post.releaseURL = releaseUrl(post);
        if (patch.error !== undefined) post.error = patch.error;
        return post;
      }
    }
    return null;
  }

  private withOrg(req: FakeRequest, fn: (org: Org) => void | Promise<void>): void | Promise<void> {
    const key = req.record.api_key;
    if (!key) return req.send(401, { msg: 'No API Key found' });
    if (key.startsWith('pz_nosub_')) return req.send(401, { msg: 'No subscription found' });
    if (!key.startsWith('pz_test_')) return req.send(401, { msg: 'Invalid API key' });
    return fn(this.org(key));
  }

  private integrationSettings(req: FakeRequest, org: Org, id: string): void {
    const integration = org.integrations.find((i) => i.id === id);
    // Postiz dereferences the missing integration and answers a bare 500.
    if (!integration) return req.send(500, { statusCode: 500, message: 'Internal server error' });
    const provider = PROVIDERS[integration.identifier];
    if (!provider) return req.send(200, { output: { rules: '', maxLength: 0, settings: {}, tools: [] } });
    req.send(200, {
      output: {
        rules: `${provider.name}: up to ${provider.maxLength} characters, one video per post.`,
        maxLength: provider.maxLength,
        settings: settingsSchema(integration.identifier) ?? 'No additional settings required',
        tools: [],
      },
    });
  }

  private async upload(req: FakeRequest, org: Org): Promise<void> {
    const maxVideo = this.options.maxVideoBytes ?? 1024 * 1024 * 1024;
    const maxImage = this.options.maxImageBytes ?? 10 * 1024 * 1024;
    const progress = { seq: req.record.seq, received_bytes: 0, done: false };
    org.uploads.push(progress);
    const outcome = await readSingleFilePart(req.req, Math.max(maxVideo, maxImage), {
      onBytes: (n) => (progress.received_bytes = n),
      readDelayMs: org.uploadReadDelayMs,
      shouldPause: (received) => org.uploadPauseAfterBytes !== null && received >= org.uploadPauseAfterBytes,
    });
    progress.done = true;
    if (!outcome.ok) return req.send(400, { msg: 'No file provided' });
    const { file } = outcome;
    req.record.body_bytes = Number(req.record.content_length ?? 0);
    req.record.extra = { file };
    if (file.field !== 'file') return req.send(400, badRequest('Unexpected field'));
    const sniffed = sniffMedia(file.head_hex);
    if (!sniffed)
      return req.send(400, badRequest('Unsupported file type. Valid extensions: .png, .jpg, .jpeg, .gif, .webp, .mp4'));
    const max = sniffed.mime.startsWith('video/') ? maxVideo : maxImage;
    if (file.truncated || file.size > max)
      return req.send(400, badRequest(`File size exceeds the maximum allowed size of ${max} bytes.`));
    const id = randomHex(12);
    const base =
      (file.filename ?? 'upload')
        .replace(/\.[^./\\]*$/, '')
        .replace(/[\\/]/g, '_')
        .slice(0, 100) || 'upload';
    const d = new Date();
    const media: FakeMedia = {
      id,
      name: `${id}.${sniffed.ext}`,
      originalName: `${base}.${sniffed.ext}`,
      path: `${this.url}/uploads/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${randomHex(16)}.${sniffed.ext}`,
      thumbnail: null,
      alt: null,
      organizationId: org.id,
      size: file.size,
      sha256: file.sha256,
      mime: sniffed.mime,
    };
    org.media.push(media);
    const { size: _s, sha256: _h, mime: _m, ...wire } = media;
    req.send(201, { ...wire, createdAt: d.toISOString(), updatedAt: d.toISOString(), deletedAt: null });
  }

  private async createPost(req: FakeRequest, org: Org): Promise<void> {
    const body = await req.readJson();
    // Guards run before validation: the throttle counts every call, then the plan limit.
    const now = Date.now();
    if (now - org.throttle.windowStart >= 3_600_000) org.throttle = { windowStart: now, count: 0 };
    org.throttle.count++;
    if (org.throttle.count > org.hourlyPostLimit) {
      const retryAfter = Math.max(1, Math.ceil((org.throttle.windowStart + 3_600_000 - now) / 1000));
      return req.send(
        429,
        { statusCode: 429, message: 'ThrottlerException: Too Many Requests' },
        { 'retry-after': String(retryAfter) },
      );
    }
    const thisMonth = org.posts.filter(
      (p) => !p.deletedAt && p.createdAt.slice(0, 7) === new Date(now).toISOString().slice(0, 7),
    ).length;
    if (org.monthlyPostLimit !== null && thisMonth >= org.monthlyPostLimit) {
      return req.send(402, { section: 'posts_per_month', action: 'create' });
    }
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      return req.send(400, badRequest('Request body must be a JSON object'));
    }
    const b = body as Record<string, unknown>;
    const problems: string[] = [];
    if (!VALID_TYPES.includes(b.type as string))
      problems.push(`type must be one of the following values: ${VALID_TYPES.join(', ')}`);
    if (!isIsoDate(b.date)) problems.push('date must be a valid ISO 8601 date string');
    if (typeof b.shortLink !== 'boolean') problems.push('shortLink must be a boolean value');
    if (!Array.isArray(b.tags)) problems.push('tags must be an array');
    if (!Array.isArray(b.posts) || b.posts.length === 0) problems.push('posts must contain at least 1 elements');
    if (problems.length) return req.send(400, badRequest(problems));

    const entries = b.posts as Record<string, unknown>[];
    const prepared: {
      integration: FakeIntegration;
      value: { content: string; image: { id: string; path: string }[] }[];
      settings: Record<string, unknown>;
      group?: string;
    }[] = [];
    for (const entry of entries) {
      const integrationId = (entry?.integration as { id?: unknown } | undefined)?.id;
      const integration = org.integrations.find((i) => i.id === integrationId);
      if (!integration) return req.send(400, badRequest(`Integration with id ${String(integrationId)} not found`));
      const provider = PROVIDERS[integration.identifier] ?? { name: integration.identifier, maxLength: 100_000 };
      const readable = (message: string) =>
        req.send(400, { statusCode: 400, provider: integration.identifier, name: provider.name, message });
      if (!Array.isArray(entry.value) || entry.value.length === 0)
        return readable('Your post should have at least one character or one image.');
      const value: { content: string; image: { id: string; path: string }[] }[] = [];
      for (const v of entry.value as Record<string, unknown>[]) {
        const content = typeof v?.content === 'string' ? v.content : '';
        const images = Array.isArray(v?.image) ? (v.image as { id?: unknown; path?: unknown }[]) : [];
        if (!content.trim() && images.length === 0)
          return readable('Your post should have at least one character or one image.');
        if (Array.from(content).length > provider.maxLength) return readable('post is too long, please fix it');
        for (const image of images) {
          if (typeof image?.id !== 'string' || typeof image?.path !== 'string')
            return req.send(400, badRequest('image must contain id and path'));
          if (this.options.restrictUploadDomain !== false && !image.path.startsWith(`${this.url}/uploads/`)) {
            return req.send(400, {
              msg: `All media must be uploaded through our upload API route and contain the domain: ${this.url}`,
            });
          }
        }
        value.push({ content, image: images.map((i) => ({ id: String(i.id), path: String(i.path) })) });
      }
      const settings = (entry.settings && typeof entry.settings === 'object' ? entry.settings : {}) as Record<
        string,
        unknown
      >;
      const settingsProblem = validateSettings(integration.identifier, settings);
      if (settingsProblem) return readable(settingsProblem);
      prepared.push({ integration, value, settings, group: typeof entry.group === 'string' ? entry.group : undefined });
    }

    const type = b.type as string;
    const publishDate =
      type === 'now'
        ? new Date(Math.floor(now / 60_000) * 60_000).toISOString()
        : new Date(b.date as string).toISOString();
    if (type === 'update') {
      for (const p of prepared)
        for (const old of org.posts)
          if (p.group && old.group === p.group && !old.deletedAt) old.deletedAt = new Date(now).toISOString();
    }
    const sharedGroup = randomHex(8);
    const created = prepared.map((p) => {
      const post: FakePost = {
        id: randomHex(12),
        group: p.group ?? sharedGroup,
        content: p.value[0]!.content,
        publishDate,
        releaseURL: null,
        releaseId: null,
        state: type === 'draft' ? 'DRAFT' : 'QUEUE',
        error: null,
        settings: { __type: p.integration.identifier, ...p.settings },
        image: p.value[0]!.image,
        comments: p.value.slice(1).map((v) => v.content),
        integration: p.integration,
        createdAt: new Date(now).toISOString(),
        deletedAt: null,
      };
      org.posts.push(post);
      return { postId: post.id, integration: p.integration.id };
    });
    req.record.extra = { created };
    req.send(201, created);
  }

  /** What Postiz's workers would have done by now. */
  private settle(org: Org): void {
    if (!org.autoPublish) return;
    const now = Date.now();
    for (const post of org.posts) {
      if (post.state !== 'QUEUE' || post.deletedAt || Date.parse(post.publishDate) > now) continue;
      if (post.integration.disabled) {
        post.state = 'ERROR';
        post.error = 'Channel is disabled';
      } else {
        post.state = 'PUBLISHED';
        post.releaseId = randomHex(8);
        post.releaseURL = releaseUrl(post);
      }
    }
  }

  private listPosts(req: FakeRequest, org: Org): void {
    const q = req.url.searchParams;
    const problems: string[] = [];
    if (!isIsoDate(q.get('startDate'))) problems.push('startDate must be a valid ISO 8601 date string');
    if (!isIsoDate(q.get('endDate'))) problems.push('endDate must be a valid ISO 8601 date string');
    if (problems.length) return req.send(400, badRequest(problems));
    this.settle(org);
    const start = Date.parse(q.get('startDate')!);
    const end = Date.parse(q.get('endDate')!);
    const posts = org.posts
      .filter((p) => !p.deletedAt && Date.parse(p.publishDate) >= start && Date.parse(p.publishDate) <= end)
      .map((p) => ({
        id: p.id,
        content: p.content,
        publishDate: p.publishDate,
        releaseURL: p.releaseURL,
        releaseId: p.releaseId,
        state: p.state,
        group: p.group,
        creationMethod: 'API',
        settings: JSON.stringify(p.settings),
        tags: [],
        integration: {
          id: p.integration.id,
          providerIdentifier: p.integration.identifier,
          name: p.integration.name,
          picture: p.integration.picture,
        },
      }));
    req.send(200, { posts });
  }

  /** The next whole hour, at least an hour ahead, after the channel's last queued or draft post. */
  private findSlot(req: FakeRequest, org: Org, id: string): void {
    const integration = org.integrations.find((i) => i.id === id);
    if (!integration) return req.send(500, { statusCode: 500, message: 'Internal server error' });
    const taken = org.posts
      .filter((p) => p.integration.id === id && !p.deletedAt && (p.state === 'QUEUE' || p.state === 'DRAFT'))
      .map((p) => Date.parse(p.publishDate));
    const after = Math.max(Date.now() + 3_600_000, ...taken.map((t) => t + 3_600_000));
    req.send(200, { date: new Date(Math.ceil(after / 3_600_000) * 3_600_000).toISOString() });
  }

  /** `schedule` → QUEUE (published when due, like the workflow Postiz starts), `draft` → DRAFT. */
  private async changeStatus(req: FakeRequest, org: Org, id: string): Promise<void> {
    const body = (await req.readJson()) as { status?: unknown } | undefined;
    if (body?.status !== 'draft' && body?.status !== 'schedule')
      return req.send(400, badRequest('status must be one of the following values: draft, schedule'));
    const post = org.posts.find((p) => p.id === id && !p.deletedAt);
    if (!post) return req.send(404, { statusCode: 404, message: 'Post not found', error: 'Not Found' });
    if (post.state === 'PUBLISHED' || post.state === 'ERROR')
      return req.send(400, badRequest('Only draft or queued posts can change status'));
    post.state = body.status === 'draft' ? 'DRAFT' : 'QUEUE';
    req.send(200, { id: post.id, state: post.state });
  }

  /** Published posts get a Likes and a Views series (deterministic); others an empty list. */
  private postAnalytics(req: FakeRequest, org: Org, id: string): void {
    this.settle(org);
    const post = org.posts.find((p) => p.id === id && !p.deletedAt);
    if (post?.state !== 'PUBLISHED') return req.send(200, []);
    const day = new Date().toISOString().slice(0, 10);
    req.send(200, [
      { label: 'Likes', data: [{ total: '3', date: day }], percentageChange: 0 },
      { label: 'Views', data: [{ total: 120, date: day }], percentageChange: 12.5 },
    ]);
  }

  private deletePost(req: FakeRequest, org: Org, id: string): void {
    const post = org.posts.find((p) => p.id === id && !p.deletedAt);
    // Postiz reads `.group` of the missing post: a bare 500.
    if (!post) return req.send(500, { statusCode: 500, message: 'Internal server error' });
    this.deleteGroup(req, org, post.group);
  }

  private deleteGroup(req: FakeRequest, org: Org, group: string): void {
    const stamp = new Date().toISOString();
    for (const p of org.posts) if (p.group === group && !p.deletedAt) p.deletedAt = stamp;
    req.sendEmpty(200);
  }

  // ─── Controls ────────────────────────────────────────────────────────────────────────────────

  private async configControl(req: FakeRequest): Promise<void> {
    const body = (await req.readJson()) as
      | {
          api_key?: string;
          hourly_post_limit?: number;
          monthly_post_limit?: number | null;
          auto_publish?: boolean;
          upload_read_delay_ms?: number;
          upload_pause_after_bytes?: number | null;
        }
      | undefined;
    if (!body) return req.send(400, { error: 'JSON expected' });
    const org = this.org(body.api_key ?? POSTIZ_FAKE_KEY);
    if (body.hourly_post_limit !== undefined) org.hourlyPostLimit = body.hourly_post_limit;
    if (body.monthly_post_limit !== undefined) org.monthlyPostLimit = body.monthly_post_limit;
    if (body.auto_publish !== undefined) org.autoPublish = body.auto_publish;
    if (body.upload_read_delay_ms !== undefined) org.uploadReadDelayMs = body.upload_read_delay_ms;
    if (body.upload_pause_after_bytes !== undefined) org.uploadPauseAfterBytes = body.upload_pause_after_bytes;
    req.send(200, { ok: true });
  }

  private async integrationsControl(req: FakeRequest): Promise<void> {
    const body = (await req.readJson()) as { api_key?: string; integrations?: FakeIntegration[] } | undefined;
    if (!Array.isArray(body?.integrations)) return req.send(400, { error: 'integrations[] expected' });
    this.org(body.api_key ?? POSTIZ_FAKE_KEY).integrations = body.integrations.map((i) => ({ ...i }));
    req.send(200, { ok: true });
  }

  private async postControl(req: FakeRequest, id: string): Promise<void> {
    const body = (await req.readJson()) as
      | { state?: FakePostState; releaseURL?: string | null; error?: string | null }
      | undefined;
    if (!body?.state) return req.send(400, { error: 'state expected' });
    const post = this.setPostState(id, body.state, body);
    if (!post) return req.send(404, { error: 'no such post' });
    req.send(200, post);
  }

  private orgControl(req: FakeRequest, key: string): void {
    const org = this.orgs.get(key);
    if (!org) return req.send(404, { error: 'no such org' });
    req.send(200, { id: org.id, media: org.media, posts: org.posts, throttle: org.throttle, uploads: org.uploads });
  }
}

function publicIntegration(i: FakeIntegration) {
  return {
    id: i.id,
    name: i.name,
    identifier: i.identifier,
    picture: i.picture,
    disabled: i.disabled,
    profile: i.profile,
  };
}

function releaseUrl(post: FakePost): string {
  return `https://${post.integration.identifier}.example/${post.integration.profile}/${post.id}`;
}

function settingsSchema(identifier: string): Record<string, unknown> | null {
  if (identifier === 'youtube') {
    return {
      type: 'object',
      required: ['title', 'type'],
      properties: {
        title: { type: 'string', minLength: 2 },
        type: { enum: ['public', 'private', 'unlisted'] },
        tags: { type: 'array' },
      },
    };
  }
  if (identifier === 'x')
    return {
      type: 'object',
      properties: {
        who_can_reply_post: { enum: ['everyone', 'following', 'mentionedUsers', 'subscribers', 'verified'] },
      },
    };
  if (identifier === 'tiktok')
    return { type: 'object', required: ['privacy_level'], properties: { title: { type: 'string', maxLength: 90 } } };
  if (identifier.startsWith('instagram'))
    return { type: 'object', required: ['post_type'], properties: { post_type: { enum: ['post', 'story'] } } };
  return null;
}

/** The provider DTO checks that matter for us, with class-validator's wording. */
function validateSettings(identifier: string, s: Record<string, unknown>): string | null {
  if (identifier === 'youtube') {
    if (typeof s.title !== 'string' || s.title.length < 2) return 'title must be longer than or equal to 2 characters';
    if (!['public', 'private', 'unlisted'].includes(s.type as string))
      return 'type must be one of the following values: public, private, unlisted';
  }
  if (identifier === 'tiktok') {
    if (
      !['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'].includes(
        s.privacy_level as string,
      )
    ) {
      return 'Please select who can view this post.';
    }
    if (typeof s.title === 'string' && s.title.length > 90) return 'The title is too long (max 90 characters).';
  }
  if (identifier.startsWith('instagram') && !['post', 'story'].includes(s.post_type as string)) {
    return 'post_type must be one of the following values: post, story';
  }
  if (
    identifier === 'x' &&
    !['everyone', 'following', 'mentionedUsers', 'subscribers', 'verified'].includes(s.who_can_reply_post as string)
  ) {
    return 'who_can_reply_post must be one of the following values: everyone, following, mentionedUsers, subscribers, verified';
  }
  return null;
}

export function startPostizFake(options?: PostizFakeOptions): Promise<PostizFake> {
  return PostizFake.start(options);
}
