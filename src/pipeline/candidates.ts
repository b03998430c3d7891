/**
 * Segment candidates of a source video, from one of two engines:
 * - `highlights`: the processor scores windows for motion, variance and brightness and picks per
 *   variant (docs/compatibility.md#motion-scoring). Free; the default without a Gemini key or without `context_text`.
 * - `gemini`: frames from the processor (one every 2 s, ≤ 720 px), `analyzeFrames` in batches of 30
 *   with absolute times and a response schema (docs/compatibility.md#gemini-analysis without its bugs); every billed call is written
 *   to the cost ledger as it happens. The analysis is stored under the job, so a redelivered job
 *   reuses it instead of paying again. The budget is checked again with the video's real duration
 *   before the first call. Permanent Gemini failures (invalid key, quota, blocked) fall back to
 *   highlights, as the original fell back to motion analysis; transient ones are retried by the queue.
 */
import { roundMs } from '../../shared/seconds.ts';
import { z } from 'zod';
import { recordCost } from '../db/repos/costs.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { jobOutputKey } from '../storage/job-outputs.ts';
import type { HighlightWindow, ProcessorClient, ProgressEvent } from '../processor/contract.ts';
import { mediaInput } from '../processor/io.ts';
import {
  GEMINI_BATCH_FRAMES,
  GEMINI_MAX_FRAMES,
  estimateGeminiAnalysisUsd,
  geminiFrameInterval,
} from '../providers/cost-estimates.ts';
import { providerErrorToJobError } from '../jobs/provider-failures.ts';
import { providerErrorCode, providerErrorMessage } from '../providers/error-mapping.ts';
import { type AnalyzedSegment, createGeminiClient, selectBestSegments } from '../providers/gemini.ts';
import { geminiCallCost, loadPriceTable } from '../providers/pricing.ts';
import { ProviderError } from '../providers/provider-error.ts';
import { assertWithinBudget } from '../jobs/budget.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { type Candidate, selectVariantSegments, topUpToTarget, totalDuration } from './variant-selection.ts';

export type CandidateEngine = 'gemini' | 'highlights';
/** The original's minimum Gemini score on the job path (docs/compatibility.md#process-job). */
export const GEMINI_MIN_SCORE = 50;
const ANALYSIS_NAME = 'gemini-analysis.json';

export interface CandidateRequest {
  env: Bindings;
  scope: ProfileScope;
  processor: ProcessorClient;
  jobId: string;
  /** Delivery attempt: part of the ledger key, so a rerun's real calls are billed as new rows. */
  attempt: number;
  video: { id: string; duration: number };
  target: number;
  variantCount: number;
  engine: CandidateEngine;
  contextText: string | null;
  /** Highlights window length (default: the processor's, min(3, max(1.5, target/8))). */
  window?: number;
  onProgress?: (percent: number, step: string) => Promise<void>;
  /** Called for every intermediate object written (pass `ctx.recordOutputs`). */
  recordOutputs?: (keys: string[]) => Promise<void>;
}

export interface CandidateSet {
  engine_used: CandidateEngine;
  /** Every candidate, best first. */
  all: Candidate[];
  /** The original's `select_best_segments(target)`: chronological, non-overlapping. */
  selected: Candidate[];
  /** Per variant, chronological, trimmed to the target. */
  variants: Candidate[][];
  gemini?: { model: string; calls: number; cost_usd: number; dropped_segments: number; reused: boolean };
  /** Why Gemini was not used although asked for. */
  fallback_reason?: string;
  /**
   * Windows added to variants that fell short of the target because the rest looked alike (the
   * original's similarity rule would have left them short).
   */
  topped_up?: number;
}

function fromWindow(w: HighlightWindow): Candidate {
  return {
    start: w.start,
    end: w.end,
    duration: w.duration,
    motion_score: w.motion_score,
    variance_score: w.variance_score,
    combined_score: w.combined_score,
  };
}

function fromGemini(s: AnalyzedSegment): Candidate {
  // The original turned a Gemini result into motion = score/100, variance 0.8 (docs/compatibility.md#process-job).
  return {
    start: s.start_time,
    end: s.end_time,
    duration: roundMs(s.end_time - s.start_time),
    motion_score: s.score / 100,
    variance_score: 0.8,
    combined_score: s.score / 100,
    score: s.score,
    description: s.description,
  };
}

async function highlights(req: CandidateRequest): Promise<CandidateSet> {
  const input = await mediaInput(req.env, req.scope, { kind: 'source_video', id: req.video.id });
  const result = await callProcessor(() =>
    req.processor.run(
      'highlights',
      {
        input,
        target_duration: req.target,
        variant_count: req.variantCount,
        ...(req.window ? { window: req.window } : {}),
      },
      (e: ProgressEvent) => req.onProgress?.(e.percent, 'Scoring highlights') ?? Promise.resolve(),
    ),
  );
  const all = result.windows.map(fromWindow);
  let toppedUp = 0;
  const variants = result.variants.map((v) => {
    const filled = topUpToTarget(v.map(fromWindow), all, req.target);
    toppedUp += filled.added;
    return filled.segments;
  });
  const selected = topUpToTarget(result.selected.map(fromWindow), all, req.target).segments;
  return {
    engine_used: 'highlights',
    all,
    selected,
    variants,
    ...(toppedUp ? { topped_up: toppedUp } : {}),
  };
}

const StoredAnalysis = z.object({
  model: z.string(),
  calls: z.number().int(),
  cost_usd: z.number(),
  dropped_segments: z.number().int(),
  segments: z.array(
    z.object({
      start_time: z.number(),
      end_time: z.number(),
      score: z.number(),
      description: z.string(),
      highlights: z.array(z.string()),
      tags: z.array(z.string()),
    }),
  ),
});
type StoredAnalysis = z.infer<typeof StoredAnalysis>;

