/**
 * Postiz public API client (`/public/v1`). Facts that shape it (docs/compatibility.md#postiz-api):
 * - the org API key goes raw in `Authorization` (no `Bearer`);
 * - `date` is required even for `type:"now"`, and `shortLink`/`tags` are required too;
 * - only `POST /posts` is throttled (per org, per hour, 30–90 by default), and every call counts,
 *   including ones that fail validation: batch channels into one create call;
 * - creates are not idempotent, so this client never retries them; pass our own `group` so a
 *   retried job can find what an earlier attempt created (`listPosts`);
 * - media upload is multipart `file`, streamed here with a known length (never buffered).
 */
import { z } from 'zod';
import {
  type ErrorInterpretation,
  type ProviderClientConfig,
  type ProviderHttp,
  asRecord,
  exchange,
  readJson,
  resolveFetch,
} from './http.ts';
import { joinUrl } from '../core/urls.ts';
import { multipartFileBody } from '../core/multipart.ts';
import { ProviderError } from './provider-error.ts';

export interface PostizClientConfig extends ProviderClientConfig {
  /** Deadline for a media upload (default: 15 minutes). */
  uploadTimeoutMs?: number;
}

export interface PostizIntegration {
  id: string;
  name: string;
  /** Postiz provider identifier: `x`, `youtube`, `tiktok`, `instagram`, `linkedin-page`, … */
  provider: string;
  picture: string | null;
  disabled: boolean;
  /** The channel's handle on the platform. */
  profile: string | null;
  customer: { id: string; name: string | null } | null;
}

export interface PostizIntegrationSettings {
  maxLength: number | null;
  rules: string | null;
  /** JSON schema of the provider settings, or null when none are needed. */
  settings: Record<string, unknown> | null;
  tools: unknown[];
}

export interface PostizMedia {
  id: string;
  name: string | null;
  originalName: string | null;
  path: string;
  thumbnail: string | null;
  alt: string | null;
}

export interface PostizMediaRef {
  id: string;
  path: string;
}

export type PostizPostType = 'draft' | 'schedule' | 'now' | 'update';

export interface CreatePostEntry {
  integrationId: string;
  /** Our own id (e.g. the publication id): groups the cross-channel posts and makes retries findable. */
  group?: string;
  content: string;
  media?: PostizMediaRef | readonly PostizMediaRef[];
  settings?: Record<string, unknown>;
  /** Follow-up comments / thread replies after the main post. */
  comments?: readonly string[];
}

export interface CreatePostInput {
  type: PostizPostType;
  /** Required for `schedule`; defaults to the current time for the other types. */
  date?: string | Date;
  posts: readonly CreatePostEntry[];
  tags?: readonly { value: string; label: string }[];
}

export interface CreatedPost {
  postId: string;
  integration: string;
}

export type PostizPostState = 'QUEUE' | 'PUBLISHED' | 'ERROR' | 'DRAFT';

export interface PostizPost {
  id: string;
  content: string;
  publishDate: string | null;
  releaseURL: string | null;
  releaseId: string | null;
  state: PostizPostState | string;
  group: string | null;
  integration: { id: string; providerIdentifier: string | null; name: string | null; picture: string | null } | null;
}

/** One metric of a published post (likes, views, …; the labels are the provider's). */
export interface PostizMetric {
  label: string;
  /** The latest value of the series. */
  total: number;
  series: { date: string; total: number }[];
  percentage_change: number | null;
}

// ─── Base URL ───────────────────────────────────────────────────────────────────────────────────

/**
 * Accepts the forms users paste: `https://api.postiz.com/public/v1`, a self-hosted
 * `https://host/api/public/v1`, the old `https://host/api` (original .env example), or a bare
 * host; always answers `…/public/v1` without a trailing slash.
 */
