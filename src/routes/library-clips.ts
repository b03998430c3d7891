/**
 * /api/v1/library/clips and /all-clips (original §1.3): clip triage. Deletes are soft (trash with
 * restore, then purge); bulk operations act only on clips of the active profile: any unknown id
 * makes the whole request 404 and nothing changes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Bindings } from '../core/env.ts';
import { pageQuery } from '../db/pagination.ts';
import {
  type ClipContentRow,
  type ClipRow,
  getClip,
  getClipContent,
  listAllClips,
  ownedClipIds,
  purgeClip,
  setClipsDeleted,
  setClipsSelected,
  updateClip,
  upsertClipContent,
} from '../db/repos/clips.ts';
import { recountProjects } from '../db/repos/projects.ts';
import { finalStatuses, postizStatuses } from '../db/schema.ts';
import type { ProfileScope } from '../db/scope.ts';
import { ApiError, notFound } from '../core/errors.ts';
import { enqueueSystemTask } from '../jobs/producer.ts';
import { errorResponses, idParam, jsonBody, jsonContent, security } from '../http/openapi.ts';
import { parseSrt } from '../core/srt.ts';
import { SubtitleSettingsSchema } from '../library/subtitle-settings.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { finalTargetOf, rawTargetOf, thumbnailTargetOf } from '../library/clip-objects.ts';
import { type MediaTarget, signedMediaUrl } from '../storage/signed-urls.ts';
import { storageKeys } from '../storage/keys.ts';
import { recountSegmentUsage } from '../db/repos/segments.ts';
import { STREAM_URL_TTL_SECONDS, THUMBNAIL_URL_TTL_SECONDS } from './source-video-response.ts';

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
    video_url: z.string().nullable().openapi({ description: 'Signed URL of the raw variant (Range supported); null when it has none' }),
    thumbnail_url: z.string().nullable().openapi({ description: 'Signed URL of the JPEG thumbnail' }),
    final_video_url: z.string().nullable().openapi({ description: 'Signed URL of the last completed render' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Clip');
export type ClipResponseBody = z.infer<typeof ClipResponse>;

export async function toClipResponse(env: Bindings, scope: ProfileScope, clip: ClipRow): Promise<ClipResponseBody> {
  const sign = (target: MediaTarget | null, ttlSeconds: number) => (target ? signedMediaUrl(env, scope, target, { ttlSeconds }).then((u) => u.url) : null);
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
    video_url: video,
    thumbnail_url: thumbnail,
    final_video_url: final,
    created_at: clip.createdAt,
    updated_at: clip.updatedAt,
  };
}

const ContentResponse = z
  .object({
    clip_id: z.string(),
    tts_text: z.string().nullable(),
    tts_voice_id: z.string().nullable(),
    srt_content: z.string().nullable(),
    subtitle_settings: z.record(z.string(), z.unknown()).nullable(),
    has_voiceover_audio: z.boolean(),
    tts_audio_url: z.string().nullable().openapi({ description: 'Signed URL of the cached voice-over (MP3), made by the last render or by generation' }),
    updated_at: z.string(),
  })
  .openapi('ClipContent');

async function toContentResponse(env: Bindings, scope: ProfileScope, content: ClipContentRow): Promise<z.infer<typeof ContentResponse>> {
  const audio = content.ttsAudioKey === storageKeys.clipVoiceover(scope, content.clipId)
    ? (await signedMediaUrl(env, scope, { kind: 'clip_voiceover', id: content.clipId }, { ttlSeconds: STREAM_URL_TTL_SECONDS })).url
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

export async function ownedClip(scope: ProfileScope, id: string, opts: { includeDeleted?: boolean } = {}): Promise<ClipRow> {
  const clip = await getClip(scope, id, opts);
  if (!clip) throw notFound('Clip');
  return clip;
}

/** All ids must be clips of this profile; otherwise 404 naming the unknown ones, nothing changed. */
export async function requireOwnedClips(scope: ProfileScope, ids: string[], opts: { includeDeleted?: boolean } = {}): Promise<void> {
  const found = await ownedClipIds(scope, ids, opts);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) throw new ApiError(404, 'not_found', `Clip not found: ${missing.join(', ')}`, { details: { missing } });
}

export const SrtText = z
  .string()
  .max(200_000)
  .superRefine((value, ctx) => {
    if (!value.trim()) return;
    const { cues, problems } = parseSrt(value);
    for (const p of problems) ctx.addIssue({ code: 'custom', message: `block ${p.block} (line ${p.line}): ${p.reason}` });
    if (!cues.length && !problems.length) ctx.addIssue({ code: 'custom', message: 'contains no subtitle cues' });
  });

const ContentUpdate = z
  .object({
    tts_text: z.string().max(5000).nullable().optional(),
    tts_voice_id: z.string().regex(/^[A-Za-z0-9_\-]{1,64}$/).nullable().optional(),
    srt_content: SrtText.nullable().optional(),
    subtitle_settings: SubtitleSettingsSchema.nullable().optional(),
  })
  .strict()
  .openapi('ClipContentUpdate');