/** Gemini's analysis of the whole video: stored under the job, computed (and billed) once. */
export async function geminiAnalysis(req: CandidateRequest): Promise<StoredAnalysis & { reused: boolean }> {
  const { env, scope } = req;
  const key = jobOutputKey(scope, req.jobId, ANALYSIS_NAME);
  const existing = await env.MEDIA.get(key);
  if (existing) {
    const parsed = StoredAnalysis.safeParse(await existing.json().catch(() => null));
    if (parsed.success) return { ...parsed.data, reused: true };
  }
  const profile = await getScopeProfile(scope);
  const model = profile.geminiModel || env.GEMINI_MODEL || 'gemini-2.5-flash';
  const table = loadPriceTable(env.PRICES_JSON);
  try {
    await assertWithinBudget(scope, estimateGeminiAnalysisUsd(table, model, req.video.duration));
  } catch (err) {
    if (err instanceof ApiError) throw new PermanentJobError('budget_exceeded', err.message);
    throw err;
  }

  await req.onProgress?.(5, 'Sampling frames');
  const input = await mediaInput(env, scope, { kind: 'source_video', id: req.video.id });
  const interval = geminiFrameInterval(req.video.duration);
  const frames = await callProcessor(() =>
    req.processor.run(
      'frames',
      { input, interval, max_width: 720, max_frames: GEMINI_MAX_FRAMES, quality: 80 },
      (e) => req.onProgress?.(5 + e.percent * 0.25, 'Sampling frames') ?? Promise.resolve(),
    ),
  );
  if (!frames.frames.length) throw new PermanentJobError('invalid_media', 'No frames could be read from the video');

  const client = createGeminiClient({ baseUrl: env.GEMINI_BASE_URL, apiKey: env.GEMINI_API_KEY ?? '' });
  let cost = 0;
  let calls = 0;
  const batches = Math.ceil(frames.frames.length / GEMINI_BATCH_FRAMES);
  await req.onProgress?.(30, 'Analysing frames with Gemini');
  const result = await client
    .analyzeFrames({
      model,
      frames: frames.frames.map((f) => ({ time: f.time, jpeg_base64: f.jpeg_base64 })),
      duration: req.video.duration,
      context_text: req.contextText ?? undefined,
      batch_size: GEMINI_BATCH_FRAMES,
      onCall: async (call) => {
        const entry = geminiCallCost(
          { model: call.model, usage: call.usage, request_id: call.response_id ?? call.request_id },
          table,
        );
        await recordCost(scope, {
          jobId: req.jobId,
          service: 'gemini',
          operation: entry.operation,
          units: entry.units,
          unit: entry.unit,
          unitPriceUsd: entry.unit_price_usd,
          costUsd: entry.cost_usd,
          model: entry.model,
          requestId: entry.request_id,
          callKey: `${req.jobId}:gemini:d${req.attempt}:b${call.batch_index}:t${call.attempt}`,
          details: {
            ...entry.details,
            frames: call.frame_count,
            window: call.window,
            model_version: call.model_version,
          },
        });
        cost += entry.cost_usd;
        calls += 1;
        await req.onProgress?.(30 + (60 * (call.batch_index + 1)) / batches, 'Analysing frames with Gemini');
      },
    })
    .catch((err: unknown) => {
      throw err instanceof ProviderError
        ? err
        : err instanceof RangeError
          ? new PermanentJobError('invalid_request', err.message)
          : err;
    });
  const stored: StoredAnalysis = {
    model,
    calls,
    cost_usd: Math.round(cost * 1e8) / 1e8,
    dropped_segments: result.dropped_segments,
    segments: result.segments,
  };
  await req.recordOutputs?.([key]);
  await env.MEDIA.put(key, JSON.stringify(stored), { httpMetadata: { contentType: 'application/json' } });
  return { ...stored, reused: false };
}

async function gemini(req: CandidateRequest): Promise<CandidateSet> {
  const analysis = await geminiAnalysis(req);
  const segments = analysis.segments as AnalyzedSegment[];
  const good = segments.filter((s) => s.score >= GEMINI_MIN_SCORE);
  const pool = (good.length ? good : segments).map(fromGemini);
  const all = [...pool].sort((a, b) => b.combined_score - a.combined_score || a.start - b.start);
  const selected = selectBestSegments(good.length ? good : segments, req.target, 0).map(fromGemini);
  const variants = Array.from({ length: req.variantCount }, (_, index) =>
    selectVariantSegments(pool, { target: req.target, count: req.variantCount, index, duration: req.video.duration }),
  );
  return {
    engine_used: 'gemini',
    all,
    selected,
    variants,
    gemini: {
      model: analysis.model,
      calls: analysis.calls,
      cost_usd: analysis.cost_usd,
      dropped_segments: analysis.dropped_segments,
      reused: analysis.reused,
    },
  };
}

export async function findCandidates(req: CandidateRequest): Promise<CandidateSet> {
  if (req.engine === 'gemini' && req.env.GEMINI_API_KEY) {
    try {
      return await gemini(req);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      // Rate limits, timeouts and 5xx: let the queue try again later.
      if (err.retryable) throw providerErrorToJobError(err);
      const fallback = await highlights(req);
      return { ...fallback, fallback_reason: `${providerErrorCode(err)}: ${providerErrorMessage(err)}` };
    }
  }
  const set = await highlights(req);
  return req.engine === 'gemini' ? { ...set, fallback_reason: 'Gemini is not configured' } : set;
}

export { totalDuration };
