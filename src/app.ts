/**
 * The app factory: request ids, CORS, body limits, the error model, every route module, and the
 * OpenAPI document with its reference page. `src/index.ts` only wires this to the runtime.
 */
import { Scalar } from '@scalar/hono-api-reference';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { requireProfile, requireUser } from './http/auth.ts';
import type { AppEnv } from './core/env.ts';
import { ApiError, errorBody, handleError } from './core/errors.ts';
import { newId } from './core/ids.ts';
import { createRouter } from './http/router.ts';
import { healthRoutes, VERSION } from './routes/health.ts';
import { costRoutes } from './routes/costs.ts';
import { exportPresetRoutes } from './routes/export-presets.ts';
import { jobRoutes } from './routes/jobs.ts';
import { libraryClipRoutes } from './routes/library-clips.ts';
import { libraryGenerationRoutes } from './routes/library-generation.ts';
import { libraryRenderRoutes } from './routes/library-render.ts';
import { libraryProjectRoutes } from './routes/library-projects.ts';
import { postizRoutes } from './routes/postiz.ts';
import { mediaRoutes } from './routes/media.ts';
import { profileRoutes } from './routes/profiles.ts';
import { segmentRoutes } from './routes/segments.ts';
import { sourceVideoRoutes } from './routes/source-videos.ts';
import { analyzeRoutes } from './routes/analyze.ts';
import { detectVoiceRoutes } from './routes/detect-voice.ts';
import { libraryGenerateRoutes } from './routes/library-generate.ts';
import { muteVoiceRoutes } from './routes/mute-voice.ts';
import { pipelineJobRoutes } from './routes/pipeline-jobs.ts';
import { ttsRoutes } from './routes/tts.ts';
import { usageRoutes } from './routes/usage.ts';
import { videoInfoRoutes } from './routes/video-info.ts';

export const MAX_JSON_BODY_BYTES = 1024 * 1024;

const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header('X-Request-Id');
  const id = incoming && /^[A-Za-z0-9._:-]{8,64}$/.test(incoming) ? incoming : newId('request');
  c.set('requestId', id);
  await next();
  c.res.headers.set('X-Request-Id', id);
});

/** JSON, form and text bodies are bounded; media uploads stream and enforce their own limits. */
const boundedBodies = createMiddleware<AppEnv>(async (c, next) => {
  // Signed media PUTs carry files of any type (SRT, JSON, …) with limits signed into their URL.
  if (c.req.path.startsWith('/media/')) return next();
  const type = c.req.header('Content-Type') ?? '';
  if (/^(application\/json|application\/x-www-form-urlencoded|text\/)/i.test(type)) {
    return bodyLimit({
      maxSize: MAX_JSON_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `Request body exceeds ${MAX_JSON_BODY_BYTES} bytes`);
      },
    })(c, next);
  }
  await next();
});

const isProfilesApi = (path: string) => path === '/api/v1/profiles' || path.startsWith('/api/v1/profiles/');

export function createApp() {
  const app = createRouter();

  app.use('*', requestId);
  app.use(
    '*',
    cors({
      origin: (origin, c) => {
        const allowed = (c.env as AppEnv['Bindings']).ALLOWED_ORIGINS || '*';
        if (allowed === '*') return origin || '*';
        return allowed.split(',').map((s) => s.trim()).includes(origin) ? origin : null;
      },
      allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Origin', 'X-Requested-With', 'X-Profile-Id', 'Idempotency-Key', 'Range'],
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: ['Content-Disposition', 'Content-Range', 'Content-Length', 'Accept-Ranges', 'X-Request-Id', 'X-Next-Cursor', 'Link', 'Idempotent-Replayed', 'ETag'],
      maxAge: 600,
    }),
  );
  app.use('*', boundedBodies);
  app.onError(handleError);
  app.notFound((c) => c.json(errorBody(c.get('requestId'), 'not_found', `No route for ${c.req.method} ${c.req.path}`), 404));

  app.get('/', (c) => c.json({ name: 'Cutroom', version: VERSION, docs: '/docs', openapi: '/openapi.json', api: '/api/v1' }));
  // Every API route needs a user; every one but the profiles API acts inside a verified profile.
  app.use('/api/v1/*', requireUser);
  app.use('/api/v1/*', async (c, next) => (isProfilesApi(c.req.path) ? next() : requireProfile(c, next)));

  app.route('/', healthRoutes());
  app.route('/api/v1/profiles', profileRoutes());
  app.route('/api/v1/jobs', jobRoutes());
  app.route('/api/v1/jobs', pipelineJobRoutes());
  app.route('/api/v1', costRoutes());
  app.route('/api/v1', usageRoutes());
  app.route('/api/v1', detectVoiceRoutes());
  app.route('/api/v1', muteVoiceRoutes());
  app.route('/api/v1', analyzeRoutes());
  app.route('/api/v1', videoInfoRoutes());
  app.route('/api/v1', ttsRoutes());
  app.route('/api/v1/library', libraryGenerateRoutes());
  app.route('/api/v1/library', libraryProjectRoutes());
  app.route('/api/v1/library', libraryClipRoutes());
  app.route('/api/v1/library', libraryGenerationRoutes());
  app.route('/api/v1/library', libraryRenderRoutes());
  app.route('/api/v1/library', exportPresetRoutes());
  app.route('/api/v1/postiz', postizRoutes());
  app.route('/api/v1/segments/source-videos', sourceVideoRoutes());
  // After the source-video router, as the original declared them (its paths win over `/{id}`).
  app.route('/api/v1/segments', segmentRoutes());
  app.route('/media', mediaRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'User token (HS256 or RS256/ES256) with `sub` and `exp`. `npm run token` mints one locally.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Cutroom API',
      version: VERSION,
      description:
        'Multi-tenant video studio backend. Every resource belongs to one profile (brand); pick it with `X-Profile-Id` (default: your default profile). Errors share one shape: `{error:{code,message,request_id,details?}}`.',
    },
    servers: [{ url: '/' }],
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Cutroom API reference' }));

  return app;
}

export type App = ReturnType<typeof createApp>;
