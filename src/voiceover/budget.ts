/**
 * Checks a route makes before queueing a job that will speak: the text fits the provider, the voice
 * is valid for it, and the profile's monthly budget covers what ElevenLabs will bill (the local
 * voice is free). 400 / 402 with figures, nothing queued.
 */
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { ApiError } from '../core/errors.ts';
import { assertWithinBudget } from '../jobs/budget.ts';
import { estimateVoiceoverCostUsd, planVoiceover, voiceProblem } from './synthesize.ts';

export interface SpeechToCheck {
  text: string;
  voice?: string | null;
  /** Where the text came from, for error messages (e.g. "clip clp_… content"). */
  label: string;
}

/**
 * Validates every text and checks the budget for all of them together; returns each one's cost
 * estimate (for the job that will speak it: `enqueueJob`'s `estimatedCostUsd`).
 */
export async function checkVoiceovers(
  env: Bindings,
  scope: ProfileScope,
  speeches: SpeechToCheck[],
): Promise<number[]> {
  if (!speeches.length) return [];
  const profile = await getScopeProfile(scope);
  const estimates: number[] = [];
  for (const speech of speeches) {
    const plan = planVoiceover(env, profile, speech.voice ?? undefined);
    const problem = voiceProblem(plan);
    if (problem) throw new ApiError(400, 'validation_failed', `${speech.label}: ${problem}`);
    if (speech.text.trim().length > plan.maxCharacters) {
      throw new ApiError(
        400,
        'validation_failed',
        `${speech.label}: the voice-over text has ${speech.text.trim().length} characters; ${plan.provider} takes at most ${plan.maxCharacters}`,
      );
    }
    estimates.push(estimateVoiceoverCostUsd(env, plan, speech.text.trim()));
  }
  await assertWithinBudget(
    scope,
    estimates.reduce((a, b) => a + b, 0),
  );
  return estimates;
}
