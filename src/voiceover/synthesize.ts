/**
 * Voice-overs: text → an audio file in R2 plus captions aligned to the speech. The one path every
 * job that speaks uses (`tts_generate`, `tts_add_to_videos`, the main pipeline's `script_text`,
 * the library's generation and render jobs).
 *
 *   const plan = planVoiceover(env, profile);                      // route: which provider, limits
 *   await assertWithinBudget(scope, estimateVoiceoverCostUsd(env, plan, text)); // route, before enqueueing
 *   const vo = await synthesizeVoiceover(env, scope, {             // job handler
 *     text, jobId: ctx.job.id, removeSilence: true, minSilence: 0.3, padding: 0.08,
 *     output: { kind: 'job_output', id: ctx.job.id, name: 'voiceover.mp3' },
 *     recordOutputs: ctx.recordOutputs,
 *   });
 *   // vo.audioTarget / vo.audioKey (mp3), vo.duration, vo.cues, vo.srt, vo.provider, vo.characters, vo.costUsd
 *
 * Providers:
 * - **ElevenLabs** when the deployment has `ELEVENLABS_API_KEY` and the profile's `tts_provider` is
 *   `elevenlabs` (the default): the with-timestamps endpoint, so captions come from the character
 *   alignment. Voice: the request's `voice`, else the profile's `elevenlabs_voice_id`, else
 *   `ELEVENLABS_VOICE_ID`; model: the profile's `elevenlabs_model`, else `ELEVENLABS_MODEL`. The call
 *   is recorded in the cost ledger (`recordCost`, call key `{jobId}:{key}`), with the `request-id`
 *   and billed characters.
 * - **local** otherwise: the processor's `tts-local` (eSpeak NG) voice (`voice`, else the profile's
 *   `local_voice`, else `en-us`) with its phrase cues. Free; nothing is written to the ledger.
 *
 * Silence removal (docs/compatibility.md#silence-removal): the processor's `silence-remove` with `min_silence_duration` and
 * `padding`; the cues are re-timed through the `kept` spans it reports (`retimeCues`). When the
 * processor refuses the audio for good, the unprocessed audio is used (as the original did) and
 * `silence_removal.applied` is false.
 *
 * Idempotent under redelivery (all keys are deterministic per job and `key`):
 * - ElevenLabs' answer (audio + alignment, request id, characters) is stored under the job
 *   (`job_output` `{key}-el.mp3` / `{key}-el.json`) before the cost row is written; a second run
 *   finds it and never calls (or bills) ElevenLabs again. The ledger write is idempotent on its key.
 * - The local voice and silence removal are deterministic and simply redone, overwriting the same
 *   objects.
 * Every object written is reported through `recordOutputs` first, so deleting the job removes it;
 * `cacheKeys` lists the ones a handler should keep when it prunes its intermediates.
 *
 * Failures: provider errors become `TransientJobError` (429, 5xx, timeouts) or `PermanentJobError`
 * (invalid key, quota, unknown voice, text too long) via `providerErrorToJobError`; processor
 * errors go through `callProcessor`. Over-long text is a `PermanentJobError` (`text_too_long`):
 * routes should check `plan.maxCharacters` first and answer 400.
 */
import { roundMs } from '../../shared/seconds.ts';
import { z } from 'zod';
import type { ProfileRow } from '../db/repos/profiles.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import { recordCost } from '../db/repos/costs.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { callProcessor } from '../jobs/processor-failures.ts';
import { type CharacterAlignment, type Cue, alignmentToCues, cuesToSrt } from '../providers/captions.ts';
import { createElevenLabsClient, elevenLabsMaxCharacters } from '../providers/elevenlabs.ts';
import { providerErrorToJobError } from '../jobs/provider-failures.ts';
import { elevenLabsTtsCost, loadPriceTable } from '../providers/pricing.ts';
import { ProviderError } from '../providers/provider-error.ts';
import type { ProcessorClient, TimeRange } from '../processor/contract.ts';
import { mediaInput, mediaOutput } from '../processor/io.ts';
import { jobOutput } from '../storage/job-outputs.ts';
import { type MediaTarget, storageKeyOf } from '../storage/signed-urls.ts';

export type VoiceoverProvider = 'elevenlabs' | 'local';

/** Longest text the local voice takes in one go (the original's app-side limit). */
export const LOCAL_TTS_MAX_CHARACTERS = 5000;
export const DEFAULT_LOCAL_VOICE = 'en-us';
/** eSpeak NG voice names: language[-variant][+voice-variant]. */
export const LOCAL_VOICE_PATTERN = /^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]{1,16})?$/i;
export const ELEVENLABS_VOICE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const AUDIO_TYPE = 'audio/mpeg';
/** Names of intermediate objects under the job: `[a-z0-9_-]`, starting with a letter or digit. */
const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,40}$/;