const ClipUpdate = z
  .object({
    variant_name: z.string().trim().min(1).max(200).nullable().optional(),
    is_selected: z.boolean().optional(),
    postiz_status: z.enum(postizStatuses).optional(),
    postiz_post_id: z.string().max(200).nullable().optional(),
    postiz_scheduled_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict()
  .openapi('ClipUpdate');

const ClipIds = z.array(z.string().min(1).max(64)).min(1).max(100);
const SelectedQuery = z.object({ selected: z.enum(['true', 'false']) });
const ClipIdParam = idParam('clip_id', 'clp_01jd2v4m8r0000000000000000');
const tags = ['Library: clips'];
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

async function purgeObjects(env: Bindings, scope: ProfileScope, clipIds: string[]) {
  for (const id of clipIds) await enqueueSystemTask(env, { task: 'purge_prefix', prefix: storageKeys.clipPrefix(scope, id) });
}

export function libraryClipRoutes() {
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/all-clips',
      tags,
      security,
      summary: 'All clips of the profile',
      description: 'Newest first, cursor-paginated, with filters. `deleted=true` lists the trash.',
      request: {
        query: pageQuery.extend({
          project_id: z.string().max(64).optional(),
          is_selected: bool.optional(),
          final_status: z.enum(finalStatuses).optional(),
          postiz_status: z.enum(postizStatuses).optional(),
          has_subtitles: bool.optional(),
          has_voiceover: bool.optional(),
          search: z.string().max(200).optional(),
          deleted: bool.optional(),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            clips: z.array(ClipResponse.extend({ project_name: z.string(), has_subtitles: z.boolean(), has_voiceover: z.boolean() })),
            next_cursor: z.string().nullable(),
          }),
          'Clips',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const query = c.req.valid('query');
      const page = await listAllClips(scope, query, query);
      if (page.nextCursor) c.header('X-Next-Cursor', page.nextCursor);
      const clips = await Promise.all(
        page.items.map(async (item) => ({
          ...(await toClipResponse(c.env, scope, item.clip)),
          project_name: item.projectName,
          has_subtitles: item.hasSubtitles,
          has_voiceover: item.hasVoiceover,
        })),
      );
      return c.json({ clips, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/clips/{clip_id}',
      tags,
      security,
      summary: 'Get a clip with its content',
      request: { params: ClipIdParam },
      responses: { 200: jsonContent(z.object({ clip: ClipResponse, content: ContentResponse.nullable() }), 'Clip'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
      const content = await getClipContent(scope, clip.id);
      return c.json({ clip: await toClipResponse(c.env, scope, clip), content: content ? await toContentResponse(c.env, scope, content) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/clips/{clip_id}',
      tags,
      security,
      summary: 'Update a clip (name, selection, publish fields)',
      request: { params: ClipIdParam, body: jsonBody(ClipUpdate) },
      responses: { 200: jsonContent(z.object({ status: z.literal('updated'), clip: ClipResponse }), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id);
      const input = c.req.valid('json');
      const row = await updateClip(scope, clip.id, {
        variantName: input.variant_name,
        isSelected: input.is_selected,
        postizStatus: input.postiz_status,
        postizPostId: input.postiz_post_id,
        postizScheduledAt: input.postiz_scheduled_at,
      });
      if (input.is_selected !== undefined) await recountProjects(scope, [clip.projectId]);
      return c.json({ status: 'updated' as const, clip: await toClipResponse(c.env, scope, row!) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/clips/{clip_id}/select',
      tags,
      security,
      summary: 'Select or unselect a clip',
      request: { params: ClipIdParam, query: SelectedQuery },
      responses: {
        200: jsonContent(z.object({ status: z.literal('updated'), clip_id: z.string(), is_selected: z.boolean() }), 'Updated'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id);
      const selected = c.req.valid('query').selected === 'true';
      await setClipsSelected(scope, [clip.id], selected);
      await recountProjects(scope, [clip.projectId]);
      return c.json({ status: 'updated' as const, clip_id: clip.id, is_selected: selected }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/clips/bulk-select',
      tags,
      security,
      summary: 'Select or unselect several clips',
      description: 'Body: a JSON array of clip ids (as the original). Every id must be a clip of this profile.',
      request: { query: SelectedQuery, body: jsonBody(ClipIds) },
      responses: {
        200: jsonContent(z.object({ status: z.literal('updated'), count: z.number().int(), is_selected: z.boolean() }), 'Updated'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const ids = [...new Set(c.req.valid('json'))];
      await requireOwnedClips(scope, ids);
      const selected = c.req.valid('query').selected === 'true';
      const projectIds = await setClipsSelected(scope, ids, selected);
      await recountProjects(scope, projectIds);
      return c.json({ status: 'updated' as const, count: projectIds.length, is_selected: selected }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/clips/{clip_id}',
      tags,
      security,
      summary: 'Move a clip to the trash',
      description: 'Soft delete: restorable with `/restore`; `/purge` removes it and its media for good.',
      request: { params: ClipIdParam },
      responses: { 200: jsonContent(z.object({ status: z.literal('deleted'), clip_id: z.string() }), 'In the trash'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id);
      await setClipsDeleted(scope, [clip.id], true);
      await recountProjects(scope, [clip.projectId]);
      await recountSegmentUsage(scope, clip.segmentIds);
      return c.json({ status: 'deleted' as const, clip_id: clip.id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/clips/{clip_id}/restore',
      tags,
      security,
      summary: 'Restore a clip from the trash',
      request: { params: ClipIdParam },
      responses: { 200: jsonContent(z.object({ status: z.literal('restored'), clip: ClipResponse }), 'Restored'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
      const [row] = clip.isDeleted ? await setClipsDeleted(scope, [clip.id], false) : [clip];
      await recountProjects(scope, [clip.projectId]);
      await recountSegmentUsage(scope, clip.segmentIds);
      return c.json({ status: 'restored' as const, clip: await toClipResponse(c.env, scope, row!) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/clips/{clip_id}/purge',
      tags,
      security,
      summary: 'Delete a clip and its media for good',
      request: { params: ClipIdParam },
      responses: { 200: jsonContent(z.object({ status: z.literal('purged'), clip_id: z.string() }), 'Purged'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id, { includeDeleted: true });
      await purgeClip(scope, clip.id);
      await recountProjects(scope, [clip.projectId]);
      await recountSegmentUsage(scope, clip.segmentIds);
      await purgeObjects(c.env, scope, [clip.id]);
      return c.json({ status: 'purged' as const, clip_id: clip.id }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/clips/bulk-delete',
      tags,
      security,
      summary: 'Move several clips to the trash',
      request: { body: jsonBody(z.object({ clip_ids: ClipIds }).strict()) },
      responses: {
        200: jsonContent(
          z.object({
            status: z.literal('completed'),
            deleted_count: z.number().int(),
            deleted: z.array(z.string()),
            failed_count: z.number().int(),
            failed: z.array(z.object({ id: z.string(), error: z.string() })),
          }),
          'Result',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const ids = [...new Set(c.req.valid('json').clip_ids)];
      await requireOwnedClips(scope, ids, { includeDeleted: true });
      const rows = await setClipsDeleted(scope, ids, true);
      await recountProjects(scope, rows.map((r) => r.projectId));
      await recountSegmentUsage(scope, rows.flatMap((r) => r.segmentIds));
      const deleted = new Set(rows.map((r) => r.id));
      const failed = ids.filter((id) => !deleted.has(id)).map((id) => ({ id, error: 'already in the trash' }));
      return c.json({ status: 'completed' as const, deleted_count: deleted.size, deleted: [...deleted], failed_count: failed.length, failed }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/clips/{clip_id}/content',
      tags,
      security,
      summary: "Set a clip's voice-over text, subtitles and subtitle style",
      description: 'Upsert; only the fields sent change. SRT and styling are validated (400 with field paths, nothing changed).',
      request: { params: ClipIdParam, body: jsonBody(ContentUpdate) },
      responses: { 200: jsonContent(z.object({ status: z.literal('updated'), content: ContentResponse }), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clip = await ownedClip(scope, c.req.valid('param').clip_id);
      const input = c.req.valid('json');
      const content = await upsertClipContent(scope, clip.id, {
        ttsText: input.tts_text,
        ttsVoiceId: input.tts_voice_id,
        srtContent: input.srt_content,
        subtitleSettings: input.subtitle_settings,
        // New text or voice invalidates a previously generated voice-over.
        ...(input.tts_text !== undefined || input.tts_voice_id !== undefined ? { ttsAudioKey: null } : {}),
      });
      return c.json({ status: 'updated' as const, content: await toContentResponse(c.env, scope, content) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/clips/{clip_id}/content/copy-from/{source_clip_id}',
      tags,
      security,
      summary: "Copy another clip's content",
      description: 'Both clips must belong to the active profile.',
      request: { params: ClipIdParam.extend(idParam('source_clip_id', 'clp_01jd2v4m8r0000000000000001').shape) },
      responses: { 200: jsonContent(z.object({ status: z.literal('copied'), content: ContentResponse }), 'Copied'), ...errorResponses },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { clip_id, source_clip_id } = c.req.valid('param');
      const target = await ownedClip(scope, clip_id);
      const source = await ownedClip(scope, source_clip_id, { includeDeleted: true });
      const from = await getClipContent(scope, source.id);
      if (!from) throw notFound('Content of the source clip');
      const content = await upsertClipContent(scope, target.id, {
        ttsText: from.ttsText,
        ttsVoiceId: from.ttsVoiceId,
        srtContent: from.srtContent,
        subtitleSettings: from.subtitleSettings,
        ttsAudioKey: null,
      });
      return c.json({ status: 'copied' as const, content: await toContentResponse(c.env, scope, content) }, 200);
    },
  );

  return app;
}
