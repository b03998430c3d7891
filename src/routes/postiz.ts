/**
 * /api/v1/postiz (original §1.5, §4.8): publishing through Postiz, per profile.
 * - connection: PUT/GET/DELETE /config (key sealed at rest, tested before saving; falls back to
 *   the deployment's POSTIZ_API_URL/POSTIZ_API_KEY), GET /status, GET /integrations;
 * - media: POST /upload and /bulk-upload take clip ids of this profile only (never a path) and
 *   stream the clip's video from R2 to Postiz;
 * - posts: POST /publish and /bulk-publish check everything first, then queue one `publish_clip`
 *   job per clip (Idempotency-Key supported); progress and publications are read from D1;
 *   POST /publications/refresh polls Postiz for final states (the hourly cron does too).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv, Bindings } from '../core/env.ts';
import { clearPostizMedia, getClip } from '../db/repos/clips.ts';
import { type JobRow, getJob, listJobsForResource, requestCancel } from '../db/repos/jobs.ts';
import { clearPostizConfig, savePostizConfig } from '../db/repos/profile-postiz.ts';
import { type PublicationRow, listClipPublications } from '../db/repos/publications.ts';
import { publicationStatuses } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import { ApiError, notFound } from '../core/errors.ts';
import { checkJobLimits, enqueueJob } from '../jobs/producer.ts';
import { idempotentJson } from '../http/idempotency.ts';
import { conflictResponse, errorResponses, idParam, jsonBody, jsonContent, rateLimitResponse, security } from '../http/openapi.ts';
import { SecretBoxError, maskSecret, sealSecret } from '../core/secret-box.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { ClipVideoUnavailable, uploadClipVideo } from '../publishing/clip-media.ts';
import { listChannels } from '../publishing/postiz-channels.ts';
import {
  NOT_CONFIGURED_MESSAGE,
  type PostizConnection,
  postizClientFor,
  requirePostiz,
  resolvePostizConnection,
  testPostizConnection,
  validatePostizUrl,
} from '../publishing/postiz-connection.ts';
import { type PublishSpec, planPublish } from '../publishing/publish-plan.ts';
import { refreshPublications } from '../publishing/publication-sync.ts';
import { providerErrorToApiError } from '../providers/error-mapping.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { ownedClip, requireOwnedClips } from './library-clips.ts';

const tags = ['Postiz'];

const unprocessable = { 422: jsonContent(z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }), 'Not publishable / connection test failed') };

// ─── Schemas ──────────────────────────────────────────────────────────────────────────────────

const ConfigResponse = z
  .object({
    configured: z.boolean(),
    source: z.enum(['profile', 'deployment']).nullable().openapi({ description: 'Where the connection comes from: the profile, or the deployment-wide fallback.' }),
    api_url: z.string().nullable().openapi({ example: 'https://api.postiz.com/public/v1' }),
    api_key_hint: z.string().nullable().openapi({ example: '••••1234' }),
    integration_ids: z.array(z.string()).openapi({ description: 'Default channels of the profile, used when a publish request names none.' }),
    error: z.string().nullable(),
  })
  .openapi('PostizConfig');

const ConfigUpdate = z
  .object({
    api_url: z.string().trim().min(1).max(2048).openapi({
      description: 'Postiz public API base: `https://api.postiz.com/public/v1`, a self-hosted `https://host/api/public/v1`, or a bare host.',
      example: 'https://api.postiz.com/public/v1',
    }),
    api_key: z.string().trim().min(1).max(512).openapi({ description: 'Organisation API key (Settings → Developers → Public API). Stored encrypted, never returned.' }),
    integration_ids: z.array(z.string().min(1).max(200)).max(50).optional(),
  })
  .strict()
  .openapi('PostizConfigUpdate');

const StatusResponse = z
  .object({
    configured: z.boolean(),
    connected: z.boolean(),
    api_url: z.string().nullable(),
    integrations_count: z.number().int(),
    error: z.string().nullable(),
    source: z.enum(['profile', 'deployment']).nullable(),
  })
  .openapi('PostizStatus');

const IntegrationResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string().openapi({ description: 'Postiz provider identifier (as the original): `x`, `youtube`, `instagram-standalone`, …' }),
    identifier: z.string().nullable().openapi({ description: "The channel's handle on the platform (as the original)." }),
    picture: z.string().nullable(),
    disabled: z.boolean(),
    provider: z.string(),
    max_caption_length: z.number().int().nullable().openapi({ description: "From Postiz's integration settings when it reports one, else our platform table." }),
  })
  .openapi('PostizIntegration');

const ClipId = z.string().min(1).max(64);
const IgnoredVideoPath = z.string().max(4096).optional().openapi({
  description: 'Accepted for compatibility with the original and IGNORED: the video always comes from the clip in storage.',
});

const UploadRequest = z.object({ clip_id: ClipId, video_path: IgnoredVideoPath }).strict().openapi('PostizUploadRequest');
const UploadResponse = z
  .object({
    status: z.literal('success'),
    clip_id: z.string(),
    media_id: z.string(),
    media_path: z.string(),
    source: z.enum(['final', 'raw']).openapi({ description: 'Which video was sent: the rendered one, or the raw variant when not rendered.' }),
    message: z.string(),
  })
  .openapi('PostizUploadResponse');

export const MAX_BULK_UPLOAD = 20;
const BulkUploadRequest = z
  .object({
    clip_ids: z.array(ClipId).min(1).max(MAX_BULK_UPLOAD).optional(),
    clips: z
      .array(z.object({ clip_id: ClipId, video_path: IgnoredVideoPath }).strict())
      .min(1)
      .max(MAX_BULK_UPLOAD)
      .optional()
      .openapi({ description: "The original's shape; `video_path` is ignored." }),
  })
  .strict()
  .refine((b) => (b.clip_ids === undefined) !== (b.clips === undefined), { message: 'send either clip_ids or clips', path: ['clip_ids'] })
  .openapi('PostizBulkUploadRequest');
const BulkUploadResponse = z
  .object({
    status: z.enum(['completed', 'completed_with_errors', 'failed']),
    uploaded_count: z.number().int(),
    uploaded: z.array(z.object({ clip_id: z.string(), media_id: z.string(), media_path: z.string() })),
    failed_count: z.number().int(),
    failed: z.array(z.object({ clip_id: z.string(), error: z.string() })),
  })
  .openapi('PostizBulkUploadResponse');

const Caption = z.string().max(70_000).openapi({ description: "Checked against every channel's caption limit before anything is queued." });
const IntegrationIds = z.array(z.string().min(1).max(200)).min(1).max(50).optional().openapi({
  description: "Postiz channel ids; the profile's default channels (PUT /config integration_ids) when omitted.",
});
const ScheduleDate = z.iso.datetime({ offset: true }).optional().openapi({
  description: 'ISO date (`Z` or an offset) of the (first) post; publish now when omitted.',
  example: '2026-12-01T14:00:00Z',
});
const Settings = z
  .record(z.string().min(1).max(200), z.record(z.string(), z.unknown()))
  .optional()
  .openapi({ description: "Per-channel Postiz settings keyed by integration id, merged over the platform defaults (e.g. `{\"int-yt\": {\"title\": \"My short\"}}`)." });

const PublishRequest = z
  .object({ clip_id: ClipId, caption: Caption, integration_ids: IntegrationIds, schedule_date: ScheduleDate, settings: Settings })
  .strict()
  .openapi('PostizPublishRequest');

export const MAX_BULK_PUBLISH = 50;
const BulkPublishRequest = z
  .object({
    clip_ids: z.array(ClipId).min(1).max(MAX_BULK_PUBLISH),
    caption: Caption,
    integration_ids: IntegrationIds,
    schedule_date: ScheduleDate,
    schedule_interval_minutes: z.number().int().min(1).max(10_080).default(30),
    settings: Settings,
  })
  .strict()
  .openapi('PostizBulkPublishRequest');

const PublishResponse = z
  .object({
    status: z.literal('processing'),
    job_id: z.string().openapi({ description: 'The (first) job; its progress route covers the whole bulk publish.' }),
    job_ids: z.array(z.string()),
    publication_ids: z.array(z.string()),
    message: z.string(),
    post_id: z.null(),
    clips: z.array(
      z.object({
        clip_id: z.string(),
        job_id: z.string(),
        publication_id: z.string(),
        post_type: z.enum(['now', 'schedule']),
        date: z.string().nullable().openapi({ description: 'Exact publish date for scheduled posts; null for "now".' }),
      }),
    ),
  })
  .openapi('PostizPublishResponse');

const ProgressResponse = z
  .object({
    job_id: z.string(),
    step: z.string(),
    percentage: z.number().int().min(0).max(100),
    status: z.enum(['in_progress', 'completed', 'failed', 'completed_with_errors']),
    updated_at: z.string(),
    total: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
  })
  .openapi('PostizPublishProgress');

const PublicationResponse = z
  .object({
    id: z.string(),
    clip_id: z.string(),
    job_id: z.string().nullable(),
    status: z.enum(publicationStatuses),
    integration_ids: z.array(z.string()),
    platforms: z.array(z.string()),
    caption: z.string(),
    scheduled_at: z.string().nullable(),
    published_at: z.string().nullable(),
    postiz_post_ids: z.array(z.string()),
    posts: z.array(
      z.object({
        post_id: z.string(),
        integration_id: z.string(),
        platform: z.string().nullable(),
        state: z.string(),
        release_url: z.string().nullable(),
      }),
    ),
    release_url: z.string().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Publication');

const RefreshResponse = z
  .object({
    checked: z.number().int(),
    published: z.number().int(),
    failed: z.number().int(),
    unchanged: z.number().int(),
    missing: z.array(z.string()),
    error: z.string().nullable(),
  })
  .openapi('PublicationRefresh');

// ─── Helpers ──────────────────────────────────────────────────────────────────────────────────

function toConfigResponse(connection: PostizConnection): z.infer<typeof ConfigResponse> {
  if (connection.state === 'configured') {
    return {
      configured: true,
      source: connection.source,
      api_url: connection.apiUrl,
      api_key_hint: maskSecret(connection.apiKey),
      integration_ids: connection.integrationIds,
      error: null,
    };
  }
  if (connection.state === 'unreadable') {
    return {
      configured: false,
      source: 'profile',
      api_url: connection.apiUrl,
      api_key_hint: null,
      integration_ids: [],
      error: `The stored key cannot be read (${connection.reason}); set it again`,
    };
  }
  return { configured: false, source: null, api_url: null, api_key_hint: null, integration_ids: [], error: null };
}

function toPublicationResponse(p: PublicationRow): z.infer<typeof PublicationResponse> {
  return {
    id: p.id,
    clip_id: p.clipId,
    job_id: p.jobId,
    status: p.status,
    integration_ids: p.integrationIds,
    platforms: p.platforms,
    caption: p.caption,
    scheduled_at: p.scheduledAt,
    published_at: p.publishedAt,
    postiz_post_ids: p.postizPostIds,
    posts: p.postizPosts,
    release_url: p.releaseUrl,
    error: p.errorMessage,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** Provider failures during a synchronous call become the API's error shape. */
