/**
 * GET /api/v1/segments/source-videos/{id}/thumbnail?time=&width=: a JPEG poster at any time, and
 * the storyboard (sprite + WebVTT thumbnails track, as Mux serves them) for scrubbing in a player.
 * Made by the processor on the first request (the storyboard when the upload is probed), once
 * however many requests ask at the same time, and served from R2 afterwards (source-videos/posters.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Bindings } from '../../core/env.ts';
import { THUMBNAIL_URL_TTL_SECONDS } from '../../core/limits.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { conflictResponse, errorResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import type { TenantContext } from '../../http/context.ts';
import { ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import {
  DEFAULT_POSTER_WIDTH,
  POSTER_WIDTHS,
  type PosterWidth,
  PREVIEW_FPS,
  PREVIEW_SECONDS,
  PREVIEW_WIDTH,
  type ReadyVideo,
  ensurePoster,
  ensurePreview,
  ensureStoryboard,
  posterFrame,
  previewFrame,
  readyVideo,
  storyboardPlan,
  storyboardVtt,
} from '../../source-videos/posters.ts';
import { serveObject } from '../../storage/serve-object.ts';
import { signedMediaUrl } from '../../storage/signed-urls.ts';
import { tags } from './presenter.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

/** Posters and sprites never change for a video (it cannot be replaced): a browser may keep them. */
const IMAGE_MAX_AGE_SECONDS = 3600;
/** The VTT names signed sprite URLs, which expire: a cache keeps it for a fraction of their life. */
const VTT_MAX_AGE_SECONDS = 300;

const PosterQuery = z.object({
  // A string piped into a number: the document then lists `time` as required, as it is.
  time: z
    .string()
    .transform(Number)
    .pipe(z.number().min(0).max(1e7))
    .openapi({ type: 'number', minimum: 0, description: "Seconds from the start, within the video's duration" }),
  width: z
    .enum(POSTER_WIDTHS.map(String) as [string, ...string[]])
    .default(String(DEFAULT_POSTER_WIDTH))
    .openapi({ description: `Width in pixels, one of ${POSTER_WIDTHS.join(', ')} (height keeps the aspect ratio)` }),
});

const PreviewQuery = z.object({
  start: z.coerce
    .number()
    .min(0)
    .max(1e7)
    .default(0)
    .openapi({ description: "Seconds from the start, within the video's duration (default 0)" }),
});

const StoryboardResponse = z
  .object({
    source_video_id: z.string(),
    duration: z.number(),
    interval: z.number().openapi({ description: 'Seconds between tiles' }),
    tile_width: z.number().int(),
    tile_height: z.number().int(),
    columns: z.number().int(),
    rows: z.number().int(),
    sprite_width: z.number().int(),
    sprite_height: z.number().int(),
    sprite_url: z.string().openapi({ description: 'Signed URL of the sprite sheet (JPEG), for `<img src>`' }),
    expires_at: z.string().openapi({ description: 'When `sprite_url` (and each tile `url`) stops working' }),
    tiles: z
      .array(
        z.object({
          start: z.number(),
          end: z.number(),
          x: z.number().int(),
          y: z.number().int(),
          url: z.string().openapi({ description: '`sprite_url#xywh=x,y,w,h`, as a WebVTT thumbnails cue says' }),
        }),
      )
      .openapi({ description: 'In time order; together they cover 0 – duration' }),
  })
  .openapi('Storyboard');

/** What every route here may also answer: each image is made by the processor on the first request. */
const madeOnRequest = {
  ...errorResponses,
  ...conflictResponse,
  503: errorResponse(
    503,
    'The media processor is unavailable, or another request is still making this image after a few seconds (`Retry-After`)',
  ),
};

const binary = { schema: z.string().openapi({ format: 'binary' }) };

/** A stored image, served as every media route serves it (`Range`, `ETag`). */
const imageResponses = <C extends Record<string, typeof binary>>(description: string, content: C) => ({
  200: { description, content },
  206: { description: 'A byte range of it' },
  304: { description: 'Not modified (`If-None-Match`)' },
  ...madeOnRequest,
});

/**
 * A stored image served as every media route serves it (`Range`, `ETag`), saying whether this
 * request made it (`X-Poster|X-Preview|X-Storyboard: made|stored`) and, for a frame, when it starts.
 */
async function serveImage(
  c: TenantContext,
  image: { key: string; made: boolean },
  what: 'Poster' | 'Preview' | 'Storyboard',
  contentType: 'image/jpeg' | 'image/gif',
  frameTime?: number,
): Promise<Response> {
  const res = await serveObject(c.env.MEDIA, image.key, c.req.raw, {
    what,
    contentType,
    maxAgeSeconds: IMAGE_MAX_AGE_SECONDS,
  });
  if (frameTime !== undefined) res.headers.set('X-Frame-Time', frameTime.toFixed(3));
  res.headers.set(`X-${what}`, image.made ? 'made' : 'stored');
  return res;
}

/** The storyboard's plan and a signed URL of its sprite, made first if it is not stored yet. */
async function storyboard(env: Bindings, scope: ProfileScope, video: ReadyVideo) {
  const plan = storyboardPlan(video);
  await ensureStoryboard(env, scope, video, plan);
  const sprite = await signedMediaUrl(
    env,
    scope,
    { kind: 'source_storyboard', id: video.id },
    { ttlSeconds: THUMBNAIL_URL_TTL_SECONDS },
  );
  return { plan, sprite };
}

