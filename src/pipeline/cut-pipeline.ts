/**
 * The main pipeline (docs/compatibility.md#process-job) shared by `POST /jobs` and the library's
 * `/projects/{id}/generate`: candidates (highlights or Gemini) → optional source-voice detection
 * (cached on the video) → per variant: its segments, cut with speech muted in the same pass,
 * joined, then the voice-over and subtitles finish (see assemble.ts). Each finished variant leaves
 * a small marker under the job, so a redelivered job skips the variants it already made.
 */
import { z } from 'zod';
import type { SourceVideoSummary } from '../db/repos/source-videos.ts';
import { jobOutputKey } from '../storage/job-outputs.ts';
import type { ProcessorClient, SubtitleStyle } from '../processor/contract.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';
import type { JobContext } from '../jobs/context.ts';
import type { JobType } from '../jobs/job-types.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { type AssembledVariant, assembleVariant } from './assemble.ts';
import { type CandidateEngine, type CandidateSet, findCandidates } from './candidates.ts';
import {
  DEFAULT_VOICE_PARAMS,
  type VoiceIntervals,
  intervalsWithin,
  speechToMute,
  voiceIntervals,
} from './source-video.ts';
import { type Candidate, totalDuration } from './variant-selection.ts';

export interface VariantOutcome {
  /** 1-based. */
  index: number;
  output: MediaTarget;
  duration: number;
  width: number;
  height: number;
  size_bytes: number;
  encodes: AssembledVariant['encodes'];
  segments_used: { start: number; end: number; duration: number }[];
  /** Made by an earlier delivery of this job. */
  reused: boolean;
  /** Seconds spent assembling it (0 when reused). */
  seconds: number;
}

export interface CutPipelineRequest<T extends JobType> {
  ctx: JobContext<T>;
  processor: ProcessorClient;
  video: SourceVideoSummary & { duration: number };
  target: number;
  variantCount: number;
  engine: CandidateEngine;
  contextText: string | null;
  muteSourceVoice: boolean;
  voiceover: { source: MediaTarget; duck_to: number } | null;
  subtitles: { srt: string; style: SubtitleStyle } | null;
  /** Where variant `index` (1-based) goes. */
  outputFor(index: number): MediaTarget | Promise<MediaTarget>;
  /** Called after each variant (also for reused ones): e.g. insert its clip. Must be idempotent. */
  onVariant?(variant: VariantOutcome): Promise<void>;
  /** The slice of job progress this pipeline reports into. */
  progressFrom: number;
  progressTo: number;
  onProgress?(percent: number, step: string): Promise<void>;
}

export interface CutPipelineResult {
  candidates: CandidateSet;
  voice: VoiceIntervals | null;
  voice_error: string | null;
  variants: VariantOutcome[];
  /** Keys of intermediates to delete once the job is done. */
  intermediates: string[];
  /** Wall seconds per stage (what a run costs, and where). */
  timings: { candidates: number; voice_detection: number; variants: number };
}

const Marker = z.object({
  duration: z.number(),
  width: z.number(),
  height: z.number(),
  size_bytes: z.number(),
  encodes: z.object({
    extract_modes: z.array(z.string()),
    concat: z.enum(['copy', 'encode']),
    finish: z.enum(['none', 'audio_mix_video_copied', 'render']),
  }),
  segments_used: z.array(z.object({ start: z.number(), end: z.number(), duration: z.number() })),
});

const span = (c: Candidate) => ({ start: c.start, end: c.end, duration: c.duration });

