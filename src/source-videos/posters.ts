/**
 * Posters (one frame at any time) and storyboards (a sprite sheet of tiles plus the WebVTT that
 * points into it, as Mux serves them) of a ready source video. Both are made by the processor on
 * the first request (the storyboard already when the upload is probed) and kept in R2 under the
 * video's prefix, so later requests, and every other client, are served from storage without media
 * work; deleting the video removes them with it. Simultaneous first requests make an image once
 * (made-once.ts).
 */
import { MAX_STORYBOARD_TILES } from '../../shared/processor/operations.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError, conflict } from '../core/errors.ts';
import type { SourceVideoSummary } from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import { processorClient } from '../processor/connect.ts';
import type { ProcessorClient } from '../processor/contract.ts';
import { ProcessorError } from '../processor/errors.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { storageKeys } from '../storage/keys.ts';
import { type MadeImage, type MakeOptions, makeOnce } from './made-once.ts';

/** Poster widths a caller may ask for (a small set, so the cache stays small). */
export const POSTER_WIDTHS = [160, 320, 640, 1280] as const;
export type PosterWidth = (typeof POSTER_WIDTHS)[number];
export const DEFAULT_POSTER_WIDTH: PosterWidth = 640;

export const STORYBOARD_TILE_WIDTH = 160;
export const STORYBOARD_COLUMNS = 10;
/** Shortest time between two storyboard tiles, seconds. */
export const MIN_STORYBOARD_INTERVAL = 1;
/**
 * From this interval on (videos over 400 s), tiles are keyframes (the last at or before each tile
 * time): the processor decodes keyframes only, so the first request does not wait for a full decode.
 */
export const KEYFRAME_STORYBOARD_INTERVAL = 5;

/** A frame rate to fall back on when the probe found none (25 fps: 40 ms frames). */
const FALLBACK_FPS = 25;
/** Float noise allowed past the probed duration. */
const DURATION_TOLERANCE = 0.001;

/** The metadata a poster or storyboard needs; 409 while the video is not ready. */
export interface ReadyVideo {
  id: string;
  duration: number;
  fps: number;
  width: number;
  height: number;
}

export function readyVideo(row: SourceVideoSummary): ReadyVideo {
  if (row.status !== 'ready' || !row.duration || !row.width || !row.height)
    throw conflict(`Posters and storyboards are available once the video is ready (status ${row.status})`);
  const fps = row.fps && row.fps > 0 ? row.fps : FALLBACK_FPS;
  return { id: row.id, duration: row.duration, fps, width: row.width, height: row.height };
}

// ─── Posters ─────────────────────────────────────────────────────────────────────────────────

export interface PosterFrame {
  /** Index of the frame shown at the asked time (the last frame that starts at or before it). */
  frame: number;
  /** When that frame starts, seconds. */
  time: number;
  width: PosterWidth;
  /** The R2 object's name under the video's `posters/`: one per (frame, width). */
  name: string;
}

/** The frame a poster at `time` shows; 400 when `time` is past the end of the video. */
export function posterFrame(video: ReadyVideo, time: number, width: PosterWidth, field = 'time'): PosterFrame {
  if (!(time >= 0) || time > video.duration + DURATION_TOLERANCE) {
    throw new ApiError(400, 'validation_failed', `Invalid query: ${field}: must be within 0–${video.duration} s`, {
      details: [{ path: field, message: `must be within the video's duration (0–${video.duration} s)` }],
    });
  }
  const last = Math.max(0, Math.ceil(video.duration * video.fps - 1e-6) - 1);
  // 1e-6: a time written as the frame's own start (e.g. 0.1 at 10 fps) is that frame, not the one before.
  const frame = Math.min(last, Math.floor(time * video.fps + 1e-6));
  return { frame, time: frame / video.fps, width, name: `f${frame}-w${width}.jpg` };
}

/** Where the processor should seek for `frame`: half a frame early, so rounding never lands on the next one. */
export function seekTimeOf(video: ReadyVideo, frame: number): number {
  return Math.max(0, (frame - 0.5) / video.fps);
}

/**
 * The R2 key of the poster for `at`, made by the processor when it is not stored yet (once, however
 * many requests ask at the same time). `made` tells whether this call made it.
 */
export async function ensurePoster(
  env: Bindings,
  scope: ProfileScope,
  video: ReadyVideo,
  at: PosterFrame,
): Promise<MadeImage> {
  const key = storageKeys.sourcePoster(scope, video.id, at.name);
  return makeOnce(env, scope, key, () =>
    runProcessor(async () =>
      processorClient(env).run('thumbnail', {
        input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
        time: seekTimeOf(video, at.frame),
        width: at.width,
        output: await mediaOutput(env, scope, { kind: 'source_poster', id: video.id, name: at.name }, 'image/jpeg'),
      }),
    ),
  );
}

// ─── Animated previews ───────────────────────────────────────────────────────────────────────

/** An animated preview: this long at most, this wide, this many frames a second (a GIF of ~100–300 KB). */
export const PREVIEW_SECONDS = 3;
export const PREVIEW_WIDTH = 320;
export const PREVIEW_FPS = 10;

/** The preview from `start` (rounded down to a frame, as a poster), cached per frame. */
export function previewFrame(video: ReadyVideo, start: number): PosterFrame & { duration: number } {
  const at = posterFrame(video, start, PREVIEW_WIDTH, 'start');
  const duration = Math.max(0.1, Math.min(PREVIEW_SECONDS, video.duration - at.time));
  return { ...at, name: `preview-f${at.frame}-w${PREVIEW_WIDTH}.gif`, duration };
}

