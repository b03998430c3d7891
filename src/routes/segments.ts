/**
 * /api/v1/segments (original §1.4, everything but the source-video routes, which are mounted before
 * this router): segments of the profile's ready source videos, the library view, extraction into
 * their own object with ranged streaming, SRT keyword matching over this profile's segments, and
 * project assignment. Every id in every request must belong to the active profile (404 otherwise,
 * nothing changed); the original checked none of them (§9 #6).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { pageQuery } from '../db/pagination.ts';
import { findActiveJob } from '../db/repos/jobs.ts';
import {
  type SegmentRow,
  type SegmentView,
  createSegment,
  deleteSegment,
  getSegmentView,
  keywordSources,
  listLibrarySegments,
  listProjectSegments,
  listVideoSegments,
  markExtractingStatement,
  ownedSegmentIds,
  replaceProjectSegments,
  toggleSegmentFavorite,
  updateSegment,
} from '../db/repos/segments.ts';
import type { SegmentTransforms } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { AppEnv } from '../core/env.ts';
import { ApiError, conflict, notFound, validationError } from '../core/errors.ts';
import { enqueueJob } from '../jobs/producer.ts';
import { idempotentJson } from '../http/idempotency.ts';
import { matchKeywords } from '../library/keyword-matcher.ts';
import { conflictResponse, errorResponses, idParam, jsonBody, jsonContent, rateLimitResponse, security } from '../http/openapi.ts';
import { parseSrt } from '../core/srt.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { serveObject } from '../http/serve-object.ts';
import { deletePrefix, storageKeys } from '../storage/keys.ts';
import { JobResponse, toJobResponse } from './jobs.ts';
import { ownedProject } from './library-projects.ts';
import { SegmentResponse, SegmentTransformsSchema, toSegmentResponse } from './segment-response.ts';
import { ownedSourceVideo } from './source-video-uploads.ts';

const tags = ['Segments'];
export const MAX_KEYWORDS = 50;
export const MAX_KEYWORD_LENGTH = 100;
export const MAX_ASSIGNED_SEGMENTS = 500;
/** Shorter cuts are not worth a segment (and are below a frame or two at common rates). */
export const MIN_SEGMENT_SECONDS = 0.1;
/** Float noise allowed past the probed duration. */
const DURATION_TOLERANCE = 0.001;

const SegmentIdParam = idParam('id', 'seg_01jd2v4m8r0000000000000000');
const VideoIdParam = idParam('id', 'vid_01jd2v4m8r0000000000000000');
const ProjectIdParam = idParam('project_id', 'prj_01jd2v4m8r0000000000000000');

/** Trimmed, empty entries dropped, de-duplicated case-insensitively (first spelling kept). */
export function normalizeKeywords(keywords: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of keywords) {
    const k = raw.trim();
    const key = k.toLowerCase();
    if (!k || seen.has(key)) continue;
    seen.add(key);
    out.push(k);
  }
  return out;
}

const Keywords = z
  .array(z.string().trim().max(MAX_KEYWORD_LENGTH, `each keyword must be at most ${MAX_KEYWORD_LENGTH} characters`))
  .max(MAX_KEYWORDS, `at most ${MAX_KEYWORDS} keywords`)
  .openapi({ description: `Up to ${MAX_KEYWORDS} keywords of at most ${MAX_KEYWORD_LENGTH} characters; trimmed and de-duplicated` });
const Notes = z.string().max(5000).nullable();
const Time = z.number().min(0).max(1e7);

const SegmentCreate = z
  .object({
    start_time: Time,
    end_time: Time,
    keywords: Keywords.default([]),
    notes: Notes.optional(),
    transforms: SegmentTransformsSchema.nullable().optional(),
  })
  .strict()
  .openapi('SegmentCreate');

const SegmentUpdate = z
  .object({
    start_time: Time.optional(),
    end_time: Time.optional(),
    keywords: Keywords.optional(),
    notes: Notes.optional(),
    transforms: SegmentTransformsSchema.nullable().optional(),
  })
  .strict()
  .openapi('SegmentUpdate');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const LibraryQuery = pageQuery.extend({
  keyword: z.string().trim().min(1).max(MAX_KEYWORD_LENGTH).optional().openapi({ description: 'Segments having this keyword (case-insensitive, exact)' }),
  source_video_id: z.string().max(64).optional(),
  favorites_only: bool.default(false),
  min_duration: z.coerce.number().min(0).optional(),
  max_duration: z.coerce.number().min(0).optional(),
  search: z.string().trim().min(1).max(200).optional().openapi({ description: 'Text in keywords, notes or the source video name' }),
});