async function callingPostiz<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isProviderError(err)) throw providerErrorToApiError(err);
    throw err;
  }
}

async function sealKey(env: Bindings, scope: ProfileScope, key: string): Promise<string> {
  try {
    return await sealSecret(env.ENCRYPTION_KEY, scope.profileId, key);
  } catch (err) {
    if (err instanceof SecretBoxError) throw new ApiError(503, 'unavailable', `Credentials cannot be stored on this server: ${err.message}`);
    throw err;
  }
}

function publishMessage(clips: number, channels: number, first: { postType: 'now' | 'schedule'; date: string | null }, interval?: number): string {
  const where = `${channels} channel${channels === 1 ? '' : 's'}`;
  const when = first.postType === 'now' ? 'now' : `for ${first.date}`;
  if (clips === 1) return first.postType === 'now' ? `Publishing to ${where}` : `Scheduling on ${where} ${when}`;
  return `Publishing ${clips} clips to ${where}: the first ${when}, then one every ${interval} minutes`;
}

/** Plans (every check), then queues one job per clip; a failed send cancels what was queued. */
async function queuePublish(c: Context<AppEnv>, spec: PublishSpec) {
  const scope = c.get('scope');
  const plan = await planPublish(c.env, scope, spec);
  await checkJobLimits(scope, c.env, plan.jobs.length);
  const rows: JobRow[] = [];
  try {
    for (const input of plan.jobs) {
      rows.push(await enqueueJob(scope, c.env, 'publish_clip', input, { resourceType: 'publish_batch', resourceId: plan.batchId, limitsChecked: true }));
    }
  } catch (err) {
    for (const row of rows) await requestCancel(scope, row.id);
    throw err;
  }
  const first = plan.jobs[0]!;
  const body: z.infer<typeof PublishResponse> = {
    status: 'processing',
    job_id: rows[0]!.id,
    job_ids: rows.map((r) => r.id),
    publication_ids: plan.jobs.map((j) => j.publication_id),
    message: publishMessage(plan.jobs.length, first.integrations.length, { postType: first.post_type, date: first.date }, spec.intervalMinutes),
    post_id: null,
    clips: plan.jobs.map((j, i) => ({ clip_id: j.clip_id, job_id: rows[i]!.id, publication_id: j.publication_id, post_type: j.post_type, date: j.date })),
  };
  return { status: 202, body };
}