/** The R2 key of the animated preview `at`, made by the processor (once) when it is not stored yet. */
export async function ensurePreview(
  env: Bindings,
  scope: ProfileScope,
  video: ReadyVideo,
  at: ReturnType<typeof previewFrame>,
): Promise<MadeImage> {
  const key = storageKeys.sourcePoster(scope, video.id, at.name);
  return makeOnce(env, scope, key, () =>
    runProcessor(async () =>
      processorClient(env).run('preview', {
        input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
        start: seekTimeOf(video, at.frame),
        duration: at.duration,
        width: PREVIEW_WIDTH,
        fps: PREVIEW_FPS,
        output: await mediaOutput(env, scope, { kind: 'source_poster', id: video.id, name: at.name }, 'image/gif'),
      }),
    ),
  );
}

// ─── Storyboards ─────────────────────────────────────────────────────────────────────────────

export interface StoryboardTile {
  /** Seconds: the tile stands for [start, end). */
  start: number;
  end: number;
  x: number;
  y: number;
}

export interface StoryboardPlan {
  /** Seconds between tiles: at least MIN_STORYBOARD_INTERVAL, more for long videos so the count stays bounded. */
  interval: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** The sprite's size in pixels. */
  width: number;
  height: number;
  /** Tiles are keyframes near their time rather than the exact frame (long videos). */
  keyframesOnly: boolean;
  tiles: StoryboardTile[];
}

const even = (n: number) => Math.max(16, 2 * Math.round(n / 2));

/**
 * The storyboard's geometry, from the video's metadata alone: the processor draws the sprite to
 * it, and the VTT is written from it, so both agree without storing anything else.
 */
export function storyboardPlan(video: ReadyVideo): StoryboardPlan {
  const interval = Math.max(MIN_STORYBOARD_INTERVAL, Math.ceil(video.duration / MAX_STORYBOARD_TILES));
  // Only times a frame is shown at: the last frame starts one frame before the end.
  const lastFrameStart = Math.max(0, video.duration - 1 / video.fps);
  const count = Math.min(MAX_STORYBOARD_TILES, Math.floor(lastFrameStart / interval + 1e-6) + 1);
  const columns = Math.min(STORYBOARD_COLUMNS, count);
  const rows = Math.ceil(count / columns);
  const tileWidth = STORYBOARD_TILE_WIDTH;
  // Display aspect (rotation applied), bounded so a very tall video still fits the processor's limits.
  const tileHeight = Math.min(640, even((tileWidth * video.height) / video.width));
  const tiles = Array.from({ length: count }, (_, i) => ({
    start: i * interval,
    end: i === count - 1 ? video.duration : (i + 1) * interval,
    x: (i % columns) * tileWidth,
    y: Math.floor(i / columns) * tileHeight,
  }));
  return {
    interval,
    columns,
    rows,
    tileWidth,
    tileHeight,
    width: columns * tileWidth,
    height: rows * tileHeight,
    keyframesOnly: interval >= KEYFRAME_STORYBOARD_INTERVAL,
    tiles,
  };
}

/**
 * The R2 key of the video's storyboard sprite, made by the processor (once) when it is not stored
 * yet. The probe job passes its own processor (placement, cancellation) and does not wait for a
 * request that is making it already.
 */
export async function ensureStoryboard(
  env: Bindings,
  scope: ProfileScope,
  video: ReadyVideo,
  plan: StoryboardPlan,
  via: { processor?: ProcessorClient } & MakeOptions = {},
): Promise<MadeImage> {
  const key = storageKeys.sourceStoryboard(scope, video.id);
  const processor = via.processor ?? processorClient(env);
  return makeOnce(
    env,
    scope,
    key,
    () =>
      runProcessor(async () =>
        processor.run('storyboard', {
          input: await mediaInput(env, scope, { kind: 'source_video', id: video.id }),
          interval: plan.interval,
          count: plan.tiles.length,
          columns: plan.columns,
          tile_width: plan.tileWidth,
          tile_height: plan.tileHeight,
          keyframes_only: plan.keyframesOnly,
          output: await mediaOutput(env, scope, { kind: 'source_storyboard', id: video.id }, 'image/jpeg'),
        }),
      ),
    { waitMs: via.waitMs },
  );
}

/** `HH:MM:SS.mmm`, WebVTT's timestamp. */
export function vttTimestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** The WebVTT thumbnails track: one cue per tile, its text `<sprite URL>#xywh=x,y,w,h` (media fragment). */
export function storyboardVtt(plan: StoryboardPlan, spriteUrl: string): string {
  const cues = plan.tiles.map(
    (t) =>
      `${vttTimestamp(t.start)} --> ${vttTimestamp(t.end)}\n${spriteUrl}#xywh=${t.x},${t.y},${plan.tileWidth},${plan.tileHeight}`,
  );
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}

// ─── Processor failures ──────────────────────────────────────────────────────────────────────

/** A processor call made while a request waits: its failures as API errors (never a 500). */
async function runProcessor<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ProcessorError)) throw err;
    if (err.code === 'invalid_media' || err.code === 'unsupported_codec' || err.code === 'no_video_stream')
      throw new ApiError(400, 'invalid_media', `The video could not be decoded there: ${err.message}`);
    throw new ApiError(503, 'unavailable', 'The media processor is unavailable; try again shortly', {
      headers: { 'Retry-After': '5' },
    });
  }
}
