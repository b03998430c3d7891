/**
 * The typed client (`src/client.ts`, `hc<App>`) as a front-end developer uses it, against the Worker
 * under test. Two kinds of checks:
 * - types, checked by `npm run typecheck` (this file is part of the Worker's tsconfig): every route
 *   the app registers is listed in `everyRoute`, and the list must satisfy the client's route type,
 *   so a route that drops out of the type fails the typecheck; responses and bodies have the fields
 *   and types the routes declare (`expectTypeOf`);
 * - behaviour, checked by vitest: the list is exactly the app's registered routes (a new route must
 *   be added), and calls through the client reach the routes with the token and the profile.
 */
import { exports } from 'cloudflare:workers';
import type { InferRequestType, InferResponseType } from 'hono/client';
import type { ExtractSchema } from 'hono/types';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { createApp } from '../../src/app.ts';
import { createClient } from '../../src/client.ts';
import type { ErrorCode } from '../../src/core/errors.ts';
import { withoutGrammars } from '../../src/http/route-paths.ts';
import { seedUser } from '../helpers/worker/tenants.ts';

type Routes = ExtractSchema<App>;
/** `get /api/v1/segments/:id`: every method and path the client type knows. */
type RouteKey = {
  [P in keyof Routes & string]: {
    [M in keyof Routes[P] & string]: M extends `$${infer Method}` ? `${Method} ${P}` : never;
  }[keyof Routes[P] & string];
}[keyof Routes & string];

