/** What the voice-over routes check and take: the voice plan, the text, the silence and ducking options. */
import { z } from '@hono/zod-openapi';
import { DEFAULT_DUCKING, ducking } from '../../../shared/processor/operations.ts';
import type { Bindings } from '../../core/env.ts';
import { ApiError } from '../../core/errors.ts';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { formBoolean } from '../../http/form-fields.ts';
import { type VoiceoverPlan, planVoiceover, voiceProblem } from '../../voiceover/synthesize.ts';
import { numberField } from '../processing/inputs.ts';

export const tags = ['Text to speech'];

export const silenceFields = {
  remove_silence: formBoolean.optional().default(true),
  min_silence_duration: numberField(0.3, 0.1, 2),
  silence_padding: numberField(0.08, 0.02, 0.3),
  voice: z.string().trim().max(64).optional(),
};

/** How a video's own sound makes room for a voice-over mixed over it (add-to-videos, render). */
export const duckingField = ducking.default(DEFAULT_DUCKING).openapi({
  description:
    '`sidechain` (default): the sound goes down to the duck level only while the voice sounds and comes back in its pauses; `constant`: down for the whole voice-over.',
});

/** Text checks shared by both routes: not empty, within the provider's limit, a usable voice. */
export function checkText(plan: VoiceoverPlan, text: string, field: string): string {
  const trimmed = text.trim();
  if (!trimmed)
    throw new ApiError(400, 'validation_failed', `${field} is empty`, {
      details: [{ path: field, message: 'Required' }],
    });
  if (trimmed.length > plan.maxCharacters) {
    throw new ApiError(
      400,
      'validation_failed',
      `${field} is longer than ${plan.maxCharacters} characters (${plan.provider}${plan.model ? ` ${plan.model}` : ''})`,
      {
        details: [{ path: field, message: `At most ${plan.maxCharacters} characters` }],
      },
    );
  }
  const problem = voiceProblem(plan);
  if (problem)
    throw new ApiError(400, 'validation_failed', problem, { details: [{ path: 'voice', message: problem }] });
  return trimmed;
}

export async function voicePlan(env: Bindings, scope: ProfileScope, voice: string | undefined) {
  return planVoiceover(env, await getScopeProfile(scope), voice || null);
}
