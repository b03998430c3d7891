/**
 * `generate_from_segments`: variants of a project from its assigned segments (docs/compatibility.md#clip-generation), with
 * as few encodes as the material allows:
 *
 * 1. every segment a variant uses is cut once, frame-accurately (`smart` extract), into the
 *    segment's own object, and reused by every later variant, generation and render;
 * 2. the last piece, when it must be shortened to hit the target, is a `smart` extract of the
 *    segment's cut (only the frames after its last keyframe are re-encoded);
 * 3. the pieces are joined by `concat`, which stream-copies when their parameters match (segments
 *    of one source always do) and encodes once otherwise;
 * 4. muting the source voice (fade / duck / hard over detected speech mapped onto the variant's
 *    timeline) re-encodes the audio only; the video is copied. No speech: no audio encode.
 *
 * The original re-encoded every segment and then the whole variant again (docs/compatibility.md#w16).
 *
 * Redelivery-safe: the route fixed the clip ids, the first variant index and the seed, so a rerun
 * plans the same variants, skips the ones whose clip row exists and overwrites the objects of the
 * one it lost. Progress (job and project) is relative to this run and never passes 100.
 */
import { roundMs } from '../../shared/seconds.ts';
import { DEFAULT_VOICE_PARAMS, sameVoiceParams, speechToMute, voiceDetectionRecord } from '../pipeline/source-video.ts';
import { getClip, getClipContent, insertClip, upsertClipContent } from '../db/repos/clips.ts';
import { getProject, recountProjects, setProjectProgress, updateProjectStatement } from '../db/repos/projects.ts';
import { type AssignedSegment, listProjectSegments, recountSegmentUsage } from '../db/repos/segments.ts';
import { getVoiceDetection, setVoiceDetection } from '../db/repos/source-videos.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import {
  type PieceDecision,
  type TimeSpan,
  decidePiece,
  FILL_TOLERANCE_SECONDS,
  mapSpeechToVariant,
  orderCandidates,
} from '../library/variant-plan.ts';
import { copyVoiceoverTo, type VoiceoverMeta } from '../voiceover/clip-cache.ts';
import type { MediaInput, ProcessorClient } from '../processor/contract.ts';
import { synthesizeVoiceover } from '../voiceover/synthesize.ts';
import { type MediaTarget, storageKeyOf } from '../storage/signed-urls.ts';
import { deletePrefix, storageKeys } from '../storage/keys.ts';
import type { JobContext, JobHandler } from '../jobs/context.ts';
import type { ProcessorFor } from '../jobs/job-processor.ts';
import { JobCancelledError, PermanentJobError } from '../jobs/errors.ts';
import { mediaInput, mediaOutput, progressSlice } from '../processor/io.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { extractSegment } from './segment-extraction.ts';

type Ctx = JobContext<'generate_from_segments'>;

const CLIP_THUMBNAIL_WIDTH = 480;
/** Level kept under speech in `duck` style (fade uses the original's 0.03, hard 0). */
const DUCK_KEEP = 0.2;

interface Piece {
  segment: AssignedSegment;
  /** Seconds from the segment's start. */
  duration: number;
  whole: boolean;
  outputStart: number;
  /** Where the piece's bytes are: the segment's cut, or a shortened copy for this variant. */
  source: MediaTarget;
}

export interface VariantReport {
  clip_id: string;
  variant_index: number;
  duration: number;
  segment_ids: string[];
  pieces: { segment_id: string; duration: number; whole: boolean }[];
  /** What was encoded for this variant (besides segment cuts made for the first time). */
  encodes: { trimmed_piece: boolean; concat: 'copy' | 'encode' | 'none'; audio_mute: boolean };
  muted_intervals: number;
  reused: boolean;
}

/** The generation's voice-over (generate_tts): made once, copied to every clip. */
interface GenerationVoiceover {
  audioKey: string;
  meta: VoiceoverMeta;
}