export function normalizePostizBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ProviderError({
      provider: 'postiz',
      kind: 'bad_request',
      message: `Invalid Postiz URL: ${JSON.stringify(raw)}`,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProviderError({ provider: 'postiz', kind: 'bad_request', message: 'Postiz URL must use http or https' });
  }
  if (url.username || url.password) {
    throw new ProviderError({
      provider: 'postiz',
      kind: 'bad_request',
      message: 'Postiz URL must not contain credentials',
    });
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (!/\/public\/v1$/.test(path)) path = `${path}/public/v1`;
  return `${url.origin}${path}`;
}

// ─── Wire shapes ────────────────────────────────────────────────────────────────────────────────

const nullableString = z.string().nullable().optional();

const IntegrationWire = z
  .object({
    id: z.string(),
    name: nullableString,
    identifier: nullableString,
    providerIdentifier: nullableString,
    picture: nullableString,
    disabled: z.boolean().nullable().optional(),
    profile: nullableString,
    customer: z.object({ id: z.string(), name: nullableString }).loose().nullable().optional(),
  })
  .loose();

const IntegrationSettingsWire = z.object({
  output: z
    .object({
      rules: z.unknown().optional(),
      maxLength: z.number().nullable().optional(),
      settings: z.unknown().optional(),
      tools: z.array(z.unknown()).nullable().optional(),
    })
    .loose(),
});

const MediaWire = z
  .object({
    id: z.string(),
    name: nullableString,
    originalName: nullableString,
    path: z.string(),
    thumbnail: nullableString,
    alt: nullableString,
  })
  .loose();

const CreatedWire = z.object({ postId: z.string(), integration: z.string() }).loose();
const CreateResponseWire = z.union([
  z.array(CreatedWire),
  CreatedWire.transform((c) => [c]),
  z.object({ posts: z.array(CreatedWire) }).transform((o) => o.posts),
]);

const PostWire = z
  .object({
    id: z.string(),
    content: z.string().nullable().optional(),
    publishDate: nullableString,
    releaseURL: nullableString,
    releaseId: nullableString,
    state: z.string().nullable().optional(),
    group: nullableString,
    integration: z
      .object({ id: z.string(), providerIdentifier: nullableString, name: nullableString, picture: nullableString })
      .loose()
      .nullable()
      .optional(),
  })
  .loose();
const MetricWire = z
  .object({
    label: z.string(),
    data: z.array(z.object({ total: z.union([z.number(), z.string()]), date: z.string() }).loose()).default([]),
    percentageChange: z.number().nullable().optional(),
  })
  .loose();

const ListPostsWire = z.union([z.object({ posts: z.array(PostWire) }).transform((o) => o.posts), z.array(PostWire)]);

// ─── Errors ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Postiz answers `{msg}` (auth and its own checks), Nest's `{statusCode,message}` (message may be a
 * class-validator list), readable post validation `{statusCode,provider,name,message}`, and plan
 * limits as 402 `{section,action}`.
 */
function interpretPostizError(status: number, body: unknown): ErrorInterpretation {
  const record = asRecord(body);
  if (!record) return {};
  if (status === 402 && typeof record.section === 'string') {
    return {
      kind: 'quota',
      providerCode: record.section,
      message: `Postiz plan limit reached (${record.section}${typeof record.action === 'string' ? `, ${record.action}` : ''})`,
      details: { section: record.section, action: record.action },
    };
  }
  if (typeof record.msg === 'string') return { message: record.msg };
  const message = Array.isArray(record.message)
    ? record.message.map(String).join('; ')
    : typeof record.message === 'string'
      ? record.message
      : undefined;
  if (typeof record.provider === 'string' || typeof record.name === 'string') {
    const name = typeof record.name === 'string' ? record.name : String(record.provider);
    return {
      message: message ? `${name}: ${message}` : undefined,
      kind: status < 500 ? 'bad_request' : undefined,
      providerCode: 'post_validation',
      details: { platform: record.provider, platform_name: record.name },
    };
  }
  if (status === 429 && message?.includes('ThrottlerException'))
    return {
      message: 'Postiz hourly post limit reached (ThrottlerException: Too Many Requests)',
      providerCode: 'throttled',
    };
  return { message };
}