const everyRoute = [
  'get /dev/sign-in',
  'post /dev/sign-in',
  'delete /api/v1/jobs/:job_id',
  'patch /api/v1/jobs/:job_id',
  'delete /api/v1/library/clips/:clip_id',
  'delete /api/v1/library/clips/:clip_id/purge',
  'delete /api/v1/library/projects/:project_id',
  'delete /api/v1/postiz/config',
  'delete /api/v1/profiles/:profile_id',
  'delete /api/v1/segments/:id',
  'delete /api/v1/segments/source-videos/:id',
  'get /',
  'get /api/v1/costs',
  'get /api/v1/costs/all',
  'get /api/v1/gemini/status',
  'get /api/v1/jobs',
  'get /api/v1/jobs/:job_id',
  'get /api/v1/jobs/:job_id/download',
  'get /api/v1/jobs/:job_id/events',
  'get /api/v1/library/all-clips',
  'get /api/v1/library/clips/:clip_id',
  'get /api/v1/library/export-presets',
  'get /api/v1/library/projects',
  'get /api/v1/library/projects/:project_id',
  'get /api/v1/library/projects/:project_id/clips',
  'get /api/v1/library/projects/:project_id/progress',
  'get /api/v1/postiz/clips/:clip_id/publications',
  'get /api/v1/postiz/config',
  'get /api/v1/postiz/integrations',
  'get /api/v1/postiz/publish/:job_id/progress',
  'get /api/v1/postiz/status',
  'get /api/v1/profiles',
  'get /api/v1/profiles/:profile_id',
  'get /api/v1/segments',
  'get /api/v1/segments/:id',
  'get /api/v1/segments/:id/stream',
  'get /api/v1/segments/projects/:project_id/segments',
  'get /api/v1/segments/source-videos',
  'get /api/v1/segments/source-videos/:id',
  'get /api/v1/segments/source-videos/:id/segments',
  'get /api/v1/segments/source-videos/:id/stream',
  'get /api/v1/segments/source-videos/:id/upload',
  'get /api/v1/segments/source-videos/:id/upload/parts',
  'get /api/v1/segments/source-videos/:id/voice',
  'get /api/v1/segments/source-videos/:id/waveform',
  'get /api/v1/tts/:job_id/download',
  'get /api/v1/usage',
  'get /docs',
  'get /health',
  'get /health/ready',
  'get /media/:token',
  'get /media/:token/:filename',
  'get /openapi.json',
  'patch /api/v1/library/clips/:clip_id',
  'patch /api/v1/library/clips/:clip_id/select',
  'patch /api/v1/library/projects/:project_id',
  'patch /api/v1/profiles/:profile_id',
  'patch /api/v1/segments/:id',
  'patch /api/v1/segments/source-videos/:id',
  'post /api/v1/analyze',
  'post /api/v1/detect-voice',
  'post /api/v1/jobs',
  'post /api/v1/jobs/:job_id/cancel',
  'post /api/v1/jobs/multi-video',
  'post /api/v1/library/clips/:clip_id/content/copy-from/:source_clip_id',
  'post /api/v1/library/clips/:clip_id/remove-audio',
  'post /api/v1/library/clips/:clip_id/render',
  'post /api/v1/library/clips/:clip_id/restore',
  'post /api/v1/library/clips/bulk-delete',
  'post /api/v1/library/clips/bulk-render',
  'post /api/v1/library/clips/bulk-select',
  'post /api/v1/library/projects',
  'post /api/v1/library/projects/:project_id/cancel',
  'post /api/v1/library/projects/:project_id/generate',
  'post /api/v1/library/projects/:project_id/generate-from-segments',
  'post /api/v1/mute-voice',
  'post /api/v1/postiz/bulk-publish',
  'post /api/v1/postiz/bulk-upload',
  'post /api/v1/postiz/publications/refresh',
  'post /api/v1/postiz/publish',
  'post /api/v1/postiz/upload',
  'post /api/v1/profiles',
  'post /api/v1/profiles/:profile_id/set-default',
  'get /api/v1/profiles/:profile_id/retention/preview',
  'get /api/v1/profiles/:profile_id/brand-kit',
  'put /api/v1/profiles/:profile_id/brand-kit',
  'delete /api/v1/profiles/:profile_id/brand-kit',
  'put /api/v1/profiles/:profile_id/brand-kit/logo',
  'delete /api/v1/profiles/:profile_id/brand-kit/logo',
  'get /api/v1/segments/source-videos/:id/preview.gif',
  'get /api/v1/segments/source-videos/:id/storyboard',
  'get /api/v1/segments/source-videos/:id/storyboard.jpg',
  'get /api/v1/segments/source-videos/:id/storyboard.vtt',
  'get /api/v1/segments/source-videos/:id/thumbnail',
  'delete /api/v1/postiz/publications/:publication_id',
  'get /api/v1/postiz/find-slot',
  'get /api/v1/postiz/publications/:publication_id/analytics',
  'post /api/v1/postiz/publications/:publication_id/approve',
  'post /api/v1/postiz/publications/:publication_id/cancel',
  'post /api/v1/segments/:id/extract',
  'post /api/v1/segments/:id/favorite',
  'post /api/v1/segments/match-srt',
  'post /api/v1/segments/projects/:project_id/assign',
  'post /api/v1/segments/source-videos',
  'post /api/v1/segments/source-videos/:id/abort',
  'post /api/v1/segments/source-videos/:id/complete',
  'post /api/v1/segments/source-videos/:id/segments',
  'post /api/v1/segments/source-videos/uploads',
  'post /api/v1/segments/source-videos/imports',
  'post /api/v1/tts/add-to-videos',
  'post /api/v1/tts/generate',
  'post /api/v1/video-info',
  'put /api/v1/library/clips/:clip_id/content',
  'put /api/v1/postiz/config',
  'put /api/v1/profiles/:profile_id',
  'post /api/v1/segments/source-videos/:id/transcribe',
  'post /api/v1/library/clips/:clip_id/transcribe',
  'get /api/v1/transcripts',
  'get /api/v1/transcripts/:transcript_id',
  'get /api/v1/transcripts/:transcript_id/srt',
  'patch /api/v1/transcripts/:transcript_id',
  'delete /api/v1/transcripts/:transcript_id',
  'delete /api/v1/webhooks/:webhook_id',
  'get /api/v1/webhooks',
  'get /api/v1/webhooks/:webhook_id',
  'get /api/v1/webhooks/:webhook_id/deliveries',
  'get /api/v1/webhooks/:webhook_id/deliveries/:delivery_id',
  'patch /api/v1/webhooks/:webhook_id',
  'post /api/v1/webhooks',
  'post /api/v1/webhooks/:webhook_id/deliveries/:delivery_id/replay',
  'post /api/v1/webhooks/:webhook_id/rotate-secret',
  'put /media/:token',
] as const satisfies readonly RouteKey[];

