/**
 * What creating and editing a segment share: keyword and time rules, transforms, and the thumbnail
 * job a new cut gets.
 */
import { z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import type { SegmentRow } from '../../db/repos/segments.ts';
import type { SegmentTransforms } from '../../db/schema.ts';
import type { TenantContext } from '../../http/context.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import type { SegmentTransformsSchema } from './presenter.ts';
import { textField } from '../../core/names.ts';

export const tags = ['Segments'];
export const MAX_KEYWORDS = 50;
export const MAX_KEYWORD_LENGTH = 100;
export const MAX_ASSIGNED_SEGMENTS = 500;
/** Shorter cuts are not worth a segment (and are below a frame or two at common rates). */
export const MIN_SEGMENT_SECONDS = 0.1;
/** Float noise allowed past the probed duration. */
const DURATION_TOLERANCE = 0.001;

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

export const Keywords = z
  .array(z.string().trim().max(MAX_KEYWORD_LENGTH, `each keyword must be at most ${MAX_KEYWORD_LENGTH} characters`))
  .max(MAX_KEYWORDS, `at most ${MAX_KEYWORDS} keywords`)
  .openapi({
    description: `Up to ${MAX_KEYWORDS} keywords of at most ${MAX_KEYWORD_LENGTH} characters; trimmed and de-duplicated`,
  });
export const Notes = textField(5000).nullable();
export const Time = z.number().min(0).max(1e7);

/** 0 ≤ start < end ≤ duration, and the cut at least MIN_SEGMENT_SECONDS long; 400 with field paths. */
export function checkTimes(start: number, end: number, videoDuration: number) {
  const issues: { path: string; message: string }[] = [];
  if (end <= start) issues.push({ path: 'end_time', message: `must be greater than start_time (${start})` });
  else if (end - start < MIN_SEGMENT_SECONDS)
    issues.push({ path: 'end_time', message: `the segment must last at least ${MIN_SEGMENT_SECONDS} s` });
  if (start >= videoDuration)
    issues.push({ path: 'start_time', message: `must be before the end of the video (${videoDuration} s)` });
  if (end > videoDuration + DURATION_TOLERANCE)
    issues.push({ path: 'end_time', message: `must not exceed the video's duration (${videoDuration} s)` });
  if (issues.length) {
    throw new ApiError(400, 'validation_failed', `Invalid segment times: ${issues[0]!.path}: ${issues[0]!.message}`, {
      details: issues,
    });
  }
}

export const toTransforms = (
  t: z.infer<typeof SegmentTransformsSchema> | null | undefined,
): SegmentTransforms | null =>
  t && (t.flip_horizontal || t.rotate)
    ? { ...(t.flip_horizontal ? { flip_horizontal: true } : {}), ...(t.rotate ? { rotate: t.rotate } : {}) }
    : null;

export const sameTransforms = (a: SegmentTransforms | null, b: SegmentTransforms | null) =>
  Boolean(a?.flip_horizontal) === Boolean(b?.flip_horizontal) && (a?.rotate ?? 0) === (b?.rotate ?? 0);

/** Thumbnails are tiny and must never make segment editing answer 429: no per-profile limit. */
export async function queueThumbnail(c: TenantContext, segment: SegmentRow) {
  try {
    await enqueueJob(
      c.get('scope'),
      c.env,
      'segment_thumbnail',
      { segment_id: segment.id },
      {
        resourceType: 'segment',
        resourceId: segment.id,
        step: 'Queued for thumbnail',
        exempt: true,
      },
    );
  } catch (err) {
    // The segment stands without a thumbnail; editing its times or extracting it queues another.
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'segment thumbnail not queued',
        segment_id: segment.id,
        error: String(err),
      }),
    );
  }
}
