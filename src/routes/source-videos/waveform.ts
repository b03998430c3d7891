/** GET /api/v1/segments/source-videos/{id}/waveform: the stored waveform, downsampled per request. */
import { createRoute, z } from '@hono/zod-openapi';
import { conflict, notFound } from '../../core/errors.ts';
import { getWaveform } from '../../db/repos/source-videos.ts';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import {
  DEFAULT_WAVEFORM_BINS,
  MAX_WAVEFORM_BINS,
  MIN_WAVEFORM_BINS,
  downsampleWaveform,
} from '../../source-videos/waveform.ts';
import { tags } from './presenter.ts';

const VideoIdParam = idParam('id', 'sourceVideo');

const WaveformQuery = z.object({
  bins: z.coerce.number().int().min(MIN_WAVEFORM_BINS).max(MAX_WAVEFORM_BINS).default(DEFAULT_WAVEFORM_BINS),
});
const WaveformResponse = z
  .object({
    source_video_id: z.string(),
    duration: z.number().nullable(),
    bins: z.number().int(),
    peaks: z.array(z.number()).openapi({ description: 'Per bin: sqrt(RMS / loudest RMS), 0–1' }),
  })
  .openapi('Waveform');

export function sourceVideoWaveformRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getSourceVideoWaveform',
      path: '/{id}/waveform',
      tags,
      security,
      summary: 'Audio waveform',
      description: `Computed once when the video is probed (${MAX_WAVEFORM_BINS} bins) and downsampled per request; no media work per call.`,
      request: { params: VideoIdParam, query: WaveformQuery },
      responses: { 200: jsonContent(WaveformResponse, 'Waveform'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const row = await getWaveform(scope, id);
      if (!row) throw notFound('Source video');
      if (row.status !== 'ready' || !row.waveform)
        throw conflict(`The waveform is available once the video is ready (status ${row.status})`);
      const peaks = downsampleWaveform(row.waveform, c.req.valid('query').bins);
      return c.json({ source_video_id: id, duration: row.duration, bins: peaks.length, peaks }, 200);
    },
  );
}
