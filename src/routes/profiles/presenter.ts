/** The API shape of a profile (a user's brand) with its settings; the Postiz key never leaves. */
import { z } from '@hono/zod-openapi';
import type { ProfileRow } from '../../db/repos/profiles.ts';

export const tags = ['Profiles'];

export const ProfileResponse = z
  .object({
    id: z.string().openapi({ example: 'prf_01jd2v4m8r0000000000000000' }),
    name: z.string(),
    description: z.string().nullable(),
    is_default: z.boolean(),
    tts_provider: z.enum(['elevenlabs', 'local']),
    elevenlabs_voice_id: z.string().nullable(),
    elevenlabs_model: z.string().nullable(),
    local_voice: z.string().nullable(),
    gemini_model: z.string().nullable(),
    default_caption_template: z.string().nullable(),
    monthly_budget_usd: z.number().nullable(),
    max_concurrent_jobs: z.number().nullable(),
    daily_processing_minutes: z.number().nullable(),
    source_retention_days: z.number().nullable(),
    output_retention_days: z.number().nullable(),
    trash_retention_days: z.number().nullable(),
    postiz_configured: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Profile');

export function toProfileResponse(p: ProfileRow): z.infer<typeof ProfileResponse> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    is_default: p.isDefault,
    tts_provider: p.ttsProvider,
    elevenlabs_voice_id: p.elevenlabsVoiceId,
    elevenlabs_model: p.elevenlabsModel,
    local_voice: p.localVoice,
    gemini_model: p.geminiModel,
    default_caption_template: p.defaultCaptionTemplate,
    monthly_budget_usd: p.monthlyBudgetUsd,
    max_concurrent_jobs: p.maxConcurrentJobs,
    daily_processing_minutes: p.dailyProcessingMinutes,
    source_retention_days: p.sourceRetentionDays,
    output_retention_days: p.outputRetentionDays,
    trash_retention_days: p.trashRetentionDays,
    postiz_configured: Boolean(p.postizApiUrl && p.postizApiKeyEncrypted),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}