/** The clip's content as the request asked: the voice-over (audio + captions) or just its text. */
async function writeClipContent(ctx: Ctx, clipId: string, voiceover: GenerationVoiceover | null) {
  const { env, scope, input } = ctx;
  if (voiceover) {
    const content = await getClipContent(scope, clipId);
    if (!content?.ttsAudioKey) await copyVoiceoverTo(env, scope, voiceover.audioKey, clipId, voiceover.meta);
  } else if (input.tts_text) {
    const content = await getClipContent(scope, clipId);
    if (!content?.ttsText) await upsertClipContent(scope, clipId, { ttsText: input.tts_text });
  }
}

async function report(ctx: Ctx, percent: number, step: string, force = false) {
  await ctx.progress(percent, step, force);
  await setProjectProgress(ctx.scope, ctx.input.project_id, percent, step);
}

/** Speech to mute in each source video used, from the cache or detected now (and cached for next time). */
async function speechBySource(
  ctx: Ctx,
  processor: ProcessorClient,
  videoIds: string[],
): Promise<Map<string, TimeSpan[]>> {
  const speech = new Map<string, TimeSpan[]>();
  for (const [i, id] of videoIds.entries()) {
    await ctx.throwIfCancelled();
    const cached = await getVoiceDetection(ctx.scope, id);
    if (!cached) throw new PermanentJobError('not_found', `Source video ${id} no longer exists`);
    if (cached.voice && sameVoiceParams(cached.voice.params, DEFAULT_VOICE_PARAMS)) {
      speech.set(id, speechToMute(cached.voice.segments, cached.duration ?? Number.POSITIVE_INFINITY));
      continue;
    }
    const from = 4 + (6 * i) / videoIds.length;
    const result = await callProcessor(async () =>
      processor.run(
        'detect-voice',
        { input: await mediaInput(ctx.env, ctx.scope, { kind: 'source_video', id }), ...DEFAULT_VOICE_PARAMS },
        progressSlice((p, s) => report(ctx, p, s), from, from + 6 / videoIds.length, 'Detecting speech in the sources'),
      ),
    );
    await setVoiceDetection(ctx.scope, id, voiceDetectionRecord(DEFAULT_VOICE_PARAMS, result));
    speech.set(id, speechToMute(result.segments, result.duration));
  }
  return speech;
}

/** Picks, cuts and (when needed) shortens the pieces of one variant. */
async function planPieces(
  ctx: Ctx,
  processor: ProcessorClient,
  assigned: AssignedSegment[],
  variantIndex: number,
  target: number,
  reportCut: (step: string) => Promise<void>,
): Promise<Piece[]> {
  const { input } = ctx;
  const candidates = assigned.map((a) => ({
    id: a.segment.id,
    duration: a.segment.extractedDuration ?? a.segment.endTime - a.segment.startTime,
    isFavorite: a.segment.isFavorite,
    usageCount: a.segment.usageCount,
    assigned: a,
  }));
  const ordered = orderCandidates(candidates, input.selection_mode, input.seed, variantIndex);
  const pieces: Piece[] = [];
  let total = 0;
  for (const candidate of ordered) {
    const remaining = target - total;
    if (remaining < FILL_TOLERANCE_SECONDS) break;
    if (decidePiece(remaining, candidate.duration).take === 'skip') continue;
    await ctx.throwIfCancelled();
    await reportCut(`Cutting segment ${candidate.id}`);
    // Cut once, reuse everywhere; the measured length of the cut decides the fill.
    const { segment } = await extractSegment(ctx.env, ctx.scope, processor, candidate.id, {
      mode: 'smart',
      reuseAnyMode: true,
    });
    const measured = segment.extractedDuration ?? segment.endTime - segment.startTime;
    const decision: PieceDecision = decidePiece(remaining, measured);
    if (decision.take === 'skip') continue;
    const duration = decision.take === 'whole' ? measured : decision.duration;
    pieces.push({
      segment: { ...candidate.assigned, segment },
      duration,
      whole: decision.take === 'whole',
      outputStart: total,
      source: { kind: 'segment_extract', id: segment.id },
    });
    total += duration;
    if (decision.take === 'trim') break;
  }
  return pieces;
}