// ─── Client ─────────────────────────────────────────────────────────────────────────────────────

function isoDate(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Invalid date: ${String(value)}`);
  return date.toISOString();
}

const seg = (s: string) => encodeURIComponent(s);

export function createPostizClient(config: PostizClientConfig) {
  const baseUrl = normalizePostizBaseUrl(config.baseUrl);
  const http: ProviderHttp = {
    provider: 'postiz',
    fetch: resolveFetch(config),
    timeoutMs: config.timeoutMs ?? 60_000,
    interpretError: interpretPostizError,
  };
  const auth = { authorization: config.apiKey, accept: 'application/json' };
  const url = (path: string) => joinUrl(baseUrl, path);

  async function getJson<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    const { value } = await exchange(http, url(path), { method: 'GET', headers: auth }, (res) =>
      readJson(http, res, schema),
    );
    return value;
  }

  async function isConnected(): Promise<boolean> {
    const body = await getJson('/is-connected', z.object({ connected: z.boolean() }).loose());
    return body.connected;
  }

  /** Enabled channels only (disabled ones cannot be posted to). */
  async function listIntegrations(): Promise<PostizIntegration[]> {
    const list = await getJson('/integrations', z.array(IntegrationWire));
    return list
      .filter((i) => !i.disabled)
      .map((i) => ({
        id: i.id,
        name: i.name ?? 'Unknown',
        provider: i.identifier ?? i.providerIdentifier ?? 'unknown',
        picture: i.picture ?? null,
        disabled: Boolean(i.disabled),
        profile: i.profile ?? null,
        customer: i.customer ? { id: i.customer.id, name: i.customer.name ?? null } : null,
      }));
  }

  async function integrationSettings(integrationId: string): Promise<PostizIntegrationSettings> {
    const { output } = await getJson(`/integration-settings/${seg(integrationId)}`, IntegrationSettingsWire);
    const settings = asRecord(output.settings) ?? null;
    return {
      maxLength: typeof output.maxLength === 'number' && output.maxLength > 0 ? output.maxLength : null,
      rules: typeof output.rules === 'string' && output.rules ? output.rules : null,
      settings,
      tools: output.tools ?? [],
    };
  }

  async function uploadMedia(input: {
    filename: string;
    contentType: string;
    body: ReadableStream<Uint8Array>;
    size: number;
  }): Promise<PostizMedia> {
    const multipart = multipartFileBody({
      filename: input.filename,
      contentType: input.contentType,
      body: input.body,
      size: input.size,
    });
    const headers: Record<string, string> = { ...auth, 'content-type': multipart.contentType };
    const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body: multipart.body };
    if (!multipart.fixedLength) {
      // Node's fetch: an explicit length keeps it from falling back to chunked encoding.
      headers['content-length'] = String(multipart.contentLength);
      init.duplex = 'half';
    }
    const { value } = await exchange(http, url('/upload'), init, (res) => readJson(http, res, MediaWire), {
      timeoutMs: config.uploadTimeoutMs ?? Math.max(http.timeoutMs, 15 * 60_000),
    });
    return {
      id: value.id,
      name: value.name ?? null,
      originalName: value.originalName ?? null,
      path: value.path,
      thumbnail: value.thumbnail ?? null,
      alt: value.alt ?? null,
    };
  }

  /** One call for all channels (the hourly throttle counts calls, not channels). Never retried here. */
  async function createPost(input: CreatePostInput): Promise<CreatedPost[]> {
    if (input.posts.length === 0) throw new RangeError('createPost needs at least one post');
    if (input.type === 'schedule' && input.date === undefined) throw new RangeError('a scheduled post needs a date');
    const body = {
      type: input.type,
      // Postiz validates `date` as an ISO string for every type, "now" included.
      date: isoDate(input.date ?? new Date()),
      shortLink: false,
      tags: input.tags ?? [],
      posts: input.posts.map((p) => {
        const media = p.media === undefined ? [] : Array.isArray(p.media) ? p.media : [p.media as PostizMediaRef];
        return {
          integration: { id: p.integrationId },
          ...(p.group ? { group: p.group } : {}),
          value: [
            { content: p.content, image: media.map((m) => ({ id: m.id, path: m.path })) },
            ...(p.comments ?? []).map((c) => ({ content: c, image: [] })),
          ],
          settings: p.settings ?? {},
        };
      }),
    };
    const { value } = await exchange(
      http,
      url('/posts'),
      { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) },
      (res) => readJson(http, res, CreateResponseWire),
    );
    return value.map((c) => ({ postId: c.postId, integration: c.integration }));
  }

  async function listPosts(input: {
    startDate: string | Date;
    endDate: string | Date;
    customer?: string;
  }): Promise<PostizPost[]> {
    const query = new URLSearchParams({ startDate: isoDate(input.startDate), endDate: isoDate(input.endDate) });
    if (input.customer) query.set('customer', input.customer);
    const posts = await getJson(`/posts?${query}`, ListPostsWire);
    return posts.map((p) => ({
      id: p.id,
      content: p.content ?? '',
      publishDate: p.publishDate ?? null,
      releaseURL: p.releaseURL ?? null,
      releaseId: p.releaseId ?? null,
      state: p.state ?? 'QUEUE',
      group: p.group ?? null,
      integration: p.integration
        ? {
            id: p.integration.id,
            providerIdentifier: p.integration.providerIdentifier ?? null,
            name: p.integration.name ?? null,
            picture: p.integration.picture ?? null,
          }
        : null,
    }));
  }

  /** Deletes the post's whole group in Postiz (that is how Postiz deletes). */
  async function deletePost(postId: string): Promise<void> {
    await exchange(http, url(`/posts/${seg(postId)}`), { method: 'DELETE', headers: auth }, (res) => res.arrayBuffer());
  }

  /**
   * `PUT /posts/:id/status`: `schedule` puts a draft in the queue at its stored date (now, when the
   * date has passed); `draft` takes a queued post out of it. Unthrottled, unlike creates.
   */
  async function changePostStatus(postId: string, status: 'draft' | 'schedule'): Promise<void> {
    await exchange(
      http,
      url(`/posts/${seg(postId)}/status`),
      { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ status }) },
      (res) => res.arrayBuffer(),
    );
  }

  /** `GET /find-slot/:id`: the channel's next free posting slot (Postiz's own time table). */
  async function findSlot(integrationId: string): Promise<string> {
    const body = await getJson(`/find-slot/${seg(integrationId)}`, z.object({ date: z.string() }).loose());
    return isoDate(body.date);
  }

  /**
   * `GET /analytics/post/:postId?date=N`: provider-specific metrics of a published post over the
   * last N days. Postiz answers a list of `{label, data:[{total, date}], percentageChange}`;
   * providers without post analytics answer an empty list.
   */
  async function postAnalytics(postId: string, days = 7): Promise<PostizMetric[]> {
    const list = await getJson(`/analytics/post/${seg(postId)}?date=${days}`, z.array(MetricWire).catch([]));
    return list.map((m) => ({
      label: m.label,
      total: m.data.length ? Number(m.data.at(-1)!.total) || 0 : 0,
      series: m.data.map((d) => ({ date: d.date, total: Number(d.total) || 0 })),
      percentage_change: m.percentageChange ?? null,
    }));
  }

  async function deletePostGroup(group: string): Promise<void> {
    await exchange(http, url(`/posts/group/${seg(group)}`), { method: 'DELETE', headers: auth }, (res) =>
      res.arrayBuffer(),
    );
  }

  return {
    baseUrl,
    isConnected,
    listIntegrations,
    integrationSettings,
    uploadMedia,
    createPost,
    listPosts,
    deletePost,
    deletePostGroup,
    changePostStatus,
    findSlot,
    postAnalytics,
  };
}

export type PostizClient = ReturnType<typeof createPostizClient>;