export async function runCutPipeline<T extends JobType>(req: CutPipelineRequest<T>): Promise<CutPipelineResult> {
  const { ctx, processor, video } = req;
  const { env, scope } = ctx;
  const width = req.progressTo - req.progressFrom;
  const report = async (fraction: number, step: string) => {
    const percent = req.progressFrom + width * Math.max(0, Math.min(1, fraction));
    await ctx.progress(percent, step);
    await req.onProgress?.(percent, step);
  };

  await report(0, 'Finding the best segments');
  const started = Date.now();
  const candidates = await findCandidates({
    env,
    scope,
    processor,
    jobId: ctx.job.id,
    attempt: ctx.attempt,
    video: { id: video.id, duration: video.duration },
    target: req.target,
    variantCount: req.variantCount,
    engine: req.engine,
    contextText: req.contextText,
    recordOutputs: ctx.recordOutputs,
    onProgress: (p, step) => report((p / 100) * 0.25, step),
  });
  if (!candidates.all.length || !candidates.variants.some((v) => v.length)) {
    throw new PermanentJobError(
      'no_segments',
      'No usable segments were found in the video (it is black, static or too short)',
    );
  }
  await ctx.throwIfCancelled();

  const candidatesDone = Date.now();
  let voice: VoiceIntervals | null = null;
  let voiceError: string | null = null;
  if (req.muteSourceVoice) {
    await report(0.25, 'Detecting speech in the source');
    try {
      voice = await voiceIntervals(env, scope, processor, video.id, DEFAULT_VOICE_PARAMS, (e) =>
        report(0.25 + (e.percent / 100) * 0.05, 'Detecting speech in the source'),
      );
    } catch (err) {
      // As the original: a failed detection does not fail the job; the variants keep their sound.
      if (!(err instanceof PermanentJobError)) throw err;
      voiceError = err.message;
    }
  }

  const muted = voice ? speechToMute(voice.segments, video.duration) : null;
  const voiceDone = Date.now();
  const variants: VariantOutcome[] = [];
  const intermediates: string[] = [];
  const count = candidates.variants.length;
  for (let i = 0; i < count; i++) {
    await ctx.throwIfCancelled();
    const index = i + 1;
    const segments = candidates.variants[i] ?? [];
    if (!segments.length) continue;
    const output = await req.outputFor(index);
    const markerKey = jobOutputKey(scope, ctx.job.id, `v${index}.json`);
    const from = 0.3 + (0.7 * i) / count;
    const to = 0.3 + (0.7 * (i + 1)) / count;
    const stored = await env.MEDIA.get(markerKey);
    const previous = stored ? Marker.safeParse(await stored.json().catch(() => null)) : null;
    let outcome: VariantOutcome;
    if (previous?.success) {
      outcome = { index, output, ...previous.data, reused: true, seconds: 0 };
    } else {
      const variantStarted = Date.now();
      const made = await assembleVariant({
        env,
        scope,
        processor,
        jobId: ctx.job.id,
        prefix: `v${index}`,
        pieces: segments.map((s) => ({
          source: { kind: 'source_video', id: video.id },
          start: s.start,
          end: s.end,
          ...(muted ? { mute: intervalsWithin(muted, s.start, s.end) } : {}),
        })),
        maxDuration: req.target,
        fps: video.fps ?? 30,
        voiceover: req.voiceover,
        subtitles: req.subtitles,
        output,
        recordOutputs: ctx.recordOutputs,
        onProgress: (p, step) => report(from + ((to - from) * p) / 100, `Variant ${index} of ${count}: ${step}`),
      });
      intermediates.push(...made.intermediates);
      const marker = {
        duration: made.duration,
        width: made.width,
        height: made.height,
        size_bytes: made.size_bytes,
        encodes: made.encodes,
        segments_used: segments.map(span),
      };
      await ctx.recordOutputs([markerKey]);
      await env.MEDIA.put(markerKey, JSON.stringify(marker), { httpMetadata: { contentType: 'application/json' } });
      outcome = {
        index,
        output,
        ...marker,
        reused: false,
        seconds: Math.round((Date.now() - variantStarted) / 10) / 100,
      };
    }
    await req.onVariant?.(outcome);
    variants.push(outcome);
  }
  if (!variants.length)
    throw new PermanentJobError('no_segments', 'No variant could be assembled from the segments found');
  await report(1, 'Variants ready');
  const secs = (from: number, to: number) => Math.round((to - from) / 10) / 100;
  return {
    candidates,
    voice,
    voice_error: voiceError,
    variants,
    intermediates,
    timings: {
      candidates: secs(started, candidatesDone),
      voice_detection: secs(candidatesDone, voiceDone),
      variants: secs(voiceDone, Date.now()),
    },
  };
}

export { totalDuration };
