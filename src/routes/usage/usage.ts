/**
 * GET /api/v1/usage (docs/compatibility.md#routes-processing, docs/compatibility.md#cost-tracking): what is configured and in use for the active profile.
 * Nothing here is billable: it reads the ElevenLabs subscription (a free account call) and reports
 * Gemini's configuration and model, the local defaults that replace missing providers, and errors[].
 */
import { createRoute, z } from '@hono/zod-openapi';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { DEFAULT_LOCAL_VOICE, planVoiceover } from '../../voiceover/synthesize.ts';
import { estimateGeminiAnalysisUsd } from '../../providers/cost-estimates.ts';
import { createElevenLabsClient } from '../../providers/elevenlabs.ts';
import { elevenLabsTtsCost, loadPriceTable } from '../../providers/pricing.ts';
import { providerProblem, tags } from './provider-problem.ts';

const Usage = z
  .object({
    elevenlabs: z
      .object({
        characters_used: z.number(),
        characters_limit: z.number(),
        characters_remaining: z.number(),
        usage_percent: z.number(),
        next_reset_unix: z.number().nullable(),
        tier: z.string(),
        model: z.string(),
        voice_id: z.string(),
        estimated_cost_usd: z.number(),
      })
      .nullable(),
    gemini: z
      .object({
        configured: z.literal(true),
        model: z.string(),
        note: z.string(),
        estimated_cost_per_video: z.number(),
        estimate_basis: z.string(),
      })
      .nullable(),
    in_use: z.object({
      tts: z.object({ provider: z.enum(['elevenlabs', 'local']), voice: z.string(), model: z.string().nullable() }),
      analysis: z.object({ engine: z.string(), model: z.string().nullable() }),
    }),
    local_defaults: z.object({ tts: z.string(), analysis: z.string() }),
    errors: z.array(z.string()),
  })
  .openapi('Usage');

export function usageRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getUsage',
      path: '/usage',
      tags,
      security,
      summary: 'Provider usage and what is configured',
      description:
        'ElevenLabs subscription usage (when a key is configured), Gemini configuration and model with an estimated cost per minute of video, the provider each feature uses for this profile, and the local defaults that replace missing providers. Problems are listed in `errors[]` (the route itself still answers 200).',
      responses: { 200: jsonContent(Usage, 'Usage'), ...errorResponses },
    }),
    async (c) => {
      const env = c.env;
      const profile = await getScopeProfile(c.get('scope'));
      const table = loadPriceTable(env.PRICES_JSON);
      const errors: string[] = [];
      const plan = planVoiceover(env, profile);
      const geminiModel = profile.geminiModel || env.GEMINI_MODEL || 'gemini-2.5-flash';

      let elevenlabs: z.infer<typeof Usage>['elevenlabs'] = null;
      if (!env.ELEVENLABS_API_KEY) {
        errors.push('ElevenLabs API key not configured: voice-overs use the local eSpeak NG voice');
      } else {
        try {
          const sub = await createElevenLabsClient({
            baseUrl: env.ELEVENLABS_BASE_URL,
            apiKey: env.ELEVENLABS_API_KEY,
            timeoutMs: 10_000,
          }).getSubscription();
          const model = profile.elevenlabsModel || env.ELEVENLABS_MODEL;
          elevenlabs = {
            characters_used: sub.characters_used,
            characters_limit: sub.characters_limit,
            characters_remaining: sub.remaining,
            usage_percent: sub.usage_percent,
            next_reset_unix: sub.next_reset_unix,
            tier: sub.tier,
            model,
            voice_id: profile.elevenlabsVoiceId || env.ELEVENLABS_VOICE_ID,
            estimated_cost_usd:
              Math.round(elevenLabsTtsCost({ model, characters: sub.characters_used }, table).cost_usd * 100) / 100,
          };
        } catch (err) {
          errors.push(`ElevenLabs: ${providerProblem(err)}`);
        }
      }
      if (profile.ttsProvider === 'local' && env.ELEVENLABS_API_KEY)
        errors.push('This profile is set to the local voice (tts_provider = local)');

      let gemini: z.infer<typeof Usage>['gemini'] = null;
      if (!env.GEMINI_API_KEY) {
        errors.push("Gemini API key not configured: analysis uses the processor's highlights scoring");
      } else {
        gemini = {
          configured: true,
          model: geminiModel,
          note: 'Spend per call is in the cost ledger (/costs); account totals require Google Cloud Console billing reports',
          estimated_cost_per_video: estimateGeminiAnalysisUsd(table, geminiModel, 60),
          estimate_basis: 'one minute of video, a frame every 2 s',
        };
      }
      return c.json(
        {
          elevenlabs,
          gemini,
          in_use: {
            tts: { provider: plan.provider, voice: plan.voice, model: plan.model },
            analysis: env.GEMINI_API_KEY
              ? { engine: 'gemini when context_text is given, else highlights', model: geminiModel }
              : { engine: 'highlights', model: null },
          },
          local_defaults: {
            tts: `eSpeak NG (${profile.localVoice || DEFAULT_LOCAL_VOICE})`,
            analysis: 'processor highlights scoring (motion, variance, brightness)',
          },
          errors,
        },
        200,
      );
    },
  );
}