type ProgressStatus = z.infer<typeof ProgressResponse>['status'];

function batchProgress(requested: JobRow, batch: JobRow[]): z.infer<typeof ProgressResponse> {
  const jobs = batch.length ? batch : [requested];
  const done = jobs.filter((j) => j.status === 'completed').length;
  const failed = jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled').length;
  const active = jobs.length - done - failed;
  let status: ProgressStatus;
  if (active > 0) status = 'in_progress';
  else if (failed === 0) status = 'completed';
  else if (done === 0) status = 'failed';
  else status = 'completed_with_errors';
  const percentage = Math.round(jobs.reduce((sum, j) => sum + (j.status === 'completed' || j.status === 'failed' || j.status === 'cancelled' ? 100 : j.progress), 0) / jobs.length);
  let step: string;
  if (jobs.length === 1) step = jobs[0]!.step ?? 'Queued';
  else if (active > 0) {
    const current = jobs.find((j) => j.status === 'running') ?? jobs.find((j) => j.status === 'pending')!;
    step = `${done + failed} of ${jobs.length} clips done; ${current.step ?? 'Queued'}`;
  } else step = failed ? `Published ${done} of ${jobs.length} clips; ${failed} failed` : `All ${jobs.length} clips published or scheduled`;
  const updatedAt = jobs.map((j) => j.updatedAt).sort().at(-1)!;
  return { job_id: requested.id, step, percentage, status, updated_at: updatedAt, total: jobs.length, completed: done, failed };
}

