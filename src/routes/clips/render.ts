/**
 * /api/v1/library/clips/{clip_id}/render and /clips/bulk-render (docs/compatibility.md#routes-library, docs/compatibility.md#final-render): render jobs
 * on owned clips only (the original checked no ownership in bulk-render, docs/compatibility.md#w6).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, validationError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { createDb } from '../../db/client.ts';
import { type ClipRow, getClip, getClipContent, updateClipStatement } from '../../db/repos/clips.ts';
import { type ExportPresetRow, getExportPreset, listExportPresets } from '../../db/repos/export-presets.ts';
import { insertExportStatement } from '../../db/repos/exports.ts';
import { findActiveJob } from '../../db/repos/jobs.ts';
import type { ProfileScope } from '../../db/scope.ts';
import type { TenantContext } from '../../http/context.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import {
  budgetResponse,
  conflictResponse,
  errorResponses,
  jsonBody,
  jsonContent,
  rateLimitResponse,
  security,
} from '../../http/openapi.ts';
import { ownedClip, requireOwnedClips } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter, plainRoute } from '../../http/router.ts';
import { checkJobLimits, enqueueJob } from '../../jobs/producer.ts';
import type { Ducking } from '../../processor/contract.ts';
import { type SpeechToCheck, checkVoiceovers } from '../../voiceover/budget.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';
import { duckingField } from '../tts/voice-checks.ts';
import { requireVideo } from './clip-video.ts';

const tags = ['Library: render'];
export const DEFAULT_PRESET = 'instagram_reels';
export const MAX_BULK_RENDER = 50;
const ClipIdParam = idParam('clip_id', 'clip');
const PresetName = z.string().trim().min(1).max(64);

const RenderBody = z
  .object({ preset_name: PresetName.default(DEFAULT_PRESET), ducking: duckingField })
  .strict()
  .openapi('RenderRequest');
type RenderOptions = z.infer<typeof RenderBody>;

const RenderResponse = z
  .object({
    status: z.literal('processing'),
    clip_id: z.string(),
    preset: z.string(),
    message: z.string(),
    job_id: z.string(),
    export_id: z.string(),
    job: JobResponse,
  })
  .openapi('RenderResponse');

async function presetNamed(c: TenantContext, name: string): Promise<ExportPresetRow> {
  const db = createDb(c.env.DB);
  const preset = await getExportPreset(db, name);
  if (preset) return preset;
  const names = (await listExportPresets(db)).map((p) => p.name);
  throw new ApiError(400, 'validation_failed', `Unknown preset_name "${name}"; one of ${names.join(', ')}`, {
    details: [{ path: 'preset_name', message: `must be one of ${names.join(', ')}` }],
  });
}

/** `preset_name` and `ducking` from a JSON body, form fields or the query string (the original used a form). */
async function readRenderOptions(c: TenantContext): Promise<RenderOptions> {
  const type = (c.req.header('Content-Type') ?? '').toLowerCase();
  let raw: Record<string, unknown> = {};
  if (type.startsWith('application/json')) {
    try {
      raw = (await c.req.json()) as Record<string, unknown>;
    } catch {
      throw new ApiError(400, 'bad_request', 'The request body is not valid JSON');
    }
  } else if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    raw = await c.req.parseBody();
  }
  const fromQuery = Object.fromEntries(
    (['preset_name', 'ducking'] as const).flatMap((name) => {
      const value = c.req.query(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const parsed = RenderBody.safeParse({ ...fromQuery, ...raw });
  if (!parsed.success) throw validationError(parsed.error, 'request');
  return parsed.data;
}

async function requireNoActiveRender(scope: ProfileScope, clipIds: string[]) {
  for (const id of clipIds) {
    const active = await findActiveJob(scope, 'render_clip', id);
    if (active)
      throw new ApiError(409, 'conflict', `Clip ${id} is already being rendered`, {
        details: { clip_id: id, job_id: active.id },
      });
  }
}

/** Renders that will have to synthesise speech (text without a cached voice-over): checked before queueing. */
async function checkRenderSpeech(c: TenantContext, clips: ClipRow[]) {
  const scope = c.get('scope');
  const speeches: SpeechToCheck[] = [];
  for (const clip of clips) {
    const content = await getClipContent(scope, clip.id);
    if (content?.ttsText?.trim() && !content.ttsAudioKey)
      speeches.push({ text: content.ttsText, voice: content.ttsVoiceId, label: `Clip ${clip.id}` });
  }
  await checkVoiceovers(c.env, scope, speeches);
}

async function queueRender(
  c: TenantContext,
  clip: ClipRow,
  preset: ExportPresetRow,
  ducking: Ducking,
  limitsChecked: boolean,
) {
  const scope = c.get('scope');
  const exportId = newId('export');
  const job = await enqueueJob(
    scope,
    c.env,
    'render_clip',
    { clip_id: clip.id, preset_name: preset.name, export_id: exportId, ducking },
    {
      resourceType: 'clip',
      resourceId: clip.id,
      step: `Queued for render (${preset.name})`,
      limitsChecked,
      alongside: (jobId) => [
        updateClipStatement(scope, clip.id, { finalStatus: 'processing', finalError: null }),
        insertExportStatement(scope, { id: exportId, clipId: clip.id, presetId: preset.id, jobId }),
      ],
    },
  );
  return { job, exportId };
}

export function clipRenderRoutes() {
  // Not an `openapi()` route: the preset may come as JSON, a form field or a query parameter.
  return plainRoute(
    createTenantRouter(),
    createRoute({
      method: 'post',
      operationId: 'renderClip',
      path: '/clips/{clip_id}/render',
      tags,
      security,
      summary: 'Render a clip with an export preset (job)',
      description:
        "`preset_name` (default `instagram_reels`) and `ducking` as JSON, form fields (as the original) or query parameters. One encode: the preset's size and frame rate, subtitles burned in (the content's SRT, else the voice-over's captions), the voice-over over the clip's own audio (ducked, never replaced: by default only while the voice sounds, `ducking: constant` for the whole voice-over), loudness to the preset's target. `final_status` goes processing → completed | failed. 409 while the clip renders. Supports `Idempotency-Key`.",
      request: {
        params: ClipIdParam,
        body: {
          required: false,
          content: {
            'application/json': { schema: RenderBody },
            'application/x-www-form-urlencoded': { schema: RenderBody },
          },
        },
      },
      responses: {
        202: jsonContent(RenderResponse, 'Rendering'),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
        ...budgetResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const clipId = c.req.param('clip_id');
      const { preset_name: presetName, ducking } = await readRenderOptions(c);
      const response = await idempotentJson(c, { clip_id: clipId, preset_name: presetName, ducking }, async () => {
        const clip = await ownedClip(scope, clipId);
        requireVideo(clip);
        const preset = await presetNamed(c, presetName);
        await requireNoActiveRender(scope, [clip.id]);
        await checkRenderSpeech(c, [clip]);
        const { job, exportId } = await queueRender(c, clip, preset, ducking, false);
        return {
          status: 202,
          body: {
            status: 'processing' as const,
            clip_id: clip.id,
            preset: preset.name,
            message: `Rendering with ${preset.displayName}`,
            job_id: job.id,
            export_id: exportId,
            job: toJobResponse(job),
          },
        };
      });
      return response;
    },
  ).openapi(
    createRoute({
      method: 'post',
      operationId: 'bulkRenderClips',
      path: '/clips/bulk-render',
      tags,
      security,
      summary: 'Render several clips with one preset (one job each)',
      description: `Body: a JSON array of clip ids (as the original), at most ${MAX_BULK_RENDER}; \`preset_name\` and \`ducking\` in the query. Every clip must be a clip of this profile with a video and not rendering, else nothing is queued (404 / 409). The per-profile job limit applies to the whole batch (429). Supports \`Idempotency-Key\`.`,
      request: {
        query: z.object({ preset_name: PresetName.default(DEFAULT_PRESET), ducking: duckingField }),
        body: jsonBody(z.array(z.string().min(1).max(64)).min(1).max(MAX_BULK_RENDER)),
      },
      responses: {
        202: jsonContent(
          z.object({
            status: z.literal('processing'),
            count: z.number().int(),
            preset: z.string(),
            message: z.string(),
            job_ids: z.array(z.string()),
            renders: z.array(z.object({ clip_id: z.string(), job_id: z.string(), export_id: z.string() })),
          }),
          'Rendering',
        ),
        ...errorResponses,
        ...conflictResponse,
        ...rateLimitResponse,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const ids = [...new Set(c.req.valid('json'))];
      const { preset_name: presetName, ducking } = c.req.valid('query');
      const response = await idempotentJson(c, { ids, preset_name: presetName, ducking }, async () => {
        await requireOwnedClips(scope, ids);
        const clips = (await Promise.all(ids.map((id) => getClip(scope, id)))) as ClipRow[];
        for (const clip of clips) requireVideo(clip);
        const preset = await presetNamed(c, presetName);
        await requireNoActiveRender(scope, ids);
        await checkRenderSpeech(c, clips);
        await checkJobLimits(scope, c.env, clips.length);
        const renders: { clip_id: string; job_id: string; export_id: string }[] = [];
        for (const clip of clips) {
          const { job, exportId } = await queueRender(c, clip, preset, ducking, true);
          renders.push({ clip_id: clip.id, job_id: job.id, export_id: exportId });
        }
        return {
          status: 202,
          body: {
            status: 'processing' as const,
            count: renders.length,
            preset: preset.name,
            message: `Rendering ${renders.length} clip(s) with ${preset.displayName}`,
            job_ids: renders.map((r) => r.job_id),
            renders,
          },
        };
      });
      return response as never;
    },
  );
}