export interface VoiceoverPlan {
  provider: VoiceoverProvider;
  /** ElevenLabs voice id, or eSpeak NG voice name. */
  voice: string;
  /** ElevenLabs model id; null for the local voice. */
  model: string | null;
  /** Longest text this provider/model accepts. */
  maxCharacters: number;
}

type VoiceProfile = Pick<ProfileRow, 'ttsProvider' | 'elevenlabsVoiceId' | 'elevenlabsModel' | 'localVoice'>;

/** Which provider, voice and model a voice-over for this profile uses. Pure; routes call it to validate. */
export function planVoiceover(env: Bindings, profile: VoiceProfile, voice?: string | null): VoiceoverPlan {
  const elevenLabs = profile.ttsProvider !== 'local' && !!env.ELEVENLABS_API_KEY;
  if (elevenLabs) {
    const model = profile.elevenlabsModel || env.ELEVENLABS_MODEL || 'eleven_flash_v2_5';
    return {
      provider: 'elevenlabs',
      voice: voice || profile.elevenlabsVoiceId || env.ELEVENLABS_VOICE_ID,
      model,
      maxCharacters: elevenLabsMaxCharacters(model),
    };
  }
  return {
    provider: 'local',
    voice: voice || profile.localVoice || DEFAULT_LOCAL_VOICE,
    model: null,
    maxCharacters: LOCAL_TTS_MAX_CHARACTERS,
  };
}

/** Checks a requested voice against the plan's provider; returns a message when it cannot work. */
export function voiceProblem(plan: VoiceoverPlan): string | null {
  const ok =
    plan.provider === 'elevenlabs' ? ELEVENLABS_VOICE_PATTERN.test(plan.voice) : LOCAL_VOICE_PATTERN.test(plan.voice);
  return ok
    ? null
    : `"${plan.voice}" is not a valid ${plan.provider === 'elevenlabs' ? 'ElevenLabs voice id' : 'eSpeak NG voice name'}`;
}

/** What the voice-over will cost in USD (0 for the local voice), for `assertWithinBudget`. */
export function estimateVoiceoverCostUsd(env: Bindings, plan: VoiceoverPlan, text: string): number {
  if (plan.provider !== 'elevenlabs' || !plan.model) return 0;
  return elevenLabsTtsCost({ model: plan.model, characters: text.length }, loadPriceTable(env.PRICES_JSON)).cost_usd;
}

export interface VoiceoverRequest {
  text: string;
  /** The job this voice-over belongs to: ledger rows and intermediate objects are keyed by it. */
  jobId: string;
  /** Tells several voice-overs of one job apart (default `tts`); `[a-z0-9_-]`, ≤ 41 chars. */
  key?: string;
  /** Overrides the profile's voice (ElevenLabs voice id or eSpeak NG voice). */
  voice?: string;
  removeSilence: boolean;
  /** Silences longer than this are cut (original default 0.3 s). */
  minSilence: number;
  /** Speech kept on both sides of a cut (original default 0.08 s). */
  padding: number;
  /** Where the final mp3 goes (e.g. a `job_output` or a `clip_voiceover`). */
  output: MediaTarget;
  /** Called with every R2 key before it is written (pass `ctx.recordOutputs`). */
  recordOutputs?: (keys: string[]) => Promise<void>;
  /** Progress 0–100 of the voice-over itself. */
  onProgress?: (percent: number, step: string) => Promise<void>;
  /** The job's processor (`processorFor(ctx)`). */
  processor: ProcessorClient;
}

export type SilenceRemovalStats =
  | { enabled: false }
  | {
      enabled: true;
      /** False when the processor refused the audio and the unprocessed audio was kept. */
      applied: boolean;
      original_duration: number;
      new_duration: number;
      removed_duration: number;
      /** Percent removed: (1 − new/original) × 100. */
      compression_ratio: number;
      segments_kept: number;
      error?: string;
    };

export interface VoiceoverResult {
  audioTarget: MediaTarget;
  /** R2 key of `audioTarget` (under the scope's profile). */
  audioKey: string;
  /** Seconds of the final audio. */
  duration: number;
  /** Captions in the final audio's time. */
  cues: Cue[];
  srt: string;
  provider: VoiceoverProvider;
  voice: string;
  model: string | null;
  /** Billed characters (ElevenLabs' count) or the text length (local). */
  characters: number;
  /** USD recorded in the ledger for this voice-over (0 for local). */
  costUsd: number;
  requestId: string | null;
  silence_removal: SilenceRemovalStats;
  /**
   * Objects to keep with the job besides the output: the stored ElevenLabs answer, so a rerun of
   * the job after a crash never pays ElevenLabs again. Empty for the local voice.
   */
  cacheKeys: string[];
}