/** The Worker under test as the client's `fetch`. */
const worker: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
const base = 'http://cutroom.test';

describe('the typed client', () => {
  it('knows every route the app registers, and no other', () => {
    const registered = createApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${withoutGrammars(r.path)}`);
    expect([...new Set(registered)].sort()).toEqual([...everyRoute].sort());
  });

  it('types params, bodies, responses and errors the way the routes declare them', async () => {
    const user = await seedUser('client');
    const api = createClient(base, { token: user.token, profileId: user.profileId, fetch: worker });

    type CreateUpload = (typeof api.api.v1.segments)['source-videos']['uploads']['$post'];
    expectTypeOf<InferRequestType<CreateUpload>['json']['size_bytes']>().toEqualTypeOf<number>();
    const created = await api.api.v1.segments['source-videos'].uploads.$post({
      json: { name: 'Typed', size_bytes: 1000, content_type: 'video/mp4' },
    });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    const { source_video, upload } = await created.json();
    expectTypeOf(source_video.id).toEqualTypeOf<string>();
    expect(upload.method).toBe('PUT');
    if (upload.method === 'PUT') expectTypeOf(upload.upload_url).toEqualTypeOf<string>();

    const got = await api.api.v1.segments['source-videos'][':id'].$get({ param: { id: source_video.id } });
    expect(got.status).toBe(200);
    if (got.status === 200) expect((await got.json()).name).toBe('Typed');

    const missing = await api.api.v1.segments[':id'].$get({ param: { id: `seg_${'0'.repeat(26)}` } });
    expect(missing.status).toBe(404);
    if (missing.status === 404) {
      const { error } = await missing.json();
      expectTypeOf(error.code).toEqualTypeOf<ErrorCode>();
      expect(error.code).toBe('not_found');
    }
    if (missing.status === 200) expectTypeOf((await missing.json()).start_time).toEqualTypeOf<number>();

    const list = await api.api.v1.jobs.$get({ query: {} });
    expect(list.status).toBe(200);
    if (list.status === 200) expect((await list.json()).jobs).toEqual([]);
  });

  it('types the streamed job routes: path, JSON body and the 202 job', async () => {
    const user = await seedUser('client');
    const api = createClient(base, { token: () => user.token, fetch: worker });
    type Process = typeof api.api.v1.jobs.$post;
    expectTypeOf<InferRequestType<Process>['json']>().toHaveProperty('source_video_id');
    expectTypeOf<InferResponseType<Process, 202>>().toHaveProperty('job_id').toEqualTypeOf<string>();
    expectTypeOf<InferResponseType<Process, 202>>().toHaveProperty('estimated_cost_usd').toEqualTypeOf<number>();
    type Generate = (typeof api.api.v1.library.projects)[':project_id']['generate']['$post'];
    expectTypeOf<InferRequestType<Generate>['param']>().toEqualTypeOf<{ project_id: string }>();
    expectTypeOf<InferResponseType<Generate, 202>['status']>().toEqualTypeOf<'generating'>();

    // The default profile (no profileId) and a token from a function; an unknown video is a 404.
    const res = await api.api.v1.jobs.$post({ json: { source_video_id: `vid_${'0'.repeat(26)}` } });
    expect(res.status).toBe(404);
    if (res.status === 404) expect((await res.json()).error.code).toBe('not_found');
  });

  it('sends no credentials when given none', async () => {
    const api = createClient(base, { fetch: worker });
    const res = await api.api.v1.profiles.$get();
    expect(res.status).toBe(401);
    const root = await api.index.$get();
    expectTypeOf((await root.json()).api).toEqualTypeOf<'/api/v1'>();
  });
});
