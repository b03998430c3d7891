/**
 * What Gemini frame analysis produces and how it is judged: the segment shape and its JSON schema
 * (sent as `responseJsonSchema`), validation of the model's answer against the frames it saw, and
 * the greedy best-segment selection of the original (docs/compatibility.md#gemini-analysis) with a real time-overlap test.
 */
import { roundMs } from '../../shared/seconds.ts';
import { z } from 'zod';

/** The original's tag vocabulary; anything else the model invents is dropped. */
export const SEGMENT_TAGS = [
  'product_demo',
  'talking_head',
  'action',
  'tutorial',
  'before_after',
  'reveal',
  'emotional',
  'funny',
  'educational',
] as const;
export type SegmentTag = (typeof SEGMENT_TAGS)[number];

export interface AnalyzedSegment {
  /** Seconds from the start of the video. */
  start_time: number;
  end_time: number;
  /** Engagement score 0–100. */
  score: number;
  description: string;
  highlights: string[];
  tags: SegmentTag[];
}

/** Standard JSON Schema for `generationConfig.responseJsonSchema`. */
export const SEGMENTS_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['segments'],
  properties: {
    segments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['start_time', 'end_time', 'score', 'description', 'highlights', 'tags'],
        properties: {
          start_time: { type: 'number', minimum: 0, description: 'Seconds from the start of the video (absolute).' },
          end_time: { type: 'number', minimum: 0, description: 'Seconds from the start of the video (absolute).' },
          score: { type: 'integer', minimum: 0, maximum: 100 },
          description: { type: 'string' },
          highlights: { type: 'array', items: { type: 'string' } },
          tags: { type: 'array', items: { type: 'string', enum: [...SEGMENT_TAGS] } },
        },
      },
    },
  },
} as const;

const RawSegment = z.object({
  start_time: z.number(),
  end_time: z.number(),
  score: z.number(),
  description: z.string().default(''),
  highlights: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
});

/** Top level must be `{segments: [...]}`; individual bad segments are dropped, not fatal. */
export const RawSegmentsAnswer = z.object({ segments: z.array(z.unknown()) });

export interface TimeWindow {
  start: number;
  end: number;
}

export interface SegmentValidation {
  kept: AnalyzedSegment[];
  dropped: number;
}

/**
 * Validates the model's segments for one request. Times are taken as absolute (the prompt labels
 * every frame with its absolute time), so no batch offset is ever added. They are clamped to the
 * window the request covered (itself inside [0, duration]); a segment that ends up empty, or lies
 * wholly outside what the model was shown, is dropped.
 */
export function validateSegments(raw: readonly unknown[], window: TimeWindow): SegmentValidation {
  const known = new Set<string>(SEGMENT_TAGS);
  const kept: AnalyzedSegment[] = [];
  let dropped = 0;
  for (const item of raw) {
    const parsed = RawSegment.safeParse(item);
    if (!parsed.success) {
      dropped++;
      continue;
    }
    const seg = parsed.data;
    const start = roundMs(Math.min(Math.max(seg.start_time, window.start), window.end));
    const end = roundMs(Math.min(Math.max(seg.end_time, window.start), window.end));
    if (!(end > start)) {
      dropped++;
      continue;
    }
    const tags = [...new Set(seg.tags.map((t) => t.trim().toLowerCase()).filter((t) => known.has(t)))] as SegmentTag[];
    kept.push({
      start_time: start,
      end_time: end,
      score: Math.round(Math.min(100, Math.max(0, seg.score))),
      description: seg.description.trim(),
      highlights: seg.highlights.map((h) => h.trim()).filter(Boolean),
      tags,
    });
  }
  return { kept, dropped };
}

function overlaps(a: AnalyzedSegment, b: AnalyzedSegment): boolean {
  return a.start_time < b.end_time && b.start_time < a.end_time;
}

/**
 * Picks the strongest non-overlapping segments worth about `targetSeconds`: best score first,
 * skipping any that overlap a chosen one in time or would push the total past 1.2 × target, and
 * stopping once the target is reached. The result is in chronological order.
 */
export function selectBestSegments(
  segments: readonly AnalyzedSegment[],
  targetSeconds: number,
  minScore = 60,
): AnalyzedSegment[] {
  const candidates = segments
    .filter((s) => s.score >= minScore && s.end_time > s.start_time)
    .sort((a, b) => b.score - a.score || a.start_time - b.start_time);
  const chosen: AnalyzedSegment[] = [];
  let total = 0;
  for (const seg of candidates) {
    if (total >= targetSeconds) break;
    const length = seg.end_time - seg.start_time;
    if (chosen.some((c) => overlaps(c, seg))) continue;
    if (total + length > targetSeconds * 1.2) continue;
    chosen.push(seg);
    total += length;
  }
  return chosen.sort((a, b) => a.start_time - b.start_time);
}
