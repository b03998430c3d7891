/**
 * /api/v1/segments/source-videos (original §1.4): the profile's library of source videos.
 * Uploads (signed URLs, resumable multipart, and the original's form upload, streamed), list with
 * cursor pagination, get, rename, delete (rows first, then every object), authenticated ranged
 * streaming, the stored waveform and cached voice detection. Responses carry ids and short-lived
 * signed URLs, never storage keys or paths (original §9 #5–#13).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { findActiveJob } from '../db/repos/jobs.ts';
import { pageQuery } from '../db/pagination.ts';
import { sourceVideoStatuses } from '../db/schema.ts';
import {
  getVoiceDetection,
  getWaveform,
  listSourceVideos,
  updateSourceVideoDetails,
} from '../db/repos/source-videos.ts';
import { conflict, notFound } from '../core/errors.ts';
import { enqueueJob } from '../jobs/producer.ts';
import { conflictResponse, errorResponses, idParam, jsonBody, jsonContent, rateLimitResponse, security, tooLargeResponse } from '../http/openapi.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { receiveFormUpload, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH } from '../http/form-upload.ts';
import { serveObject } from '../http/serve-object.ts';
import { removeSourceVideo } from '../source-videos/removal.ts';
import {
  DEFAULT_WAVEFORM_BINS,
  MAX_WAVEFORM_BINS,
  MIN_WAVEFORM_BINS,
  downsampleWaveform,
} from '../source-videos/waveform.ts';
import { downloadFilename, SourceVideoResponse, toSourceVideoResponse } from './source-video-response.ts';
import { ownedSourceVideo, registerUploadRoutes } from './source-video-uploads.ts';
import { toJobResponse, JobResponse } from './jobs.ts';

const tags = ['Source videos'];
const VideoIdParam = idParam('id', 'vid_01jd2v4m8r0000000000000000');

const ListQuery = pageQuery.extend({ status: z.enum(sourceVideoStatuses).optional() });

const SourceVideoUpdate = z
  .object({
    name: z.string().trim().min(1).max(MAX_NAME_LENGTH).optional(),
    description: z.string().max(MAX_DESCRIPTION_LENGTH).nullable().optional(),
  })
  .strict()
  .openapi('SourceVideoUpdate');

const WaveformQuery = z.object({
  bins: z.coerce.number().int().min(MIN_WAVEFORM_BINS).max(MAX_WAVEFORM_BINS).default(DEFAULT_WAVEFORM_BINS),
});
const WaveformResponse = z
  .object({
    source_video_id: z.string(),
    duration: z.number().nullable(),
    bins: z.number().int(),
    peaks: z.array(z.number()).openapi({ description: 'Per bin: sqrt(RMS / loudest RMS), 0–1' }),
  })
  .openapi('Waveform');

/** Defaults follow the original's Silero call (§5.1): threshold 0.5, 250 ms speech, 100 ms silence. */
const VoiceQuery = z.object({
  threshold: z.coerce.number().min(0).max(1).default(0.5),
  min_speech_duration: z.coerce.number().min(0).max(10).default(0.25),
  min_silence_duration: z.coerce.number().min(0).max(10).default(0.1),
  padding: z.coerce.number().min(0).max(5).default(0),
});
const VoiceSegment = z.object({ start: z.number(), end: z.number(), duration: z.number().optional(), confidence: z.number() });
const VoiceResponse = z
  .object({
    source_video_id: z.string(),
    status: z.literal('completed'),
    segments: z.array(VoiceSegment),
    total_voice_duration: z.number().nullable(),
    duration: z.number().nullable(),
    engine: z.string().nullable(),
    params: z.record(z.string(), z.number()),
    computed_at: z.string().nullable(),
  })
  .openapi('VoiceDetection');
const VoicePending = z
  .object({ source_video_id: z.string(), status: z.literal('processing'), job_id: z.string(), job: JobResponse })
  .openapi('VoiceDetectionPending');

const sameParams = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(b).every((k) => Math.abs((a[k] ?? Number.NaN) - b[k]!) < 1e-9);

