/** GET /api/v1/library/export-presets: the seeded render presets (read-only, no FFmpeg flags). */
import { createRoute, z } from '@hono/zod-openapi';
import { createDb } from '../db/client.ts';
import { listExportPresets } from '../db/repos/export-presets.ts';
import { errorResponses, jsonContent, security } from '../http/openapi.ts';
import { createTenantRouter } from '../http/router.ts';

const PresetResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    display_name: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number().int(),
    crf: z.number().int(),
    video_bitrate: z.string(),
    audio_bitrate: z.string(),
    video_codec: z.literal('libx264'),
    video_profile: z.string(),
    video_level: z.string(),
    audio_codec: z.literal('aac'),
    audio_sample_rate: z.number().int(),
    loudness_target: z.number().nullable(),
    is_default: z.boolean(),
  })
  .openapi('ExportPreset');

export function exportPresetRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'listExportPresets',
      path: '/export-presets',
      tags: ['Library: render'],
      security,
      summary: 'Render presets',
      responses: {
        200: jsonContent(z.object({ presets: z.array(PresetResponse) }), 'Presets, default first'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const rows = await listExportPresets(createDb(c.env.DB));
      return c.json(
        {
          presets: rows.map((p) => ({
            id: p.id,
            name: p.name,
            display_name: p.displayName,
            width: p.width,
            height: p.height,
            fps: p.fps,
            crf: p.crf,
            video_bitrate: p.videoBitrate,
            audio_bitrate: p.audioBitrate,
            video_codec: 'libx264' as const,
            video_profile: p.videoProfile,
            video_level: p.videoLevel,
            audio_codec: 'aac' as const,
            audio_sample_rate: p.audioSampleRate,
            loudness_target: p.loudnessTarget,
            is_default: p.isDefault,
          })),
        },
        200,
      );
    },
  );
}
