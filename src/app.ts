/**
 * The app factory: request ids, CORS, body limits, the error model, every route module, and the
 * OpenAPI document with its reference page. `src/worker.ts` only wires this to the runtime.
 *
 * Who may call a route is decided by the router it is registered on (src/http/router.ts), and no
 * two routes can match the same request (ids route on their grammar; test/unit/route-overlap.test.ts
 * checks every pair), so the routers below are mounted in alphabetical order of their modules: any
 * order gives the same app.
 */
import { clipTranscribeRoutes, sourceVideoTranscribeRoutes } from './routes/transcripts/transcribe.ts';
import { transcriptRoutes } from './routes/transcripts/transcripts.ts';
import { type OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { ApiError, badRequest, errorBody } from './core/errors.ts';
import { newId } from './core/ids.ts';
import { MAX_JSON_BODY_BYTES, MAX_JSON_DEPTH } from './core/limits.ts';
import { jsonNestingExceeds } from './core/json-depth.ts';
import { verifiedPrincipal } from './http/auth.ts';
import type { PublicEnv } from './http/context.ts';
import { handleError } from './http/errors.ts';
import { jsonContent } from './http/openapi.ts';
import { createPublicRouter } from './http/router.ts';
import { productionJobs } from './job-handlers/index.ts';
import type { JobRegistry } from './jobs/registry.ts';
import { allClipRoutes } from './routes/clips/all-clips.ts';
import { clipRoutes } from './routes/clips/clips.ts';
import { clipContentRoutes } from './routes/clips/content.ts';
import { clipRemoveAudioRoutes } from './routes/clips/remove-audio.ts';
import { clipRenderRoutes } from './routes/clips/render.ts';
import { clipSelectionRoutes } from './routes/clips/selection.ts';
import { clipTrashRoutes } from './routes/clips/trash.ts';
import { costEntryRoutes } from './routes/costs/entries.ts';
import { costSummaryRoutes } from './routes/costs/summary.ts';
import { devSignInRoutes } from './routes/dev/sign-in.ts';
import { exportPresetRoutes } from './routes/export-presets.ts';
import { VERSION, healthRoutes } from './routes/health.ts';
import { jobCancelRoutes } from './routes/jobs/cancel.ts';
import { jobDownloadRoutes } from './routes/jobs/download.ts';
import { jobEventRoutes } from './routes/jobs/events.ts';
import { jobRoutes } from './routes/jobs/jobs.ts';
import { mediaRoutes } from './routes/media.ts';
import { multiVideoRoutes } from './routes/pipelines/multi-video.ts';
import { processVideoRoutes } from './routes/pipelines/process-video.ts';
import { postizConfigRoutes } from './routes/postiz/config.ts';
import { postizIntegrationRoutes } from './routes/postiz/integrations.ts';
import { postizMediaRoutes } from './routes/postiz/media.ts';
import { postizPublicationActionRoutes } from './routes/postiz/publication-actions.ts';
import { postizPublicationRoutes } from './routes/postiz/publications.ts';
import { postizPublishProgressRoutes } from './routes/postiz/publish-progress.ts';
import { postizPublishRoutes } from './routes/postiz/publish.ts';
import { postizStatusRoutes } from './routes/postiz/status.ts';
import { analyzeRoutes } from './routes/processing/analyze.ts';
import { detectVoiceRoutes } from './routes/processing/detect-voice.ts';
import { muteVoiceRoutes } from './routes/processing/mute-voice.ts';
import { videoInfoRoutes } from './routes/processing/video-info.ts';
import { profileRoutes } from './routes/profiles/profiles.ts';
import { profileRetentionRoutes } from './routes/profiles/retention.ts';
import { profileBrandKitRoutes } from './routes/profiles/brand-kit.ts';
import { profileSetDefaultRoutes } from './routes/profiles/set-default.ts';
import { projectCancelGenerationRoutes } from './routes/projects/cancel-generation.ts';
import { projectClipRoutes } from './routes/projects/clips.ts';
import { projectGenerateFromSegmentsRoutes } from './routes/projects/generate-from-segments.ts';
import { projectGenerateRoutes } from './routes/projects/generate.ts';
import { projectProgressRoutes } from './routes/projects/progress.ts';
import { projectRoutes } from './routes/projects/projects.ts';
import { segmentExtractRoutes } from './routes/segments/extract.ts';
import { segmentFavoriteRoutes } from './routes/segments/favorite.ts';
import { segmentMatchSrtRoutes } from './routes/segments/match-srt.ts';
import { projectSegmentRoutes } from './routes/segments/project-segments.ts';
import { segmentRoutes } from './routes/segments/segments.ts';
import { segmentStreamRoutes } from './routes/segments/stream.ts';
import { videoSegmentRoutes } from './routes/segments/video-segments.ts';
import { sourceVideoFormUploadRoutes } from './routes/source-videos/form-upload.ts';
import { sourceVideoImportRoutes } from './routes/source-videos/imports.ts';
import { sourceVideoPosterRoutes } from './routes/source-videos/posters.ts';
import { sourceVideoRoutes } from './routes/source-videos/source-videos.ts';
import { sourceVideoStreamRoutes } from './routes/source-videos/stream.ts';
import { sourceVideoUploadRoutes } from './routes/source-videos/uploads.ts';
import { sourceVideoVoiceRoutes } from './routes/source-videos/voice.ts';
import { sourceVideoWaveformRoutes } from './routes/source-videos/waveform.ts';
import { ttsAddToVideosRoutes } from './routes/tts/add-to-videos.ts';
import { ttsDownloadRoutes } from './routes/tts/download.ts';
import { ttsGenerateRoutes } from './routes/tts/generate.ts';
import { geminiStatusRoutes } from './routes/usage/gemini-status.ts';
import { usageRoutes } from './routes/usage/usage.ts';
import { webhookDeliveryRoutes } from './routes/webhooks/deliveries.ts';
import { webhookEndpointRoutes } from './routes/webhooks/endpoints.ts';
import { documentWebhookEvents } from './routes/webhooks/events.ts';

const requestId = createMiddleware<PublicEnv>(async (c, next) => {
  const incoming = c.req.header('X-Request-Id');
  const id = incoming && /^[A-Za-z0-9._:-]{8,64}$/.test(incoming) ? incoming : newId('request');
  c.set('requestId', id);
  await next();
  c.res.headers.set('X-Request-Id', id);
});

/**
 * JSON, form and text bodies are bounded in size, and JSON in nesting depth; media uploads stream
 * and enforce their own limits.
 */
const boundedBodies = createMiddleware<PublicEnv>(async (c, next) => {
  // Signed media PUTs carry files of any type (SRT, JSON, …) with limits signed into their URL.
  if (c.req.path.startsWith('/media/')) return next();
  const type = c.req.header('Content-Type') ?? '';
  if (/^(application\/json|application\/x-www-form-urlencoded|text\/)/i.test(type)) {
    return bodyLimit({
      maxSize: MAX_JSON_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `Request body exceeds ${MAX_JSON_BODY_BYTES} bytes`);
      },
    })(c, async () => {
      // Read once here (Hono keeps it for the validators) and refuse deep nesting before any parse.
      if (/^application\/json/i.test(type) && jsonNestingExceeds(await c.req.text(), MAX_JSON_DEPTH))
        throw badRequest(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
      await next();
    });
  }
  await next();
});