export function sourceVideoPosterRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideoThumbnail',
        path: '/{id}/thumbnail',
        tags,
        security,
        summary: 'A poster (JPEG) at any time',
        description:
          'The frame shown at `time` (the last one starting at or before it), `width` pixels wide. Made by the processor on the first request for that frame and width (once: simultaneous first requests wait for it), then served from storage (`X-Poster: made|stored`); `X-Frame-Time` is when that frame starts. 400 for a time past the end of the video; 409 until the video is ready. `ETag`/`If-None-Match` and `Range` as every media route.',
        request: { params: VideoIdParam, query: PosterQuery },
        responses: imageResponses('The poster', { 'image/jpeg': binary }),
      }),
      async (c) => {
        const scope = c.get('scope');
        const video = readyVideo(await ownedSourceVideo(scope, c.req.valid('param').id));
        const query = c.req.valid('query');
        const at = posterFrame(video, query.time, Number(query.width) as PosterWidth);
        const poster = await ensurePoster(c.env, scope, video, at);
        return serveImage(c, poster, 'Poster', 'image/jpeg', at.time);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideoPreview',
        path: '/{id}/preview.gif',
        tags,
        security,
        summary: 'An animated preview (GIF) from any time',
        description: `${PREVIEW_SECONDS} s (less near the end) from \`start\`, ${PREVIEW_WIDTH} px wide at ${PREVIEW_FPS} fps, looping: a hover preview for a library grid. Made by the processor on the first request for that start frame (once: simultaneous first requests wait for it), then served from storage (\`X-Preview: made|stored\`). 400 for a start past the end; 409 until the video is ready.`,
        request: { params: VideoIdParam, query: PreviewQuery },
        responses: imageResponses('The preview', { 'image/gif': binary }),
      }),
      async (c) => {
        const scope = c.get('scope');
        const video = readyVideo(await ownedSourceVideo(scope, c.req.valid('param').id));
        const at = previewFrame(video, c.req.valid('query').start);
        const preview = await ensurePreview(c.env, scope, video, at);
        return serveImage(c, preview, 'Preview', 'image/gif', at.time);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideoStoryboard',
        path: '/{id}/storyboard',
        tags,
        security,
        summary: 'Storyboard: sprite sheet and tile geometry',
        description:
          'Tiles of 160 px wide every `interval` seconds (1 s, longer for videos over 100 s so there are at most 100), laid out 10 per row in one JPEG sprite. The sprite is made when the upload is probed (one decoding pass) and stored; should that have failed, the first request makes it. Players that take a WebVTT thumbnails track use `storyboard.vtt`; players that take JSON thumbnails (and `<img>` scrubbers) use `tiles`.',
        request: { params: VideoIdParam },
        responses: { 200: jsonContent(StoryboardResponse, 'The storyboard'), ...madeOnRequest },
      }),
      async (c) => {
        const scope = c.get('scope');
        const video = readyVideo(await ownedSourceVideo(scope, c.req.valid('param').id));
        const { plan, sprite } = await storyboard(c.env, scope, video);
        return c.json(
          {
            source_video_id: video.id,
            duration: video.duration,
            interval: plan.interval,
            tile_width: plan.tileWidth,
            tile_height: plan.tileHeight,
            columns: plan.columns,
            rows: plan.rows,
            sprite_width: plan.width,
            sprite_height: plan.height,
            sprite_url: sprite.url,
            expires_at: sprite.expiresAt,
            tiles: plan.tiles.map((t) => ({
              ...t,
              url: `${sprite.url}#xywh=${t.x},${t.y},${plan.tileWidth},${plan.tileHeight}`,
            })),
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideoStoryboardVtt',
        path: '/{id}/storyboard.vtt',
        tags,
        security,
        summary: 'Storyboard as a WebVTT thumbnails track',
        description:
          'One cue per tile whose text is the signed sprite URL with a `#xywh=x,y,w,h` fragment (as Mux serves storyboards), for players that read thumbnails tracks (Video.js, Vidstack, JW Player). The sprite URLs are signed for an hour: fetch the track again after that. Made when the upload is probed, as `storyboard`.',
        request: { params: VideoIdParam },
        responses: {
          200: { description: 'The track', content: { 'text/vtt': { schema: z.string() } } },
          304: { description: 'Not modified (`If-None-Match`)' },
          ...madeOnRequest,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const video = readyVideo(await ownedSourceVideo(scope, c.req.valid('param').id));
        const { plan, sprite } = await storyboard(c.env, scope, video);
        // Signed URLs are quantised (storage/signed-urls.ts), so the same track comes back within a step.
        const etag = `W/"sb-${video.id}-${Date.parse(sprite.expiresAt) / 1000}"`;
        const headers = {
          ETag: etag,
          'Cache-Control': `private, max-age=${VTT_MAX_AGE_SECONDS}`,
          'X-Content-Type-Options': 'nosniff',
        };
        if (
          c.req
            .header('If-None-Match')
            ?.split(',')
            .some((t) => t.trim() === etag)
        )
          return c.body(null, 304, headers);
        return c.body(storyboardVtt(plan, sprite.url), 200, { ...headers, 'Content-Type': 'text/vtt; charset=utf-8' });
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getSourceVideoStoryboardSprite',
        path: '/{id}/storyboard.jpg',
        tags,
        security,
        summary: 'Storyboard sprite sheet (JPEG)',
        description:
          'The sprite the storyboard tiles point into (Bearer token; the signed `sprite_url` serves the same bytes without one). Made when the upload is probed, as `storyboard`.',
        request: { params: VideoIdParam },
        responses: imageResponses('The sprite', { 'image/jpeg': binary }),
      }),
      async (c) => {
        const scope = c.get('scope');
        const video = readyVideo(await ownedSourceVideo(scope, c.req.valid('param').id));
        const sprite = await ensureStoryboard(c.env, scope, video, storyboardPlan(video));
        return serveImage(c, sprite, 'Storyboard', 'image/jpeg');
      },
    );
}
