/**
 * The API shape of a segment: the original's `SegmentResponse` without its filesystem paths
 * (`extracted_video_path`, `thumbnail_path`), plus the extraction state and short-lived signed URLs
 * (`stream_url` of the extracted cut, `thumbnail_url`). No storage key ever appears here.
 */
import { z } from '@hono/zod-openapi';
import { roundMs } from '../../../shared/seconds.ts';
import type { SegmentView } from '../../db/repos/segments.ts';
import { extractStatuses } from '../../db/schema.ts';
import type { ProfileScope } from '../../db/scope.ts';
import type { Bindings } from '../../core/env.ts';
import { STREAM_URL_TTL_SECONDS, THUMBNAIL_URL_TTL_SECONDS } from '../../core/limits.ts';
import { signedMediaUrl } from '../../storage/signed-urls.ts';

export const SegmentTransformsSchema = z
  .object({
    flip_horizontal: z.boolean().optional(),
    rotate: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]).optional(),
  })
  .strict()
  .openapi('SegmentTransforms', {
    description: 'Visual transforms applied when the segment is extracted (they force a re-encode).',
  });

export const SegmentResponse = z
  .object({
    id: z.string().openapi({ example: 'seg_01jd2v4m8r0000000000000000' }),
    source_video_id: z.string(),
    source_video_name: z.string(),
    start_time: z.number(),
    end_time: z.number(),
    duration: z.number(),
    keywords: z.array(z.string()),
    notes: z.string().nullable(),
    tags: z.array(z.string()).openapi({ description: 'Normalised tags (filter lists with `?tag=`)' }),
    transforms: SegmentTransformsSchema.nullable(),
    is_favorite: z.boolean(),
    usage_count: z.number().int().openapi({ description: 'Live clips (not in the trash) built from this segment' }),
    extract_status: z.enum(extractStatuses).openapi({ description: 'none → extracting → ready | failed' }),
    extract_error: z.string().nullable(),
    extract_mode: z.string().nullable(),
    extracted_duration: z.number().nullable(),
    stream_url: z
      .string()
      .nullable()
      .openapi({ description: 'Signed URL of the extracted cut (Range supported); null until extracted' }),
    thumbnail_url: z
      .string()
      .nullable()
      .openapi({ description: 'Signed URL of the JPEG at the midpoint; null until made' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Segment');
export type SegmentBody = z.infer<typeof SegmentResponse>;

export async function toSegmentResponse(env: Bindings, scope: ProfileScope, view: SegmentView): Promise<SegmentBody> {
  const s = view.segment;
  const extracted = s.extractStatus === 'ready' && Boolean(s.extractedKey);
  const [stream, thumbnail] = await Promise.all([
    extracted
      ? signedMediaUrl(env, scope, { kind: 'segment_extract', id: s.id }, { ttlSeconds: STREAM_URL_TTL_SECONDS })
      : null,
    s.thumbnailKey
      ? signedMediaUrl(env, scope, { kind: 'segment_thumbnail', id: s.id }, { ttlSeconds: THUMBNAIL_URL_TTL_SECONDS })
      : null,
  ]);
  return {
    id: s.id,
    source_video_id: s.sourceVideoId,
    source_video_name: view.videoName,
    start_time: s.startTime,
    end_time: s.endTime,
    duration: roundMs(s.endTime - s.startTime),
    keywords: s.keywords,
    notes: s.notes,
    tags: s.tags,
    transforms: s.transforms ? { flip_horizontal: s.transforms.flip_horizontal, rotate: s.transforms.rotate } : null,
    is_favorite: s.isFavorite,
    usage_count: s.usageCount,
    extract_status: s.extractStatus,
    extract_error: s.extractError,
    extract_mode: s.extractMode,
    extracted_duration: s.extractedDuration,
    stream_url: stream?.url ?? null,
    thumbnail_url: thumbnail?.url ?? null,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}
