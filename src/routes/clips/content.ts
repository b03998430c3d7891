/**
 * /api/v1/library/clips/{clip_id}/content: a clip's voice-over text, subtitles and subtitle style
 * (set, or copied from another clip of the profile).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../../core/errors.ts';
import { parseSrt } from '../../core/srt.ts';
import { getClipContent, upsertClipContent } from '../../db/repos/clips.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedClip } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { SubtitleSettingsSchema } from '../../library/subtitle-settings.ts';
import { ContentResponse, tags, toContentResponse } from './presenter.ts';

const ClipIdParam = idParam('clip_id', 'clip');

export const SrtText = z
  .string()
  .max(200_000)
  .superRefine((value, ctx) => {
    if (!value.trim()) return;
    const { cues, problems } = parseSrt(value);
    for (const p of problems)
      ctx.addIssue({ code: 'custom', message: `block ${p.block} (line ${p.line}): ${p.reason}` });
    if (!cues.length && !problems.length) ctx.addIssue({ code: 'custom', message: 'contains no subtitle cues' });
  });

const ContentUpdate = z
  .object({
    tts_text: z.string().max(5000).nullable().optional(),
    tts_voice_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .nullable()
      .optional(),
    srt_content: SrtText.nullable().optional(),
    subtitle_settings: SubtitleSettingsSchema.nullable().optional(),
  })
  .strict()
  .openapi('ClipContentUpdate');

export function clipContentRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'put',
        operationId: 'setClipContent',
        path: '/clips/{clip_id}/content',
        tags,
        security,
        summary: "Set a clip's voice-over text, subtitles and subtitle style",
        description:
          'Upsert; only the fields sent change. SRT and styling are validated (400 with field paths, nothing changed).',
        request: { params: ClipIdParam, body: jsonBody(ContentUpdate) },
        responses: {
          200: jsonContent(z.object({ status: z.literal('updated'), content: ContentResponse }), 'Updated'),
          ...errorResponses,
        },
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
    )

    .openapi(
      createRoute({
        method: 'post',
        operationId: 'copyClipContent',
        path: '/clips/{clip_id}/content/copy-from/{source_clip_id}',
        tags,
        security,
        summary: "Copy another clip's content",
        description: 'Both clips must belong to the active profile.',
        request: {
          params: ClipIdParam.extend(idParam('source_clip_id', 'clip', 'clp_01jd2v4m8r0000000000000001').shape),
        },
        responses: {
          200: jsonContent(z.object({ status: z.literal('copied'), content: ContentResponse }), 'Copied'),
          ...errorResponses,
        },
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
}