/** What a job's result says of the voice-over it made, in the same words wherever one is made. */
export function voiceoverFacts(vo: VoiceoverResult) {
  return {
    provider: vo.provider,
    voice: vo.voice,
    model: vo.model,
    duration: vo.duration,
    characters: vo.characters,
    cost_usd: vo.costUsd,
  };
}

/** What we keep of an ElevenLabs answer, so a redelivered job never calls (or pays) twice. */
const StoredSynthesis = z.object({
  request_id: z.string().nullable(),
  characters: z.number().int().nonnegative(),
  model: z.string(),
  voice: z.string(),
  alignment: z
    .object({
      characters: z.array(z.string()),
      character_start_times_seconds: z.array(z.number()),
      character_end_times_seconds: z.array(z.number()),
    })
    .nullable(),
});
type StoredSynthesis = z.infer<typeof StoredSynthesis>;

/**
 * Moves cues from the original audio's time into the time of the audio that keeps only `kept`
 * (in order, as silence removal reports them). A time inside a cut snaps to where the next kept
 * span starts; cues that end up empty (wholly inside a cut) are dropped.
 */
export function retimeCues(cues: readonly Cue[], kept: readonly TimeRange[]): Cue[] {
  const spans = [...kept].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  if (!spans.length) return [];
  const offsets: number[] = [];
  let total = 0;
  for (const s of spans) {
    offsets.push(total);
    total += s.end - s.start;
  }
  const map = (t: number): number => {
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      if (t < s.start) return offsets[i]!;
      if (t <= s.end) return offsets[i]! + (t - s.start);
    }
    return total;
  };
  const out: Cue[] = [];
  for (const cue of cues) {
    const start = roundMs(map(cue.start));
    const end = roundMs(map(cue.end));
    if (end - start >= 0.05) out.push({ start, end, text: cue.text });
  }
  return out;
}

/** Calls ElevenLabs once per (job, key): a stored answer is reused. Returns the stored facts. */
async function elevenLabsSpeech(
  env: Bindings,
  scope: ProfileScope,
  req: VoiceoverRequest,
  plan: VoiceoverPlan,
  key: string,
  audioTarget: MediaTarget,
): Promise<StoredSynthesis> {
  const metaKey = storageKeyOf(scope, jobOutput(req.jobId, `${key}-el.json`));
  const audioKey = storageKeyOf(scope, audioTarget);
  const [metaObject, audioHead] = await Promise.all([env.MEDIA.get(metaKey), env.MEDIA.head(audioKey)]);
  if (metaObject && audioHead) {
    const parsed = StoredSynthesis.safeParse(await metaObject.json().catch(() => null));
    if (parsed.success) return parsed.data;
  } else if (metaObject) {
    await metaObject.body.cancel();
  }

  const client = createElevenLabsClient({ baseUrl: env.ELEVENLABS_BASE_URL, apiKey: env.ELEVENLABS_API_KEY ?? '' });
  let result;
  try {
    result = await client.synthesizeWithTimestamps({
      voiceId: plan.voice,
      modelId: plan.model!,
      text: req.text,
      outputFormat: 'mp3_44100_128',
    });
  } catch (err) {
    if (err instanceof ProviderError) throw providerErrorToJobError(err);
    if (err instanceof RangeError) throw new PermanentJobError('invalid_request', err.message);
    throw err;
  }
  const stored: StoredSynthesis = {
    request_id: result.requestId,
    characters: result.characterCount,
    model: result.model,
    voice: plan.voice,
    alignment: result.alignment ?? result.normalizedAlignment,
  };
  await req.recordOutputs?.([audioKey, metaKey]);
  await env.MEDIA.put(audioKey, result.audio, { httpMetadata: { contentType: AUDIO_TYPE } });
  // Written last: its presence means the audio is complete.
  await env.MEDIA.put(metaKey, JSON.stringify(stored), { httpMetadata: { contentType: 'application/json' } });
  return stored;
}