function tempTarget(jobId: string, name: string): MediaTarget {
  return { kind: 'job_output', id: jobId, name };
}

/** Copies one stored object to another key of the same profile (no processor, no encode). */
async function copyObject(env: Bindings, scope: ProfileScope, from: MediaTarget, to: MediaTarget) {
  const object = await env.MEDIA.get(storageKeyOf(scope, from));
  if (!object)
    throw new PermanentJobError('not_found', 'A segment cut vanished from storage; extract the segment again');
  await env.MEDIA.put(storageKeyOf(scope, to), object.body, { httpMetadata: { contentType: 'video/mp4' } });
}

/** Makes one variant into the clip's raw object; returns what was done. */
async function buildVariant(
  ctx: Ctx,
  processor: ProcessorClient,
  assigned: AssignedSegment[],
  speech: Map<string, TimeSpan[]>,
  plan: { k: number; span: [number, number]; target: number; voiceover: GenerationVoiceover | null },
): Promise<VariantReport> {
  const { k, span } = plan;
  const { env, scope, input, job } = ctx;
  const variantIndex = input.start_variant_index + k;
  const clipId = input.clip_ids[k]!;
  const existing = await getClip(scope, clipId, { includeDeleted: true });
  if (existing) {
    await writeClipContent(ctx, clipId, plan.voiceover);
    return {
      clip_id: clipId,
      variant_index: variantIndex,
      duration: existing.duration ?? 0,
      segment_ids: existing.segmentIds,
      pieces: [],
      encodes: { trimmed_piece: false, concat: 'none', audio_mute: false },
      muted_intervals: 0,
      reused: true,
    };
  }
  const [from, to] = span;
  const at = (fraction: number) => from + (to - from) * fraction;
  const label = `Variant ${k + 1} of ${input.clip_ids.length}`;
  let cuts = 0;
  const pieces = await planPieces(ctx, processor, assigned, variantIndex, plan.target, async (step) => {
    cuts += 1;
    await report(ctx, at(Math.min(0.45, 0.08 * cuts)), `${label}: ${step.toLowerCase()}`);
  });
  if (!pieces.length) throw new PermanentJobError('no_material', 'None of the assigned segments could be used');

  const raw: MediaTarget = { kind: 'clip_raw', id: clipId };
  const intervals = input.mute_source_voice
    ? mapSpeechToVariant(
        pieces.map((p) => ({
          sourceStart: p.segment.segment.startTime,
          duration: p.duration,
          outputStart: p.outputStart,
          speech: speech.get(p.segment.video.id) ?? [],
        })),
      )
    : [];
  const joinedTarget = intervals.length ? tempTarget(job.id, `v${variantIndex}-joined.mp4`) : raw;
  let trimmed = false;
  let concatMode: VariantReport['encodes']['concat'] = 'none';

  // Shorten the last piece (frame-accurate), straight into place when it is the only piece.
  const last = pieces[pieces.length - 1]!;
  if (!last.whole) {
    await ctx.throwIfCancelled();
    const target = pieces.length === 1 ? joinedTarget : tempTarget(job.id, `v${variantIndex}-tail.mp4`);
    await callProcessor(async () =>
      processor.run(
        'extract',
        {
          input: await mediaInput(env, scope, last.source),
          start: 0,
          end: last.duration,
          mode: 'smart',
          output: await mediaOutput(env, scope, target, 'video/mp4'),
        },
        progressSlice((p, s) => report(ctx, p, s), at(0.5), at(0.6), `${label}: trimming the last piece`),
      ),
    );
    last.source = target;
    trimmed = true;
  }

  let duration = pieces.reduce((sum, p) => sum + p.duration, 0);
  await ctx.throwIfCancelled();
  if (pieces.length > 1) {
    const inputs: MediaInput[] = [];
    for (const p of pieces) inputs.push(await mediaInput(env, scope, p.source));
    const joined = await callProcessor(async () =>
      processor.run(
        'concat',
        { inputs, output: await mediaOutput(env, scope, joinedTarget, 'video/mp4') },
        progressSlice((p, s) => report(ctx, p, s), at(0.6), at(0.8), `${label}: joining ${pieces.length} pieces`),
      ),
    );
    concatMode = joined.mode_used;
    duration = joined.duration;
  } else if (last.whole) {
    await copyObject(env, scope, last.source, joinedTarget);
  }

  if (intervals.length) {
    await ctx.throwIfCancelled();
    const muted = await callProcessor(async () =>
      processor.run(
        'mute',
        {
          input: await mediaInput(env, scope, joinedTarget),
          intervals,
          mode: input.mute_style,
          ...(input.mute_style === 'duck' ? { keep_percentage: DUCK_KEEP } : {}),
          output: await mediaOutput(env, scope, raw, 'video/mp4'),
        },
        progressSlice((p, s) => report(ctx, p, s), at(0.8), at(0.9), `${label}: muting the source voice`),
      ),
    );
    duration = muted.duration;
  }

  await callProcessor(async () =>
    processor.run(
      'thumbnail',
      {
        input: await mediaInput(env, scope, raw),
        time: Math.min(1, duration / 2),
        width: CLIP_THUMBNAIL_WIDTH,
        output: await mediaOutput(env, scope, { kind: 'clip_thumbnail', id: clipId }, 'image/jpeg'),
      },
      progressSlice((p, s) => report(ctx, p, s), at(0.9), at(0.97), `${label}: thumbnail`),
    ),
  );

  const segmentIds = pieces.map((p) => p.segment.segment.id);
  await insertClip(scope, {
    id: clipId,
    projectId: input.project_id,
    variantIndex,
    variantName: `Variant ${variantIndex}`,
    rawKey: storageKeys.clipRaw(scope, clipId),
    thumbnailKey: storageKeys.clipThumbnail(scope, clipId),
    duration: roundMs(duration),
    hasAudio: pieces.some((p) => p.segment.video.hasAudio !== false),
    segmentIds,
  });
  await writeClipContent(ctx, clipId, plan.voiceover);
  await recountSegmentUsage(scope, segmentIds);
  await recountProjects(scope, [input.project_id]);
  // This variant's intermediate objects are no longer needed.
  const temps = [`v${variantIndex}-joined.mp4`, `v${variantIndex}-tail.mp4`].map((n) =>
    storageKeys.jobOutput(scope, job.id, n),
  );
  await env.MEDIA.delete(temps);
  return {
    clip_id: clipId,
    variant_index: variantIndex,
    duration: roundMs(duration),
    segment_ids: segmentIds,
    pieces: pieces.map((p) => ({ segment_id: p.segment.segment.id, duration: roundMs(p.duration), whole: p.whole })),
    encodes: { trimmed_piece: trimmed, concat: concatMode, audio_mute: intervals.length > 0 },
    muted_intervals: intervals.length,
    reused: false,
  };
}

