/**
 * The API shape of a source video: the original's `SourceVideoResponse` without its filesystem paths,
 * plus the upload/probe state and short-lived signed URLs (stream, download, thumbnail) that work in
 * `<video>`/`<img>` tags. No storage key ever appears here.
 */
import { z } from '@hono/zod-openapi';
import { deleteAfterOutput } from '../../http/retention-fields.ts';
import type { SourceVideoSummary } from '../../db/repos/source-videos.ts';
import { sourceVideoStatuses } from '../../db/schema.ts';
import type { ProfileScope } from '../../db/scope.ts';
import type { Bindings } from '../../core/env.ts';
import { safeFilename } from '../../core/filenames.ts';
import { STREAM_URL_TTL_SECONDS, THUMBNAIL_URL_TTL_SECONDS } from '../../core/limits.ts';
import { signedMediaUrl } from '../../storage/signed-urls.ts';

export const tags = ['Source videos'];

export const SourceVideoResponse = z
  .object({
    id: z.string().openapi({ example: 'vid_01jd2v4m8r0000000000000000' }),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(sourceVideoStatuses).openapi({ description: 'pending_upload → processing → ready | failed' }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    duration: z.number().nullable().openapi({ description: 'Seconds (null until probed)' }),
    width: z.number().int().nullable().openapi({ description: 'Display width (rotation applied)' }),
    height: z.number().int().nullable(),
    fps: z.number().nullable(),
    rotation: z.number().int().nullable(),
    orientation: z.enum(['landscape', 'portrait', 'square']).nullable(),
    video_codec: z.string().nullable(),
    audio_codec: z.string().nullable(),
    has_audio: z.boolean().nullable(),
    bit_rate: z.number().int().nullable(),
    file_size_bytes: z.number().int().nullable(),
    content_type: z.string(),
    original_filename: z.string().nullable(),
    segments_count: z.number().int(),
    tags: z.array(z.string()).openapi({ description: 'Normalised tags (filter lists with `?tag=`)' }),
    stream_url: z.string().nullable().openapi({ description: 'Signed URL with Range support, for `<video src>`' }),
    download_url: z.string().nullable().openapi({ description: 'Signed URL served as an attachment' }),
    thumbnail_url: z.string().nullable().openapi({ description: 'Signed URL of the JPEG thumbnail, for `<img src>`' }),
    urls_expire_at: z.string().nullable(),
    delete_after: deleteAfterOutput,
    last_used_at: z.string().nullable().openapi({
      description: 'Last time a job, a segment extraction or a download used it (null = not since it was added)',
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('SourceVideo');
export type SourceVideoBody = z.infer<typeof SourceVideoResponse>;

export function orientationOf(width: number | null, height: number | null): SourceVideoBody['orientation'] {
  if (!width || !height) return null;
  return width === height ? 'square' : width > height ? 'landscape' : 'portrait';
}

const extensionOf: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/x-m4v': 'm4v',
  'video/3gpp': '3gp',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/avi': 'avi',
  'video/mp2t': 'ts',
};

/** The file name a download gets: the uploaded name, else the video's name with an extension. */
export function downloadFilename(row: Pick<SourceVideoSummary, 'originalFilename' | 'name' | 'contentType'>): string {
  if (row.originalFilename) return safeFilename(row.originalFilename);
  return safeFilename(`${row.name}.${extensionOf[row.contentType] ?? 'bin'}`, 'video');
}

export async function toSourceVideoResponse(
  env: Bindings,
  scope: ProfileScope,
  row: SourceVideoSummary,
): Promise<SourceVideoBody> {
  const hasBytes = row.status === 'ready' || row.status === 'processing';
  const target = { kind: 'source_video' as const, id: row.id };
  const [stream, download, thumbnail] = await Promise.all([
    hasBytes ? signedMediaUrl(env, scope, target, { ttlSeconds: STREAM_URL_TTL_SECONDS }) : null,
    hasBytes
      ? signedMediaUrl(env, scope, target, { ttlSeconds: STREAM_URL_TTL_SECONDS, filename: downloadFilename(row) })
      : null,
    row.thumbnailKey
      ? signedMediaUrl(env, scope, { kind: 'source_thumbnail', id: row.id }, { ttlSeconds: THUMBNAIL_URL_TTL_SECONDS })
      : null,
  ]);
  const expiries = [stream, thumbnail]
    .filter((u) => u !== null)
    .map((u) => u.expiresAt)
    .sort();
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    duration: row.duration,
    width: row.width,
    height: row.height,
    fps: row.fps,
    rotation: row.rotation,
    orientation: orientationOf(row.width, row.height),
    video_codec: row.videoCodec,
    audio_codec: row.audioCodec,
    has_audio: row.hasAudio,
    bit_rate: row.bitRate,
    file_size_bytes: row.fileSizeBytes,
    content_type: row.contentType,
    original_filename: row.originalFilename,
    segments_count: row.segmentsCount,
    tags: row.tags,
    stream_url: stream?.url ?? null,
    download_url: download?.url ?? null,
    thumbnail_url: thumbnail?.url ?? null,
    urls_expire_at: expiries[0] ?? null,
    delete_after: row.deleteAfter,
    last_used_at: row.lastUsedAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