const ExtractRequest = z
  .object({ mode: z.enum(['smart', 'copy', 'reencode']).default('smart') })
  .strict()
  .openapi('SegmentExtractRequest');

const MatchSrtRequest = z
  .object({
    srt_content: z.string().min(1).max(500_000),
    min_confidence: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .openapi('SrtMatchRequest');

const SegmentMatch = z
  .object({
    segment_id: z.string(),
    source_video_id: z.string(),
    keyword: z.string(),
    srt_timestamp: z.number().openapi({ description: 'Start of the subtitle, seconds' }),
    srt_end: z.number(),
    text: z.string(),
    confidence: z.number(),
  })
  .openapi('SegmentMatch');

const SrtProblem = z.object({ block: z.number().int(), line: z.number().int(), reason: z.string() }).openapi('SrtProblem');

const AssignJson = z.object({ segment_ids: z.array(z.string().min(1).max(64)).max(MAX_ASSIGNED_SEGMENTS) }).strict().openapi('SegmentAssign');

// ─── Helpers ──────────────────────────────────────────────────────────────────────────────────

async function ownedSegment(scope: ProfileScope, id: string): Promise<SegmentView> {
  const view = await getSegmentView(scope, id);
  if (!view) throw notFound('Segment');
  return view;
}

/** 0 ≤ start < end ≤ duration, and the cut at least MIN_SEGMENT_SECONDS long; 400 with field paths. */
function checkTimes(start: number, end: number, videoDuration: number) {
  const issues: { path: string; message: string }[] = [];
  if (end <= start) issues.push({ path: 'end_time', message: `must be greater than start_time (${start})` });
  else if (end - start < MIN_SEGMENT_SECONDS) issues.push({ path: 'end_time', message: `the segment must last at least ${MIN_SEGMENT_SECONDS} s` });
  if (start >= videoDuration) issues.push({ path: 'start_time', message: `must be before the end of the video (${videoDuration} s)` });
  if (end > videoDuration + DURATION_TOLERANCE) issues.push({ path: 'end_time', message: `must not exceed the video's duration (${videoDuration} s)` });
  if (issues.length) {
    throw new ApiError(400, 'validation_failed', `Invalid segment times: ${issues[0]!.path}: ${issues[0]!.message}`, { details: issues });
  }
}

const toTransforms = (t: z.infer<typeof SegmentTransformsSchema> | null | undefined): SegmentTransforms | null =>
  t && (t.flip_horizontal || t.rotate) ? { ...(t.flip_horizontal ? { flip_horizontal: true } : {}), ...(t.rotate ? { rotate: t.rotate } : {}) } : null;

const sameTransforms = (a: SegmentTransforms | null, b: SegmentTransforms | null) =>
  Boolean(a?.flip_horizontal) === Boolean(b?.flip_horizontal) && (a?.rotate ?? 0) === (b?.rotate ?? 0);

/** Thumbnails are tiny and must never make segment editing answer 429: no per-profile limit. */
async function queueThumbnail(c: Context<AppEnv>, segment: SegmentRow) {
  try {
    await enqueueJob(c.get('scope'), c.env, 'segment_thumbnail', { segment_id: segment.id }, {
      resourceType: 'segment',
      resourceId: segment.id,
      step: 'Queued for thumbnail',
      limitsChecked: true,
    });
  } catch (err) {
    // The segment stands without a thumbnail; editing its times or extracting it queues another.
    console.error(JSON.stringify({ level: 'warn', msg: 'segment thumbnail not queued', segment_id: segment.id, error: String(err) }));
  }
}

async function readAssignBody(c: Context<AppEnv>): Promise<string[]> {
  const type = (c.req.header('Content-Type') ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new ApiError(400, 'bad_request', 'The request body is not valid JSON');
    }
    const parsed = AssignJson.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, 'request body');
    return parsed.data.segment_ids;
  }
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await c.req.parseBody({ all: true });
    const value = form['segment_ids'];
    const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
    if (list.some((v) => typeof v !== 'string')) throw new ApiError(400, 'validation_failed', 'segment_ids must be text fields, not files');
    const parsed = AssignJson.safeParse({ segment_ids: list });
    if (!parsed.success) throw validationError(parsed.error, 'form data');
    return parsed.data.segment_ids;
  }
  throw new ApiError(415, 'unsupported_media_type', 'Send segment_ids as JSON ({"segment_ids": [...]}) or as repeated form fields');
}