/** Project state after a run stops early: what this run made counts. */
async function settleProject(ctx: Omit<Ctx, 'progress'>, outcome: 'cancelled' | 'failed', message: string) {
  const { scope, input } = ctx;
  let made = 0;
  for (const id of input.clip_ids) if (await getClip(scope, id, { includeDeleted: true })) made++;
  const status =
    outcome === 'failed'
      ? 'failed'
      : made > 0
        ? 'ready_for_triage'
        : input.previous_status === 'generating'
          ? 'draft'
          : input.previous_status;
  const step =
    outcome === 'failed'
      ? `Failed after ${made} of ${input.clip_ids.length} variant(s): ${message}`.slice(0, 500)
      : `Cancelled after ${made} of ${input.clip_ids.length} variant(s)`;
  await updateProjectStatement(scope, input.project_id, { status, progressStep: step });
  await recountProjects(scope, [input.project_id]);
  await deletePrefix(ctx.env.MEDIA, storageKeys.jobPrefix(scope, ctx.job.id));
  // Objects written for variants whose row never came are removed now (the orphan sweep would, later).
  for (const id of input.clip_ids) {
    if (!(await getClip(scope, id, { includeDeleted: true })))
      await deletePrefix(ctx.env.MEDIA, storageKeys.clipPrefix(scope, id));
  }
}