/** Paths of the API: an unknown one answers like the API does (401 without a token). */
const isApiPath = (path: string) => path === '/api/v1' || path.startsWith('/api/v1/');

export interface AppOptions {
  /** The job types the Worker runs (their cancel hooks run when a job is cancelled through the API). */
  jobs?: JobRegistry;
}

export function createApp({ jobs = productionJobs }: AppOptions = {}) {
  const app = createPublicRouter();

  app.use('*', requestId);
  app.use(
    '*',
    cors({
      origin: (origin, c) => {
        const allowed = (c.env as PublicEnv['Bindings']).ALLOWED_ORIGINS || '*';
        if (allowed === '*') return origin || '*';
        return allowed
          .split(',')
          .map((s) => s.trim())
          .includes(origin)
          ? origin
          : null;
      },
      allowHeaders: [
        'Authorization',
        'Content-Type',
        'Accept',
        'Origin',
        'X-Requested-With',
        'X-Profile-Id',
        'Idempotency-Key',
        'Range',
      ],
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: [
        'Content-Disposition',
        'Content-Range',
        'Content-Length',
        'Accept-Ranges',
        'X-Request-Id',
        'X-Next-Cursor',
        'Link',
        'Idempotent-Replayed',
        'ETag',
        'RateLimit',
        'RateLimit-Policy',
        'Retry-After',
      ],
      maxAge: 600,
    }),
  );
  app.use('*', boundedBodies);
  app.onError(handleError);
  app.notFound(async (c) => {
    // No route reveals which API paths exist to a caller without a valid token.
    if (isApiPath(c.req.path)) await verifiedPrincipal(c.req.header('Authorization'), c.env);
    return c.json(errorBody(c.get('requestId'), 'not_found', `No route for ${c.req.method} ${c.req.path}`), 404);
  });

  const routes = app
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        operationId: 'getServiceInfo',
        tags: ['System'],
        summary: 'Where the API, its document and its reference are',
        description:
          'JSON for API clients. A browser (an `Accept` that names `text/html`) gets the web studio here instead.',
        responses: {
          200: {
            description: 'Service info',
            content: {
              'application/json': {
                schema: z.object({
                  name: z.literal('Cutroom'),
                  version: z.string(),
                  docs: z.literal('/docs'),
                  openapi: z.literal('/openapi.json'),
                  api: z.literal('/api/v1'),
                }),
              },
            },
          },
        },
      }),
      (c) =>
        c.json(
          { name: 'Cutroom', version: VERSION, docs: '/docs', openapi: '/openapi.json', api: '/api/v1' } as const,
          200,
        ),
    )
    .route('/api/v1/library', allClipRoutes())
    .route('/api/v1/library', clipRoutes())
    .route('/api/v1/library', clipContentRoutes())
    .route('/api/v1/library', clipRemoveAudioRoutes())
    .route('/api/v1/library', clipRenderRoutes())
    .route('/api/v1/library', clipSelectionRoutes())
    .route('/api/v1/library', clipTrashRoutes())
    .route('/api/v1', costEntryRoutes())
    .route('/api/v1', costSummaryRoutes())
    .route('/dev', devSignInRoutes())
    .route('/api/v1/library', exportPresetRoutes())
    .route('/', healthRoutes())
    .route('/api/v1/jobs', jobCancelRoutes(jobs))
    .route('/api/v1/jobs', jobDownloadRoutes())
    .route('/api/v1/jobs', jobEventRoutes())
    .route('/api/v1/jobs', jobRoutes())
    .route('/media', mediaRoutes())
    .route('/api/v1/jobs', multiVideoRoutes())
    .route('/api/v1/jobs', processVideoRoutes())
    .route('/api/v1/postiz', postizConfigRoutes())
    .route('/api/v1/postiz', postizIntegrationRoutes())
    .route('/api/v1/postiz', postizMediaRoutes())
    .route('/api/v1/postiz', postizPublicationRoutes())
    .route('/api/v1/postiz', postizPublicationActionRoutes())
    .route('/api/v1/postiz', postizPublishProgressRoutes())
    .route('/api/v1/postiz', postizPublishRoutes())
    .route('/api/v1/postiz', postizStatusRoutes())
    .route('/api/v1', analyzeRoutes())
    .route('/api/v1', detectVoiceRoutes())
    .route('/api/v1', muteVoiceRoutes())
    .route('/api/v1', videoInfoRoutes())
    .route('/api/v1/profiles', profileRoutes())
    .route('/api/v1/profiles', profileSetDefaultRoutes())
    .route('/api/v1/profiles', profileRetentionRoutes())
    .route('/api/v1/profiles', profileBrandKitRoutes())
    .route('/api/v1/library', projectCancelGenerationRoutes())
    .route('/api/v1/library', projectClipRoutes())
    .route('/api/v1/library', projectGenerateFromSegmentsRoutes())
    .route('/api/v1/library', projectGenerateRoutes())
    .route('/api/v1/library', projectProgressRoutes())
    .route('/api/v1/library', projectRoutes())
    .route('/api/v1/segments', segmentExtractRoutes())
    .route('/api/v1/segments', segmentFavoriteRoutes())
    .route('/api/v1/segments', segmentMatchSrtRoutes())
    .route('/api/v1/segments', projectSegmentRoutes())
    .route('/api/v1/segments', segmentRoutes())
    .route('/api/v1/segments', segmentStreamRoutes())
    .route('/api/v1/segments', videoSegmentRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoFormUploadRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoPosterRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoStreamRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoUploadRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoImportRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoVoiceRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoWaveformRoutes())
    .route('/api/v1/segments/source-videos', sourceVideoTranscribeRoutes())
    .route('/api/v1/library', clipTranscribeRoutes())
    .route('/api/v1/transcripts', transcriptRoutes())
    .route('/api/v1', ttsAddToVideosRoutes())
    .route('/api/v1', ttsDownloadRoutes())
    .route('/api/v1', ttsGenerateRoutes())
    .route('/api/v1', geminiStatusRoutes())
    .route('/api/v1', usageRoutes())
    .route('/api/v1/webhooks', webhookDeliveryRoutes())
    .route('/api/v1/webhooks', webhookEndpointRoutes())
    .openapi(
      createRoute({
        method: 'get',
        path: '/openapi.json',
        operationId: 'getOpenApiDocument',
        tags: ['System'],
        summary: 'This OpenAPI 3.1 document',
        responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'The document') },
      }),
      (c) => {
        const document: Record<string, unknown> = { ...openApiDocument(app) };
        return c.json(document, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/docs',
        operationId: 'getApiReference',
        tags: ['System'],
        summary: 'The interactive API reference (HTML)',
        responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
      }),
      // Scalar's middleware always answers with the page.
      async (c, next) => (await reference(c, next)) ?? c.notFound(),
    );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'User token (HS256 or RS256/ES256) with `sub` and `exp`. `npm run token` mints one locally.',
  });
  documentWebhookEvents(app.openAPIRegistry);

  return routes;
}