const JobIdParam = idParam('job_id', 'job_01jd2v4m8r0000000000000000');
const ClipIdParam = idParam('clip_id', 'clp_01jd2v4m8r0000000000000000');

// ─── Routes ───────────────────────────────────────────────────────────────────────────────────

export function postizRoutes() {
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/config',
      tags,
      security,
      summary: "The profile's Postiz connection (key masked)",
      description: 'The profile\'s own connection, else the deployment-wide fallback (`source`). The key is never returned, only `••••` and its last four characters.',
      responses: { 200: jsonContent(ConfigResponse, 'Connection'), ...errorResponses },
    }),
    async (c) => c.json(toConfigResponse(await resolvePostizConnection(c.env, c.get('scope'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/config',
      tags,
      security,
      summary: 'Set and test the profile\'s Postiz connection',
      description:
        'Tests the key with Postiz (`GET /is-connected`) before saving anything: a rejected key or an unreachable URL answers 422 `postiz_connection_failed` with Postiz\'s message, and nothing changes. Saved with the key encrypted (AES-GCM, bound to the profile). Plain http only for localhost.',
      request: { body: jsonBody(ConfigUpdate) },
      responses: { 200: jsonContent(ConfigResponse, 'Saved'), ...unprocessable, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const input = c.req.valid('json');
      const apiUrl = validatePostizUrl(input.api_url);
      await testPostizConnection(apiUrl, input.api_key);
      if (input.integration_ids?.length) {
        const channels = await callingPostiz(() => postizClientFor({ apiUrl, apiKey: input.api_key }).listIntegrations());
        const unknown = input.integration_ids.filter((id) => !channels.some((ch) => ch.id === id));
        if (unknown.length) {
          const message = `no enabled Postiz channel has the id ${unknown.join(', ')}`;
          throw new ApiError(400, 'validation_failed', `Invalid request body: integration_ids: ${message}`, { details: [{ path: 'integration_ids', message }] });
        }
      }
      const before = await resolvePostizConnection(c.env, scope);
      const sealed = await sealKey(c.env, scope, input.api_key);
      await savePostizConfig(scope, { apiUrl, apiKeySealed: sealed, integrationIds: input.integration_ids });
      // Media uploaded to another Postiz organisation cannot be attached to this one's posts.
      if (before.state !== 'configured' || before.apiUrl !== apiUrl || before.apiKey !== input.api_key) await clearPostizMedia(scope);
      return c.json(toConfigResponse(await resolvePostizConnection(c.env, scope)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/config',
      tags,
      security,
      summary: "Remove the profile's Postiz connection",
      description: 'Afterwards the deployment-wide connection applies, if there is one (see `source`).',
      responses: { 200: jsonContent(ConfigResponse, 'What applies now'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      await clearPostizConfig(scope);
      await clearPostizMedia(scope);
      return c.json(toConfigResponse(await resolvePostizConnection(c.env, scope)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/status',
      tags,
      security,
      summary: 'Is Postiz configured and reachable?',
      description: 'Always 200; `error` says what is wrong (not configured, key refused, unreachable).',
      responses: { 200: jsonContent(StatusResponse, 'Status'), ...errorResponses },
    }),
    async (c) => {
      const connection = await resolvePostizConnection(c.env, c.get('scope'));
      if (connection.state === 'missing') {
        return c.json({ configured: false, connected: false, api_url: null, integrations_count: 0, error: NOT_CONFIGURED_MESSAGE, source: null }, 200);
      }
      if (connection.state === 'unreadable') {
        return c.json(
          { configured: false, connected: false, api_url: connection.apiUrl, integrations_count: 0, error: toConfigResponse(connection).error, source: connection.source },
          200,
        );
      }
      const client = postizClientFor(connection);
      try {
        const connected = await client.isConnected();
        const integrations = connected ? await client.listIntegrations() : [];
        return c.json(
          {
            configured: true,
            connected,
            api_url: connection.apiUrl,
            integrations_count: integrations.length,
            error: connected ? null : 'Postiz answered connected=false',
            source: connection.source,
          },
          200,
        );
      } catch (err) {
        const error = isProviderError(err) ? `Postiz: ${err.message}` : 'Postiz could not be reached';
        return c.json({ configured: true, connected: false, api_url: connection.apiUrl, integrations_count: 0, error, source: connection.source }, 200);
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/integrations',
      tags,
      security,
      summary: 'Enabled Postiz channels with their caption limits',
      responses: { 200: jsonContent(z.array(IntegrationResponse), 'Channels'), ...conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const { connection, client } = await requirePostiz(c.env, c.get('scope'));
      const channels = await callingPostiz(() => listChannels(client, connection));
      return c.json(
        channels.map((ch) => ({
          id: ch.id,
          name: ch.name,
          type: ch.provider,
          identifier: ch.handle,
          picture: ch.picture,
          disabled: ch.disabled,
          provider: ch.provider,
          max_caption_length: ch.maxCaptionLength,
        })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/upload',
      tags,
      security,
      summary: "Upload a clip's video to Postiz",
      description:
        'Streams the rendered video (or the raw variant when not rendered) from storage to Postiz and records the media on the clip (`postiz_status: uploaded`). Takes a clip id of this profile; a `video_path` is ignored.',
      request: { body: jsonBody(UploadRequest) },
      responses: { 200: jsonContent(UploadResponse, 'Uploaded'), ...conflictResponse, ...unprocessable, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('json').clip_id);
      const { client } = await requirePostiz(c.env, scope);
      try {
        const media = await callingPostiz(() => uploadClipVideo(c.env, scope, client, clip));
        return c.json(
          {
            status: 'success' as const,
            clip_id: clip.id,
            media_id: media.id,
            media_path: media.path,
            source: media.source,
            message: `Uploaded the ${media.source === 'final' ? 'rendered' : 'raw'} video (${media.size} bytes)`,
          },
          200,
        );
      } catch (err) {
        if (err instanceof ClipVideoUnavailable) throw new ApiError(422, 'not_publishable', `Cannot upload clip ${clip.id}: ${err.message}`);
        throw err;
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/bulk-upload',
      tags,
      security,
      summary: "Upload several clips' videos to Postiz",
      description: `One by one, reporting each clip. Every id must be a clip of this profile (else 404, nothing uploaded). At most ${MAX_BULK_UPLOAD} clips per request. Accepts \`{clip_ids}\` or the original's \`{clips:[{clip_id, video_path}]}\` (video_path ignored).`,
      request: { body: jsonBody(BulkUploadRequest) },
      responses: { 200: jsonContent(BulkUploadResponse, 'Per-clip results'), ...conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const body = c.req.valid('json');
      const ids = [...new Set(body.clip_ids ?? body.clips!.map((x) => x.clip_id))];
      await requireOwnedClips(scope, ids);
      const { client } = await requirePostiz(c.env, scope);
      const uploaded: { clip_id: string; media_id: string; media_path: string }[] = [];
      const failed: { clip_id: string; error: string }[] = [];
      for (const id of ids) {
        const clip = await getClip(scope, id);
        if (!clip) {
          failed.push({ clip_id: id, error: 'clip not found' });
          continue;
        }
        try {
          const media = await uploadClipVideo(c.env, scope, client, clip);
          uploaded.push({ clip_id: id, media_id: media.id, media_path: media.path });
        } catch (err) {
          if (!(err instanceof ClipVideoUnavailable) && !isProviderError(err)) throw err;
          failed.push({ clip_id: id, error: isProviderError(err) ? `Postiz: ${err.message}` : err.message });
        }
      }
      const status = failed.length === 0 ? 'completed' : uploaded.length === 0 ? 'failed' : 'completed_with_errors';
      return c.json({ status, uploaded_count: uploaded.length, uploaded, failed_count: failed.length, failed } as const, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/publish',
      tags,
      security,
      summary: 'Publish or schedule a rendered clip',
      description:
        'Checks first, queues nothing on any problem: clip of this profile (404), Postiz configured (409 `not_configured`), clip rendered, channels enabled, caption and settings valid for each channel (422 `not_publishable` with per-clip and per-channel `details`). Then queues one `publish_clip` job. Supports `Idempotency-Key`.',
      request: { body: jsonBody(PublishRequest) },
      responses: { 202: jsonContent(PublishResponse, 'Queued'), ...conflictResponse, ...unprocessable, ...rateLimitResponse, ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const response = await idempotentJson(c, input, () =>
        queuePublish(c, {
          clipIds: [input.clip_id],
          caption: input.caption,
          integrationIds: input.integration_ids,
          scheduleDate: input.schedule_date,
          intervalMinutes: 0,
          settings: input.settings,
        }),
      );
      // idempotentJson answers the stored (or fresh) 202 body itself.
      return response as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/bulk-publish',
      tags,
      security,
      summary: 'Publish or schedule several rendered clips at intervals',
      description: `Clip k (0-based, in the order given) goes out at \`schedule_date + k × schedule_interval_minutes\` (or now + k × interval). Same checks as /publish for every clip, all before anything is queued; problems are reported per clip. At most ${MAX_BULK_PUBLISH} clips. One job per clip; \`job_id\`'s progress covers the whole batch. Supports \`Idempotency-Key\`.`,
      request: { body: jsonBody(BulkPublishRequest) },
      responses: { 202: jsonContent(PublishResponse, 'Queued'), ...conflictResponse, ...unprocessable, ...rateLimitResponse, ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const response = await idempotentJson(c, input, () =>
        queuePublish(c, {
          clipIds: input.clip_ids,
          caption: input.caption,
          integrationIds: input.integration_ids,
          scheduleDate: input.schedule_date,
          intervalMinutes: input.schedule_interval_minutes,
          settings: input.settings,
        }),
      );
      return response as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/publish/{job_id}/progress',
      tags,
      security,
      summary: 'Progress of a publish (or a whole bulk publish)',
      description: 'Read from the persisted jobs. For a bulk publish, any of its job ids gives the progress of the whole batch.',
      request: { params: JobIdParam },
      responses: { 200: jsonContent(ProgressResponse, 'Progress'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const job = await getJob(scope, c.req.valid('param').job_id);
      if (!job || job.type !== 'publish_clip') throw notFound('Publish job');
      const batch = job.resourceType === 'publish_batch' && job.resourceId ? await listJobsForResource(scope, 'publish_clip', 'publish_batch', job.resourceId) : [];
      return c.json(batchProgress(job, batch), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/clips/{clip_id}/publications',
      tags,
      security,
      summary: "A clip's publications",
      description: 'Newest first, with status (`pending | scheduled | published | failed`), Postiz post ids per channel and release URLs once Postiz reports them.',
      request: { params: ClipIdParam },
      responses: { 200: jsonContent(z.object({ clip_id: z.string(), publications: z.array(PublicationResponse) }), 'Publications'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
      const rows = await listClipPublications(scope, clip.id);
      return c.json({ clip_id: clip.id, publications: rows.map(toPublicationResponse) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/publications/refresh',
      tags,
      security,
      summary: 'Poll Postiz for the final state of due publications',
      description: 'Moves due `scheduled` (and `published` without a URL) publications to `published` with release URLs, or `failed` when Postiz reports an error. The hourly cron does the same for every profile.',
      responses: { 200: jsonContent(RefreshResponse, 'What changed'), ...conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      await requirePostiz(c.env, scope);
      return c.json(await refreshPublications(c.env, scope), 200);
    },
  );

  return app;
}