export function generateFromSegmentsHandler(processorFor: ProcessorFor): JobHandler<'generate_from_segments'> {
  return {
    async run(ctx) {
      const { scope, input } = ctx;
      try {
        const project = await getProject(scope, input.project_id);
        if (!project) throw new PermanentJobError('not_found', 'The project no longer exists');
        const processor = processorFor(ctx);
        await report(ctx, 2, 'Preparing segments', true);
        const assigned = (await listProjectSegments(scope, project.id)).filter((a) => a.video.status === 'ready');
        if (!assigned.length) throw new PermanentJobError('no_segments', 'The project has no usable segments assigned');

        const speech = input.mute_source_voice
          ? await speechBySource(ctx, processor, [...new Set(assigned.map((a) => a.video.id))])
          : new Map<string, TimeSpan[]>();

        // With a voice-over made now, the variants are cut to its length (the intent of docs/compatibility.md#final-render).
        let voiceover: GenerationVoiceover | null = null;
        let target = input.target_duration;
        if (input.generate_tts && input.tts_text) {
          await ctx.throwIfCancelled();
          const result = await synthesizeVoiceover(ctx.env, scope, {
            text: input.tts_text,
            jobId: ctx.job.id,
            key: 'gen-vo',
            removeSilence: true,
            minSilence: 0.3,
            padding: 0.08,
            output: { kind: 'job_output', id: ctx.job.id, name: 'voiceover.mp3' },
            recordOutputs: ctx.recordOutputs,
            onProgress: (p, step) => report(ctx, 2 + (p * 2) / 100, step),
            processor,
          });
          voiceover = {
            audioKey: result.audioKey,
            meta: {
              text: input.tts_text,
              voice: null,
              duration: result.duration,
              srt: result.srt,
              provider: result.provider,
            },
          };
          target = result.duration;
        }

        const n = input.clip_ids.length;
        const variants: VariantReport[] = [];
        for (let k = 0; k < n; k++) {
          await ctx.throwIfCancelled();
          const span: [number, number] = [10 + (85 * k) / n, 10 + (85 * (k + 1)) / n];
          variants.push(await buildVariant(ctx, processor, assigned, speech, { k, span, target, voiceover }));
          await report(ctx, span[1], `Made variant ${k + 1} of ${n}`, true);
        }
        await deletePrefix(ctx.env.MEDIA, storageKeys.jobPrefix(scope, ctx.job.id));

        const totalSeconds = variants.filter((v) => !v.reused).reduce((s, v) => s + v.duration, 0);
        await updateProjectStatement(scope, project.id, {
          status: 'ready_for_triage',
          progress: 100,
          progressStep: `Made ${n} variant(s)`,
        });
        await recountProjects(scope, [project.id]);
        return {
          result: {
            project_id: project.id,
            variant_count: n,
            target_duration: target,
            selection_mode: input.selection_mode,
            voiceover: voiceover ? { provider: voiceover.meta.provider, duration: voiceover.meta.duration } : null,
            variants,
            clip_ids: input.clip_ids,
          },
          processingSeconds: totalSeconds,
          step: `Made ${n} variant(s)`,
        };
      } catch (err) {
        if (err instanceof JobCancelledError) {
          await settleProject(ctx, 'cancelled', '');
          throw err;
        }
        // Cancelled while a step failed (e.g. the processor was busy): stop now rather than retry.
        try {
          await ctx.throwIfCancelled();
        } catch (cancelled) {
          await settleProject(ctx, 'cancelled', '');
          throw cancelled;
        }
        throw err;
      }
    },

    async onFailure(ctx, _code, message) {
      await settleProject(ctx, 'failed', message);
    },
  };
}
