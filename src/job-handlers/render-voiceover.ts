/**
 * The voice-over of a render (the original's render voice-over and fitting, docs/compatibility.md#final-render, which crashed at the snapshot, docs/compatibility.md#w2):
 * - speech for the clip content's `tts_text` through the voice-over module (ElevenLabs with
 *   timestamps when configured, else the local eSpeak voice), silences removed with the original's
 *   render parameters (0.25 s, 0.06 s padding), cached on the clip and reused while the text and
 *   voice are unchanged;
 * - the video fitted to the speech: trimmed when longer; when shorter, extended with more of the
 *   project's segments (not already in the clip, in a shuffled order seeded by the job), each cut
 *   once and reused, then by holding the last frame (the processor's render does the joining).
 */
import type { ClipContentRow, ClipRow } from '../db/repos/clips.ts';
import { listProjectSegments } from '../db/repos/segments.ts';
import { cachedVoiceover, rememberVoiceover, type VoiceoverMeta } from '../voiceover/clip-cache.ts';
import { orderCandidates } from '../library/variant-plan.ts';
import type { MediaInput, ProcessorClient } from '../processor/contract.ts';
import type { MediaTarget } from '../storage/signed-urls.ts';
import { storageKeys } from '../storage/keys.ts';
import { synthesizeVoiceover } from '../voiceover/synthesize.ts';
import type { JobContext } from '../jobs/context.ts';
import { mediaInput } from '../processor/io.ts';
import { extractSegment } from './segment-extraction.ts';

/** Level of the clip's own audio while the voice speaks. */
export const RENDER_DUCK_TO = 0.15;
/** The original's silence removal for render voice-overs (docs/compatibility.md#final-render). */
const RENDER_MIN_SILENCE = 0.25;
const RENDER_SILENCE_PADDING = 0.06;
/** The voice may run this much longer than the clip before more material is added. */
const FIT_TOLERANCE_SECONDS = 0.5;
const MAX_EXTENSIONS = 20;

export interface PreparedVoiceover {
  audio: MediaTarget;
  duration: number;
  /** Captions of the speech, used when the content has no SRT of its own. */
  srt: string | null;
  provider: string;
  reused: boolean;
  duckTo: number;
  /** More of the project's segments, when the voice is longer than the clip. */
  extendWith: MediaInput[];
  extendedWithSegments: string[];
}

/** A number from the job id, so a rerun of the job picks the same extension segments. */
function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

async function extensionMaterial(
  ctx: JobContext<'render_clip'>,
  processor: ProcessorClient,
  clip: ClipRow,
  missing: number,
) {
  const { env, scope } = ctx;
  const used = new Set(clip.segmentIds);
  const candidates = (await listProjectSegments(scope, clip.projectId))
    .filter((a) => a.video.status === 'ready' && !used.has(a.segment.id))
    .filter((a, i, all) => all.findIndex((b) => b.segment.id === a.segment.id) === i)
    .map((a) => ({
      id: a.segment.id,
      duration: a.segment.endTime - a.segment.startTime,
      isFavorite: a.segment.isFavorite,
      usageCount: a.segment.usageCount,
    }));
  const inputs: MediaInput[] = [];
  const ids: string[] = [];
  let covered = 0;
  for (const candidate of orderCandidates(candidates, 'random', seedOf(ctx.job.id), 1)) {
    if (covered >= missing || inputs.length >= MAX_EXTENSIONS) break;
    await ctx.throwIfCancelled();
    const { segment } = await extractSegment(env, scope, processor, candidate.id, {
      mode: 'smart',
      reuseAnyMode: true,
    });
    inputs.push(await mediaInput(env, scope, { kind: 'segment_extract', id: segment.id }));
    ids.push(segment.id);
    covered += segment.extractedDuration ?? candidate.duration;
  }
  return { inputs, ids };
}

export async function prepareVoiceover(
  ctx: JobContext<'render_clip'>,
  processor: ProcessorClient,
  clip: ClipRow,
  content: ClipContentRow | undefined,
  span: { from: number; to: number },
): Promise<PreparedVoiceover | null> {
  const text = content?.ttsText?.trim();
  if (!content || !text) return null;
  const { env, scope, job } = ctx;
  let meta: VoiceoverMeta | null = await cachedVoiceover(env, scope, content, text);
  const reused = meta !== null;
  if (!meta) {
    const jobPrefix = storageKeys.jobPrefix(scope, job.id);
    const result = await synthesizeVoiceover(env, scope, {
      text,
      jobId: job.id,
      key: 'render-vo',
      ...(content.ttsVoiceId ? { voice: content.ttsVoiceId } : {}),
      removeSilence: true,
      minSilence: RENDER_MIN_SILENCE,
      padding: RENDER_SILENCE_PADDING,
      output: { kind: 'clip_voiceover', id: clip.id },
      // Only the job's intermediates belong to the job; the clip keeps its voice-over.
      recordOutputs: (keys) => ctx.recordOutputs(keys.filter((k) => k.startsWith(jobPrefix))),
      onProgress: (p, s) => ctx.progress(span.from + (((span.to - span.from) * p) / 100) * 0.8, s),
      processor,
    });
    meta = {
      text,
      voice: content.ttsVoiceId ?? null,
      duration: result.duration,
      srt: result.srt,
      provider: result.provider,
    };
    await rememberVoiceover(env, scope, clip.id, meta);
  }
  await ctx.progress(span.from + (span.to - span.from) * 0.8, 'Fitting the video to the voice-over', true);
  const clipDuration = clip.duration ?? 0;
  const missing = meta.duration - clipDuration;
  const extension =
    missing > FIT_TOLERANCE_SECONDS ? await extensionMaterial(ctx, processor, clip, missing) : { inputs: [], ids: [] };
  return {
    audio: { kind: 'clip_voiceover', id: clip.id },
    duration: meta.duration,
    srt: meta.srt.trim() ? meta.srt : null,
    provider: meta.provider,
    reused,
    duckTo: RENDER_DUCK_TO,
    extendWith: extension.inputs,
    extendedWithSegments: extension.ids,
  };
}
