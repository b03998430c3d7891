/**
 * The API shapes of a clip and of its content (voice-over text, subtitles, style), with short-lived
 * signed URLs of its media; never storage keys.
 */
import { z } from '@hono/zod-openapi';
import { deleteAfterOutput } from '../../http/retention-fields.ts';
import type { Bindings } from '../../core/env.ts';
import { STREAM_URL_TTL_SECONDS, THUMBNAIL_URL_TTL_SECONDS } from '../../core/limits.ts';
import type { ClipContentRow, ClipRow } from '../../db/repos/clips.ts';
import { finalStatuses, postizStatuses } from '../../db/schema.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { finalTargetOf, rawTargetOf, thumbnailTargetOf } from '../../library/clip-objects.ts';
import { storageKeys } from '../../storage/keys.ts';
import { type MediaTarget, signedMediaUrl } from '../../storage/signed-urls.ts';

export const tags = ['Library: clips'];

/** The body of the bulk clip routes: clip ids (as the original, a plain JSON array). */
export const ClipIds = z.array(z.string().min(1).max(64)).min(1).max(100);

export const ClipResponse = z
  .object({
    id: z.string().openapi({ example: 'clp_01jd2v4m8r0000000000000000' }),
    project_id: z.string(),
    variant_index: z.number().int(),
    variant_name: z.string().nullable(),
    duration: z.number().nullable(),
    has_audio: z.boolean(),
    segment_ids: z.array(z.string()),
    is_selected: z.boolean(),
    is_deleted: z.boolean(),
    deleted_at: z.string().nullable(),
    final_status: z.enum(finalStatuses),
    final_error: z.string().nullable(),
    final_preset: z.string().nullable(),
    postiz_status: z.enum(postizStatuses),
    postiz_post_id: z.string().nullable(),
    postiz_scheduled_at: z.string().nullable(),
    tags: z.array(z.string()).openapi({ description: 'Normalised tags (filter lists with `?tag=`)' }),
    video_url: z
      .string()
      .nullable()
      .openapi({ description: 'Signed URL of the raw variant (Range supported); null when it has none' }),
    thumbnail_url: z.string().nullable().openapi({ description: 'Signed URL of the JPEG thumbnail' }),
    final_video_url: z.string().nullable().openapi({ description: 'Signed URL of the last completed render' }),
    delete_after: deleteAfterOutput,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Clip');
export type ClipResponseBody = z.infer<typeof ClipResponse>;

export async function toClipResponse(env: Bindings, scope: ProfileScope, clip: ClipRow): Promise<ClipResponseBody> {
  const sign = (target: MediaTarget | null, ttlSeconds: number) =>
    target ? signedMediaUrl(env, scope, target, { ttlSeconds }).then((u) => u.url) : null;
  const [video, thumbnail, final] = await Promise.all([
    sign(rawTargetOf(scope, clip), STREAM_URL_TTL_SECONDS),
    sign(thumbnailTargetOf(scope, clip), THUMBNAIL_URL_TTL_SECONDS),
    sign(finalTargetOf(scope, clip), STREAM_URL_TTL_SECONDS),
  ]);
  return {
    id: clip.id,
    project_id: clip.projectId,
    variant_index: clip.variantIndex,
    variant_name: clip.variantName,
    duration: clip.duration,
    has_audio: clip.hasAudio,
    segment_ids: clip.segmentIds,
    is_selected: clip.isSelected,
    is_deleted: clip.isDeleted,
    deleted_at: clip.deletedAt,
    final_status: clip.finalStatus,
    final_error: clip.finalError,
    final_preset: clip.finalPreset,
    postiz_status: clip.postizStatus,
    postiz_post_id: clip.postizPostId,
    postiz_scheduled_at: clip.postizScheduledAt,
    tags: clip.tags,
    video_url: video,
    thumbnail_url: thumbnail,
    final_video_url: final,
    delete_after: clip.deleteAfter,
    created_at: clip.createdAt,
    updated_at: clip.updatedAt,
  };
}

export const ContentResponse = z
  .object({
    clip_id: z.string(),
    tts_text: z.string().nullable(),
    tts_voice_id: z.string().nullable(),
    srt_content: z.string().nullable(),
    subtitle_settings: z.record(z.string(), z.unknown()).nullable(),
    has_voiceover_audio: z.boolean(),
    tts_audio_url: z
      .string()
      .nullable()
      .openapi({ description: 'Signed URL of the cached voice-over (MP3), made by the last render or by generation' }),
    updated_at: z.string(),
  })
  .openapi('ClipContent');

export async function toContentResponse(
  env: Bindings,
  scope: ProfileScope,
  content: ClipContentRow,
): Promise<z.infer<typeof ContentResponse>> {
  const audio =
    content.ttsAudioKey === storageKeys.clipVoiceover(scope, content.clipId)
      ? (
          await signedMediaUrl(
            env,
            scope,
            { kind: 'clip_voiceover', id: content.clipId },
            { ttlSeconds: STREAM_URL_TTL_SECONDS },
          )
        ).url
      : null;
  return {
    clip_id: content.clipId,
    tts_text: content.ttsText,
    tts_voice_id: content.ttsVoiceId,
    srt_content: content.srtContent,
    subtitle_settings: (content.subtitleSettings as Record<string, unknown> | null) ?? null,
    has_voiceover_audio: Boolean(content.ttsAudioKey),
    tts_audio_url: audio,
    updated_at: content.updatedAt,
  };
}
