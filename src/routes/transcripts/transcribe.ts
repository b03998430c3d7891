/**
 * POST /api/v1/segments/source-videos/{id}/transcribe and POST /api/v1/library/clips/{clip_id}/transcribe:
 * a `transcribe` job making a word-timed transcript. With a Gemini key the audio is transcribed
 * (billed, so the estimate is checked against the budget first); without one, `script` is needed
 * and is aligned to the detected speech (approximate timings, free).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Bindings } from '../../core/env.ts';
import { ApiError, conflict } from '../../core/errors.ts';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { idempotentJson } from '../../http/idempotency.ts';
import {
  budgetResponse,
  conflictResponse,
  errorResponse,
  errorResponses,
  jsonBody,
  jsonContent,
  rateLimitResponse,
  security,
} from '../../http/openapi.ts';
import { ownedClip, ownedSourceVideo } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import type { JobInput } from '../../jobs/job-types.ts';
import { enqueueJob } from '../../jobs/producer.ts';
import { estimateGeminiTranscriptionUsd } from '../../providers/cost-estimates.ts';
import { MAX_TRANSCRIBE_SECONDS } from '../../providers/gemini-transcript.ts';
import { loadPriceTable } from '../../providers/pricing.ts';
import { JobResponse, toJobResponse } from '../jobs/presenter.ts';
import { tags } from './presenter.ts';

const TranscribeRequest = z
  .object({
    engine: z.enum(['auto', 'gemini', 'script_alignment']).default('auto').openapi({
      description:
        '`auto`: Gemini when a key is configured, otherwise the script alignment. `script_alignment` never calls Gemini.',
    }),
    script: z.string().trim().min(1).max(100_000).optional().openapi({
      description:
        'What is said, for the local fallback: its words are spread over the detected speech in proportion to their length (approximate).',
    }),
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
      .optional()
      .openapi({ description: 'BCP-47 hint for Gemini, stored on the transcript' }),
  })
  .strict()
  .openapi('TranscribeRequest');

const TranscribeQueued = z
  .object({
    status: z.literal('processing'),
    job_id: z.string(),
    job: JobResponse,
    engine: z.enum(['gemini', 'script_alignment']),
    estimated_cost_usd: z.number(),
  })
  .openapi('TranscribeQueued');

type Target = JobInput<'transcribe'>['target'];

const responses = {
  202: jsonContent(TranscribeQueued, 'Queued; the job result has `transcript_id`'),
  ...errorResponses,
  ...budgetResponse,
  ...conflictResponse,
  422: errorResponse(422),
  ...rateLimitResponse,
};

const description =
  'Starts a `transcribe` job. With a Gemini key (engine `auto` or `gemini`) the audio is extracted by the processor and transcribed by Gemini with word timings (billed to the cost ledger; the estimate is checked against the monthly budget, 402). Without a key (or engine `script_alignment`) `script` is required and its words are spread over the speech the processor detects, proportionally to their length: approximate timings, marked `approximate: true`. The job result has `transcript_id`; read it with `GET /api/v1/transcripts/{transcript_id}`. Supports `Idempotency-Key`.';

async function queueTranscription(
  env: Bindings,
  scope: ProfileScope,
  target: Target,
  duration: number,
  body: z.infer<typeof TranscribeRequest>,
) {
  const keyed = !!env.GEMINI_API_KEY;
  if (body.engine === 'gemini' && !keyed)
    throw new ApiError(400, 'validation_failed', 'Gemini is not configured; use `script_alignment` with a `script`', {
      details: [{ path: 'engine', message: 'Gemini is not configured' }],
    });
  const engine = body.engine === 'script_alignment' || !keyed ? 'script_alignment' : 'gemini';
  if (engine === 'script_alignment' && !body.script)
    throw new ApiError(400, 'validation_failed', 'Without Gemini, send the `script` to align to the detected speech', {
      details: [{ path: 'script', message: 'Required when Gemini is not used' }],
    });
  if (engine === 'gemini' && duration > MAX_TRANSCRIBE_SECONDS)
    throw new ApiError(
      422,
      'too_much_work',
      `The media is ${Math.round(duration / 60)} min long; Gemini transcribes at most ${MAX_TRANSCRIBE_SECONDS / 60} min: transcribe a clip of it`,
    );
  let estimate = 0;
  if (engine === 'gemini') {
    const profile = await getScopeProfile(scope);
    const model = profile.geminiModel || env.GEMINI_MODEL || 'gemini-2.5-flash';
    estimate = estimateGeminiTranscriptionUsd(loadPriceTable(env.PRICES_JSON), model, duration);
  }
  const job = await enqueueJob(
    scope,
    env,
    'transcribe',
    {
      target,
      engine,
      ...(engine === 'script_alignment' ? { script: body.script } : {}),
      ...(body.language ? { language: body.language } : {}),
    },
    {
      resourceType: target.kind,
      resourceId: target.id,
      step: 'Queued for transcription',
      ...(estimate > 0 ? { estimatedCostUsd: estimate } : {}),
    },
  );
  return {
    status: 202,
    body: {
      status: 'processing' as const,
      job_id: job.id,
      job: toJobResponse(job),
      engine,
      estimated_cost_usd: estimate,
    },
  };
}

export function sourceVideoTranscribeRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'transcribeSourceVideo',
      path: '/{id}/transcribe',
      tags,
      security,
      summary: 'Transcribe a source video with word timings (job)',
      description,
      request: { params: idParam('id', 'sourceVideo'), body: jsonBody(TranscribeRequest) },
      responses,
    }),
    async (c) => {
      const scope = c.get('scope');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const response = await idempotentJson(c, { id, body }, async () => {
        const video = await ownedSourceVideo(scope, id);
        if (video.status !== 'ready' || !video.duration)
          throw conflict(`Transcription needs a ready video (status ${video.status})`);
        return queueTranscription(c.env, scope, { kind: 'source_video', id: video.id }, video.duration, body);
      });
      return response as never;
    },
  );
}

export function clipTranscribeRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'post',
      operationId: 'transcribeClip',
      path: '/clips/{clip_id}/transcribe',
      tags,
      security,
      summary: 'Transcribe a clip with word timings (job)',
      description,
      request: { params: idParam('clip_id', 'clip'), body: jsonBody(TranscribeRequest) },
      responses,
    }),
    async (c) => {
      const scope = c.get('scope');
      const { clip_id } = c.req.valid('param');
      const body = c.req.valid('json');
      const response = await idempotentJson(c, { clip_id, body }, async () => {
        const clip = await ownedClip(scope, clip_id);
        if (!clip.rawKey || !clip.duration) throw conflict(`Clip ${clip.id} has no video yet`);
        return queueTranscription(c.env, scope, { kind: 'clip', id: clip.id }, clip.duration, body);
      });
      return response as never;
    },
  );
}