export function sourceVideoRoutes() {
  const app = createTenantRouter();

  // ─── Compatibility form upload (streamed) ─────────────────────────────────────────────────
  // Not an `openapi()` route: its validator would buffer the form. Documented below instead.
  app.post('/', async (c) => {
    const scope = c.get('scope');
    const { video, job } = await receiveFormUpload(c.env, scope, c.req.raw);
    return c.json({ ...(await toSourceVideoResponse(c.env, scope, video)), job_id: job.id }, 201);
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/',
    tags,
    security,
    summary: 'Upload a video in one form post (original API)',
    description:
      'multipart/form-data with `video` (file), `name` and optional `description`. Streamed into storage (never held in memory); the first bytes must be a video container (400 `invalid_media` otherwise). Responds with the video in `processing` and its probe job. For large files or resumable uploads use `POST /uploads`.',
    request: {
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: z.object({
              video: z.string().openapi({ type: 'string', format: 'binary' }),
              name: z.string(),
              description: z.string().optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: jsonContent(SourceVideoResponse.extend({ job_id: z.string() }), 'Stored; probing'),
      ...errorResponses,
      ...tooLargeResponse,
      ...rateLimitResponse,
    },
  });

  registerUploadRoutes(app);

  // ─── Library ──────────────────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      security,
      summary: "List this profile's source videos",
      description:
        'Newest first, as a plain array (as the original). The next page: the `X-Next-Cursor` header (pass it as `cursor`) or the `Link: <…>; rel="next"` URL.',
      request: { query: ListQuery },
      responses: { 200: jsonContent(z.array(SourceVideoResponse), 'Source videos'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const query = c.req.valid('query');
      const page = await listSourceVideos(scope, { status: query.status }, query);
      if (page.nextCursor) {
        const next = new URL(c.req.url);
        next.searchParams.set('cursor', page.nextCursor);
        next.searchParams.set('limit', String(query.limit));
        c.header('X-Next-Cursor', page.nextCursor);
        c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
      }
      return c.json(await Promise.all(page.items.map((row) => toSourceVideoResponse(c.env, scope, row))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      security,
      summary: 'Get a source video',
      request: { params: VideoIdParam },
      responses: { 200: jsonContent(SourceVideoResponse, 'Source video'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      return c.json(await toSourceVideoResponse(c.env, scope, await ownedSourceVideo(scope, c.req.valid('param').id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags,
      security,
      summary: 'Rename or describe a source video',
      request: { params: VideoIdParam, body: jsonBody(SourceVideoUpdate) },
      responses: { 200: jsonContent(SourceVideoResponse, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const row = await updateSourceVideoDetails(scope, id, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
      });
      if (!row) throw notFound('Source video');
      return c.json(await toSourceVideoResponse(c.env, scope, row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags,
      security,
      summary: 'Delete a source video, its segments and every stored object of both',
      request: { params: VideoIdParam },
      responses: {
        200: jsonContent(z.object({ status: z.literal('deleted'), id: z.string() }), 'Deleted'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const deleted = await removeSourceVideo(c.env, scope, id);
      if (!deleted) throw notFound('Source video');
      return c.json({ status: 'deleted' as const, id }, 200);
    },
  );

  // ─── Media ────────────────────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/stream',
      tags,
      security,
      summary: 'Stream the video (Bearer token; Range supported)',
      description:
        'Same bytes and Range handling as the signed `stream_url` (which is what `<video>` tags should use, since they cannot send headers). `?download=true` serves it as an attachment.',
      request: { params: VideoIdParam, query: z.object({ download: z.enum(['true', 'false', '1', '0']).optional() }) },
      responses: {
        200: { description: 'The whole video' },
        206: { description: 'The requested range' },
        ...errorResponses,
        ...conflictResponse,
        416: jsonContent(z.unknown(), 'Range outside the video'),
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const row = await ownedSourceVideo(scope, c.req.valid('param').id);
      if (row.status !== 'ready' && row.status !== 'processing') throw conflict(`The video has no playable bytes (status ${row.status})`);
      const download = c.req.valid('query').download;
      return serveObject(c.env.MEDIA, row.storageKey, c.req.raw, {
        what: 'Source video',
        contentType: row.contentType,
        attachmentFilename: download === 'true' || download === '1' ? downloadFilename(row) : undefined,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/waveform',
      tags,
      security,
      summary: 'Audio waveform',
      description: `Computed once when the video is probed (${MAX_WAVEFORM_BINS} bins) and downsampled per request; no media work per call.`,
      request: { params: VideoIdParam, query: WaveformQuery },
      responses: { 200: jsonContent(WaveformResponse, 'Waveform'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const row = await getWaveform(scope, id);
      if (!row) throw notFound('Source video');
      if (row.status !== 'ready' || !row.waveform) throw conflict(`The waveform is available once the video is ready (status ${row.status})`);
      const peaks = downsampleWaveform(row.waveform, c.req.valid('query').bins);
      return c.json({ source_video_id: id, duration: row.duration, bins: peaks.length, peaks }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/voice',
      tags,
      security,
      summary: 'Speech intervals (cached detect-voice run)',
      description:
        'Answers from the cache when a run with the same parameters exists; otherwise starts a `detect_voice` job (or reports the one running) with 202. Poll this route or the job.',
      request: { params: VideoIdParam, query: VoiceQuery },
      responses: {
        200: jsonContent(VoiceResponse, 'Speech intervals'),
        202: jsonContent(VoicePending, 'Being computed'),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const params = c.req.valid('query');
      const row = await getVoiceDetection(scope, id);
      if (!row) throw notFound('Source video');
      if (row.status !== 'ready') throw conflict(`Voice detection needs a ready video (status ${row.status})`);
      if (row.voice && sameParams(row.voice.params, params)) {
        return c.json(
          {
            source_video_id: id,
            status: 'completed' as const,
            segments: row.voice.segments,
            total_voice_duration: row.voice.total_voice_duration ?? null,
            duration: row.voice.duration ?? row.duration,
            engine: row.voice.engine ?? null,
            params: row.voice.params,
            computed_at: row.voice.computed_at ?? null,
          },
          200,
        );
      }
      const active = await findActiveJob(scope, 'detect_voice', id);
      const activeParams = (active?.input as { params?: Record<string, number> } | undefined)?.params;
      const job =
        active && activeParams && sameParams(activeParams, params)
          ? active
          : await enqueueJob(scope, c.env, 'detect_voice', { source_video_id: id, params }, {
              resourceType: 'source_video',
              resourceId: id,
              step: 'Queued for voice detection',
            });
      return c.json({ source_video_id: id, status: 'processing' as const, job_id: job.id, job: toJobResponse(job) }, 202);
    },
  );

  return app;
}