export async function synthesizeVoiceover(
  env: Bindings,
  scope: ProfileScope,
  req: VoiceoverRequest,
): Promise<VoiceoverResult> {
  const key = req.key ?? 'tts';
  if (!KEY_PATTERN.test(key)) throw new Error(`voice-over key ${JSON.stringify(key)} must match ${KEY_PATTERN}`);
  const text = req.text.trim();
  if (!text) throw new PermanentJobError('invalid_request', 'The voice-over text is empty');
  const plan = planVoiceover(env, await getScopeProfile(scope), req.voice);
  if (text.length > plan.maxCharacters) {
    throw new PermanentJobError(
      'text_too_long',
      `The voice-over text has ${text.length} characters; ${plan.provider} takes at most ${plan.maxCharacters}`,
    );
  }
  const problem = voiceProblem(plan);
  if (problem) throw new PermanentJobError('invalid_voice', problem);

  const processor = req.processor;
  const progress = async (percent: number, step: string) => {
    await req.onProgress?.(Math.max(0, Math.min(100, percent)), step);
  };
  const finalKey = storageKeyOf(scope, req.output);
  // Without silence removal the speech goes straight to the output.
  const speechTarget = req.removeSilence ? jobOutput(req.jobId, `${key}-speech.mp3`) : req.output;
  const speechKey = storageKeyOf(scope, speechTarget);
  await req.recordOutputs?.([...new Set([speechKey, finalKey])]);

  let cues: Cue[];
  let characters: number;
  let costUsd = 0;
  let requestId: string | null = null;
  let speechDuration: number | null = null;
  let model: string | null = plan.model;
  let cacheKeys: string[] = [];

  await progress(0, plan.provider === 'elevenlabs' ? 'Synthesising voice (ElevenLabs)' : 'Synthesising voice (local)');
  if (plan.provider === 'elevenlabs') {
    const stored = await elevenLabsSpeech(env, scope, { ...req, text }, plan, key, speechTarget);
    const cost = elevenLabsTtsCost(
      { model: stored.model, characters: stored.characters, request_id: stored.request_id },
      loadPriceTable(env.PRICES_JSON),
    );
    await recordCost(scope, {
      jobId: req.jobId,
      service: 'elevenlabs',
      operation: cost.operation,
      units: cost.units,
      unit: cost.unit,
      unitPriceUsd: cost.unit_price_usd,
      costUsd: cost.cost_usd,
      model: cost.model,
      requestId: stored.request_id,
      callKey: `${req.jobId}:${key}`,
      details: { ...cost.details, voice_id: stored.voice, text_length: text.length },
    });
    costUsd = cost.cost_usd;
    characters = stored.characters;
    requestId = stored.request_id;
    model = stored.model;
    cues = stored.alignment ? alignmentToCues(stored.alignment as CharacterAlignment) : [];
    cacheKeys = [...new Set([speechKey, storageKeyOf(scope, jobOutput(req.jobId, `${key}-el.json`))])];
  } else {
    const result = await callProcessor(async () =>
      processor.run(
        'tts-local',
        { text, voice: plan.voice, output: await mediaOutput(env, scope, speechTarget, AUDIO_TYPE) },
        (e) => progress(e.percent * 0.5, 'Synthesising voice (local)'),
      ),
    );
    cues = result.cues.map((c) => ({ start: c.start, end: c.end, text: c.text }));
    characters = result.characters;
    speechDuration = result.duration;
  }
  await progress(50, 'Voice synthesised');

  let duration: number;
  let silence: SilenceRemovalStats = { enabled: false };
  if (req.removeSilence) {
    try {
      const removed = await callProcessor(async () =>
        processor.run(
          'silence-remove',
          {
            input: await mediaInput(env, scope, speechTarget),
            min_silence_duration: req.minSilence,
            padding: req.padding,
            output: await mediaOutput(env, scope, req.output, AUDIO_TYPE),
          },
          (e) => progress(50 + e.percent * 0.45, 'Removing silences'),
        ),
      );
      cues = retimeCues(cues, removed.kept);
      duration = removed.new_duration;
      silence = {
        enabled: true,
        applied: true,
        original_duration: removed.original_duration,
        new_duration: removed.new_duration,
        removed_duration: removed.removed_duration,
        compression_ratio: removed.compression_ratio,
        segments_kept: removed.segments_kept,
      };
    } catch (err) {
      if (!(err instanceof PermanentJobError)) throw err;
      // As the original: the unprocessed voice is better than no voice.
      const original = await env.MEDIA.get(speechKey);
      if (!original) throw err;
      await env.MEDIA.put(finalKey, original.body, { httpMetadata: { contentType: AUDIO_TYPE } });
      duration = speechDuration ?? (await audioDuration(env, scope, processor, req.output));
      silence = {
        enabled: true,
        applied: false,
        original_duration: duration,
        new_duration: duration,
        removed_duration: 0,
        compression_ratio: 0,
        segments_kept: 1,
        error: err.message,
      };
    }
  } else {
    duration = speechDuration ?? (await audioDuration(env, scope, processor, req.output));
  }
  await progress(100, 'Voice-over ready');

  return {
    audioTarget: req.output,
    audioKey: finalKey,
    duration: roundMs(duration),
    cues,
    srt: cuesToSrt(cues),
    provider: plan.provider,
    voice: plan.voice,
    model,
    characters,
    costUsd,
    requestId,
    silence_removal: silence,
    cacheKeys,
  };
}

async function audioDuration(
  env: Bindings,
  scope: ProfileScope,
  processor: ProcessorClient,
  target: MediaTarget,
): Promise<number> {
  const probe = await callProcessor(async () =>
    processor.run('probe', { input: await mediaInput(env, scope, target) }),
  );
  return probe.duration;
}