const reference = Scalar<PublicEnv>({ url: '/openapi.json', pageTitle: 'Cutroom API reference' });

/** Every tag an operation uses, in the order the reference shows them. */
const apiTags = [
  { name: 'Profiles', description: "The caller's brands. Every other resource belongs to one profile." },
  { name: 'Source videos', description: 'Uploaded videos: resumable uploads, metadata, streams, waveform, voice.' },
  { name: 'Segments', description: 'The segment library: moments cut from source videos, with keywords.' },
  { name: 'Library: projects', description: 'Projects and their clips.' },
  { name: 'Library: generation', description: 'Clips generated from assigned segments.' },
  { name: 'Library: clips', description: 'Clips: content, selection, trash.' },
  { name: 'Library: render', description: 'Export presets and renders.' },
  { name: 'Pipelines', description: 'The main processing pipeline and multi-video inserts, as jobs.' },
  { name: 'Analysis', description: 'Video metadata and highlight analysis.' },
  { name: 'Voice', description: 'Speech detection and muting.' },
  {
    name: 'Transcripts',
    description:
      'Word-timed transcripts of videos and clips (Gemini, or a script aligned to speech), editable, usable as SRT.',
  },
  { name: 'Text to speech', description: 'Voice-overs (ElevenLabs or the local voice).' },
  { name: 'Jobs', description: 'Every queued job: state, progress events, outputs, cancellation.' },
  { name: 'Postiz', description: 'Publishing through Postiz.' },
  { name: 'Costs', description: 'Provider costs recorded per profile.' },
  { name: 'Usage', description: 'Usage, limits and provider status.' },
  { name: 'Webhooks', description: 'Signed event deliveries to your endpoints: endpoints, delivery log, replay.' },
  { name: 'Media', description: 'Signed media URLs (the token is the credential).' },
  { name: 'System', description: 'Health, this document and its reference page.' },
  { name: 'Development', description: 'Local development only (404 in a deployed Worker).' },
];

/** The OpenAPI document of an app built by `createApp` (served at /openapi.json, linted in CI). */
export function openApiDocument(app: { getOpenAPI31Document: OpenAPIHono['getOpenAPI31Document'] }) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Cutroom API',
      version: VERSION,
      description:
        'Multi-tenant video studio backend. Every resource belongs to one profile (brand); pick it with `X-Profile-Id` (default: your default profile). Errors share one shape: `{error:{code,message,request_id,details?}}`.',
    },
    servers: [{ url: '/' }],
    tags: apiTags,
  });
}

export type App = ReturnType<typeof createApp>;