// ─── Routes ───────────────────────────────────────────────────────────────────────────────────

export function segmentRoutes() {
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/source-videos/{id}/segments',
      tags,
      security,
      summary: 'Create a segment on a ready source video',
      description:
        '0 ≤ start_time < end_time ≤ the video\'s duration (at least 0.1 s long). A thumbnail at the midpoint is made in the background. Supports `Idempotency-Key`.',
      request: { params: VideoIdParam, body: jsonBody(SegmentCreate) },
      responses: { 201: jsonContent(SegmentResponse, 'Created'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const response = await idempotentJson(c, { id, ...input }, async () => {
        const video = await ownedSourceVideo(scope, id);
        if (video.status !== 'ready' || video.duration === null) throw conflict(`Segments can be made on a ready video (this one is ${video.status})`);
        checkTimes(input.start_time, input.end_time, video.duration);
        const row = await createSegment(scope, video.id, {
          startTime: input.start_time,
          endTime: input.end_time,
          keywords: normalizeKeywords(input.keywords),
          notes: input.notes ?? null,
          transforms: toTransforms(input.transforms),
        });
        await queueThumbnail(c, row);
        return { status: 201, body: await toSegmentResponse(c.env, scope, { segment: row, videoName: video.name }) };
      });
      return response as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/source-videos/{id}/segments',
      tags,
      security,
      summary: "A source video's segments, by start time",
      request: { params: VideoIdParam },
      responses: { 200: jsonContent(z.array(SegmentResponse), 'Segments'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const video = await ownedSourceVideo(scope, c.req.valid('param').id);
      const rows = await listVideoSegments(scope, video.id);
      return c.json(await Promise.all(rows.map((r) => toSegmentResponse(c.env, scope, r))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      security,
      summary: 'The segment library',
      description:
        'Newest first, as a plain array (as the original). Filters combine. The next page: the `X-Next-Cursor` header (pass it as `cursor`) or the `Link: <…>; rel="next"` URL.',
      request: { query: LibraryQuery },
      responses: { 200: jsonContent(z.array(SegmentResponse), 'Segments'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const query = c.req.valid('query');
      const page = await listLibrarySegments(scope, query, query);
      if (page.nextCursor) {
        const next = new URL(c.req.url);
        next.searchParams.set('cursor', page.nextCursor);
        next.searchParams.set('limit', String(query.limit));
        c.header('X-Next-Cursor', page.nextCursor);
        c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
      }
      return c.json(await Promise.all(page.items.map((r) => toSegmentResponse(c.env, scope, r))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/match-srt',
      tags,
      security,
      summary: "Find this profile's segments whose keywords occur in an SRT",
      description:
        'Keywords and subtitle text are compared with diacritics folded and punctuation removed: exact word 1.0, word starting with the keyword 0.95, keyword inside a word 0.9, otherwise a similarity ratio kept when ≥ `min_confidence`; the same keyword again within 1 s is dropped. Sorted by time. Broken SRT blocks are skipped and reported: their count in `X-SRT-Problems`, and with `?format=full` the body is `{matches, problems}`. An SRT with no readable cue is a 400.',
      request: { body: jsonBody(MatchSrtRequest), query: z.object({ format: z.enum(['array', 'full']).default('array') }) },
      responses: {
        200: jsonContent(z.union([z.array(SegmentMatch), z.object({ matches: z.array(SegmentMatch), problems: z.array(SrtProblem) })]), 'Matches'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const input = c.req.valid('json');
      const { cues, problems } = parseSrt(input.srt_content);
      if (!cues.length) {
        throw new ApiError(400, 'validation_failed', problems.length ? `The SRT has no readable cue (${problems.length} broken block(s))` : 'The SRT has no cues', {
          details: problems.map((p) => ({ path: 'srt_content', message: `block ${p.block} (line ${p.line}): ${p.reason}` })),
        });
      }
      const sources = await keywordSources(scope);
      const videoOf = new Map(sources.map((s) => [s.id, s.sourceVideoId]));
      const matches = matchKeywords(cues, sources.map((s) => ({ segment_id: s.id, keywords: s.keywords })), input.min_confidence).map((m) => ({
        segment_id: m.segment_id,
        source_video_id: videoOf.get(m.segment_id)!,
        keyword: m.keyword,
        srt_timestamp: m.srt_timestamp,
        srt_end: m.srt_end,
        text: m.text,
        confidence: m.confidence,
      }));
      c.header('X-SRT-Problems', String(problems.length));
      if (c.req.valid('query').format === 'full') return c.json({ matches, problems }, 200);
      return c.json(matches, 200);
    },
  );

  // Not an `openapi()` route: its validators would read the body as JSON only. Documented below.
  app.post('/projects/:project_id/assign', async (c) => {
    const scope = c.get('scope');
    const project = await ownedProject(scope, c.req.param('project_id'));
    const ids = await readAssignBody(c);
    const found = await ownedSegmentIds(scope, ids);
    const missing = [...new Set(ids.filter((id) => !found.has(id)))];
    if (missing.length) throw new ApiError(404, 'not_found', `Segment not found: ${missing.join(', ')}`, { details: { missing } });
    await replaceProjectSegments(scope, project.id, ids);
    return c.json({ status: 'assigned' as const, project_id: project.id, segments_count: ids.length }, 200);
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/projects/{project_id}/assign',
    tags,
    security,
    summary: "Replace a project's segments",
    description: `As the original: form fields \`segment_ids\` (repeated, in order), or JSON \`{"segment_ids": [...]}\`. At most ${MAX_ASSIGNED_SEGMENTS}; a segment may appear more than once. Every id must be a segment of this profile, else 404 naming the unknown ones and the previous assignment stays. The replacement is one transaction. An empty list clears the assignment.`,
    request: {
      params: ProjectIdParam,
      body: {
        required: true,
        content: {
          'application/json': { schema: AssignJson },
          'application/x-www-form-urlencoded': { schema: z.object({ segment_ids: z.array(z.string()) }) },
          'multipart/form-data': { schema: z.object({ segment_ids: z.array(z.string()) }) },
        },
      },
    },
    responses: {
      200: jsonContent(z.object({ status: z.literal('assigned'), project_id: z.string(), segments_count: z.number().int() }), 'Assigned'),
      ...errorResponses,
      415: errorResponses[400],
    },
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{project_id}/segments',
      tags,
      security,
      summary: "A project's segments in sequence order",
      request: { params: ProjectIdParam },
      responses: { 200: jsonContent(z.array(SegmentResponse.extend({ sequence_order: z.number().int() })), 'Segments'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const project = await ownedProject(scope, c.req.valid('param').project_id);
      const rows = await listProjectSegments(scope, project.id);
      return c.json(await Promise.all(rows.map(async (r) => ({ ...(await toSegmentResponse(c.env, scope, r)), sequence_order: r.sequenceOrder }))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      security,
      summary: 'Get a segment',
      request: { params: SegmentIdParam },
      responses: { 200: jsonContent(SegmentResponse, 'Segment'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      return c.json(await toSegmentResponse(c.env, scope, await ownedSegment(scope, c.req.valid('param').id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags,
      security,
      summary: 'Update a segment',
      description:
        'Times are re-validated against the video (with the unchanged one, when only one is sent). New times or transforms discard the extracted cut (extract again) and queue a new thumbnail.',
      request: { params: SegmentIdParam, body: jsonBody(SegmentUpdate) },
      responses: { 200: jsonContent(SegmentResponse, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const view = await ownedSegment(scope, c.req.valid('param').id);
      const current = view.segment;
      const input = c.req.valid('json');
      const start = input.start_time ?? current.startTime;
      const end = input.end_time ?? current.endTime;
      const timesChanged = start !== current.startTime || end !== current.endTime;
      const transforms = input.transforms !== undefined ? toTransforms(input.transforms) : current.transforms;
      const cutChanged = timesChanged || !sameTransforms(transforms, current.transforms);
      if (timesChanged) {
        const video = await ownedSourceVideo(scope, current.sourceVideoId);
        checkTimes(start, end, video.duration ?? 0);
      }
      const row = await updateSegment(scope, current.id, {
        startTime: start,
        endTime: end,
        ...(input.keywords !== undefined ? { keywords: normalizeKeywords(input.keywords) } : {}),
        ...(input.notes !== undefined ? { notes: input.notes } : {}),
        transforms,
        ...(cutChanged ? { extractStatus: 'none' as const, extractError: null, extractedKey: null, extractedDuration: null, extractMode: null } : {}),
        ...(timesChanged ? { thumbnailKey: null } : {}),
      });
      if (!row) throw notFound('Segment');
      if (cutChanged) await c.env.MEDIA.delete(storageKeys.segmentExtract(scope, row.id));
      if (timesChanged) await queueThumbnail(c, row);
      return c.json(await toSegmentResponse(c.env, scope, { segment: row, videoName: view.videoName }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags,
      security,
      summary: 'Delete a segment and its stored objects',
      description: 'Its project assignments go with it; clips already made from it keep their video.',
      request: { params: SegmentIdParam },
      responses: { 200: jsonContent(z.object({ status: z.literal('deleted'), id: z.string() }), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const deleted = await deleteSegment(scope, id);
      if (!deleted) throw notFound('Segment');
      // Rows first, then objects: a crash in between leaves orphans for the sweep, never dangling rows.
      await deletePrefix(c.env.MEDIA, storageKeys.segmentPrefix(scope, id));
      return c.json({ status: 'deleted' as const, id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/favorite',
      tags,
      security,
      summary: 'Toggle favourite',
      request: { params: SegmentIdParam },
      responses: { 200: jsonContent(z.object({ id: z.string(), is_favorite: z.boolean() }), 'Toggled'), ...errorResponses },
    }),
    async (c) => {
      const row = await toggleSegmentFavorite(c.get('scope'), c.req.valid('param').id);
      if (!row) throw notFound('Segment');
      return c.json({ id: row.id, is_favorite: row.isFavorite }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/extract',
      tags,
      security,
      summary: 'Extract the segment into its own video (job)',
      description:
        '`smart` (default): frame-accurate, only the frames before the first keyframe (and a few at the end) re-encoded; `copy`: stream copy from the keyframe at or before the start; `reencode`: full encode. Transforms force a re-encode. Idempotent: a running extraction with the same mode is reported (202; another mode: 409), a finished one with the same mode answers 200 without a job. Supports `Idempotency-Key`. Body optional.',
      request: { params: SegmentIdParam, body: { required: false, content: { 'application/json': { schema: ExtractRequest } } } },
      responses: {
        200: jsonContent(z.object({ status: z.literal('ready'), segment_id: z.string(), job_id: z.null(), segment: SegmentResponse }), 'Already extracted'),
        202: jsonContent(z.object({ status: z.literal('extracting'), segment_id: z.string(), job_id: z.string(), job: JobResponse }), 'Extracting'),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      // The body is optional: without one the validator hands over {}.
      const mode = (c.req.valid('json') as { mode?: 'smart' | 'copy' | 'reencode' }).mode ?? 'smart';
      const response = await idempotentJson(c, { id, mode }, async () => {
        const view = await ownedSegment(scope, id);
        const segment = view.segment;
        const active = await findActiveJob(scope, 'extract_segment', segment.id);
        if (active) {
          const running = (active.input as { mode?: string }).mode;
          if (running !== mode) throw new ApiError(409, 'conflict', `A ${running} extraction of this segment is running; ask again when it ends`, { details: { job_id: active.id } });
          return { status: 202, body: { status: 'extracting' as const, segment_id: segment.id, job_id: active.id, job: toJobResponse(active) } };
        }
        if (segment.extractStatus === 'ready' && segment.extractedKey && segment.extractMode === mode) {
          return { status: 200, body: { status: 'ready' as const, segment_id: segment.id, job_id: null, segment: await toSegmentResponse(c.env, scope, view) } };
        }
        const job = await enqueueJob(scope, c.env, 'extract_segment', { segment_id: segment.id, mode }, {
          resourceType: 'segment',
          resourceId: segment.id,
          step: `Queued for ${mode} extraction`,
          alongside: () => [markExtractingStatement(scope, segment.id, mode)],
        });
        return { status: 202, body: { status: 'extracting' as const, segment_id: segment.id, job_id: job.id, job: toJobResponse(job) } };
      });
      return response as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/stream',
      tags,
      security,
      summary: 'Stream the extracted segment (Bearer token; Range supported)',
      description: 'Same bytes as the signed `stream_url`. 409 until the segment is extracted.',
      request: { params: SegmentIdParam },
      responses: {
        200: { description: 'The whole cut' },
        206: { description: 'The requested range' },
        ...errorResponses,
        ...conflictResponse,
        416: jsonContent(z.unknown(), 'Range outside the cut'),
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { segment } = await ownedSegment(scope, c.req.valid('param').id);
      if (segment.extractStatus !== 'ready' || !segment.extractedKey) {
        throw conflict(`The segment is not extracted (extract_status ${segment.extractStatus}). Call POST /api/v1/segments/${segment.id}/extract first.`);
      }
      return serveObject(c.env.MEDIA, segment.extractedKey, c.req.raw, { what: 'Extracted segment', contentType: 'video/mp4' });
    },
  );

  return app;
}
