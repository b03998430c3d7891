/**
 * GET /api/v1/usage and GET /api/v1/gemini/status (original §1.2, §5.7): what is configured and
 * what is in use for the active profile. Nothing here is billable:
 * - /usage reads the ElevenLabs subscription (a free account call) and reports Gemini's
 *   configuration and model, the local defaults that replace missing providers, and errors[];
 * - /gemini/status checks the key and model with Gemini's free model-metadata call, cached per
 *   (key, model) for 10 minutes (1 minute after a failure); `refresh=true` checks again. The
 *   original sent a billable "Say OK" generation on every call, unauthenticated.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { Bindings } from '../core/env.ts';
import { errorResponses, jsonContent, security } from '../http/openapi.ts';
import { createTenantRouter } from '../http/tenant-router.ts';
import { DEFAULT_LOCAL_VOICE, planVoiceover } from '../voiceover/synthesize.ts';
import { estimateGeminiAnalysisUsd } from '../providers/cost-estimates.ts';
import { createElevenLabsClient } from '../providers/elevenlabs.ts';
import { createGeminiClient, type GeminiModelInfo } from '../providers/gemini.ts';
import { elevenLabsTtsCost, loadPriceTable } from '../providers/pricing.ts';
import { ProviderError } from '../providers/provider-error.ts';

const tags = ['Usage'];
const BALANCE_URL = 'https://aistudio.google.com/usage';
const BILLING_URL = 'https://console.cloud.google.com/billing';
const OK_TTL_MS = 10 * 60_000;
const ERROR_TTL_MS = 60_000;

/** A readable reason, as the original mapped them. */
function providerProblem(err: unknown): string {
  if (!(err instanceof ProviderError)) return err instanceof Error ? err.message : String(err);
  switch (err.kind) {
    case 'auth':
      return 'Invalid API key';
    case 'quota':
      return 'Quota exceeded - check billing';
    case 'rate_limited':
      return 'Rate limited - try again shortly';
    case 'not_found':
      return `Not found: ${err.message}`;
    default:
      return err.message;
  }
}

interface GeminiCheck {
  connected: boolean;
  error: string | null;
  model_info: GeminiModelInfo | null;
  checked_at: string;
}

/** Per isolate: at most one metadata call per (key, model) per TTL, whatever the traffic. */
const geminiChecks = new Map<string, { check: GeminiCheck; expires: number }>();

async function fingerprint(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function checkGemini(env: Bindings, model: string, refresh: boolean): Promise<GeminiCheck & { cached: boolean }> {
  const key = `${env.GEMINI_BASE_URL}|${await fingerprint(env.GEMINI_API_KEY ?? '')}|${model}`;
  const hit = geminiChecks.get(key);
  if (hit && !refresh && hit.expires > Date.now()) return { ...hit.check, cached: true };
  let check: GeminiCheck;
  try {
    const info = await createGeminiClient({ baseUrl: env.GEMINI_BASE_URL, apiKey: env.GEMINI_API_KEY ?? '', timeoutMs: 10_000 }).checkModel({ model });
    check = {
      connected: info.supports_generate_content,
      error: info.supports_generate_content ? null : `Model ${model} does not support generateContent`,
      model_info: info,
      checked_at: new Date().toISOString(),
    };
  } catch (err) {
    check = { connected: false, error: providerProblem(err), model_info: null, checked_at: new Date().toISOString() };
  }
  geminiChecks.set(key, { check, expires: Date.now() + (check.connected ? OK_TTL_MS : ERROR_TTL_MS) });
  return { ...check, cached: false };
}

const GeminiStatus = z
  .object({
    configured: z.boolean(),
    connected: z.boolean(),
    model: z.string(),
    error: z.string().nullable(),
    balance_url: z.string(),
    billing_url: z.string(),
    checked_at: z.string().nullable(),
    cached: z.boolean(),
    model_info: z.record(z.string(), z.unknown()).nullable(),
    fallback: z.string().nullable().openapi({ description: 'What replaces Gemini when it is not usable.' }),
  })
  .openapi('GeminiStatus');

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
      .object({ configured: z.literal(true), model: z.string(), note: z.string(), estimated_cost_per_video: z.number(), estimate_basis: z.string() })
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
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'get',
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
          const sub = await createElevenLabsClient({ baseUrl: env.ELEVENLABS_BASE_URL, apiKey: env.ELEVENLABS_API_KEY, timeoutMs: 10_000 }).getSubscription();
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
            estimated_cost_usd: Math.round(elevenLabsTtsCost({ model, characters: sub.characters_used }, table).cost_usd * 100) / 100,
          };
        } catch (err) {
          errors.push(`ElevenLabs: ${providerProblem(err)}`);
        }
      }
      if (profile.ttsProvider === 'local' && env.ELEVENLABS_API_KEY) errors.push('This profile is set to the local voice (tts_provider = local)');

      let gemini: z.infer<typeof Usage>['gemini'] = null;
      if (!env.GEMINI_API_KEY) {
        errors.push('Gemini API key not configured: analysis uses the processor\'s highlights scoring');
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
            analysis: env.GEMINI_API_KEY ? { engine: 'gemini when context_text is given, else highlights', model: geminiModel } : { engine: 'highlights', model: null },
          },
          local_defaults: { tts: `eSpeak NG (${profile.localVoice || DEFAULT_LOCAL_VOICE})`, analysis: 'processor highlights scoring (motion, variance, brightness)' },
          errors,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/gemini/status',
      tags,
      security,
      summary: 'Is Gemini configured and reachable?',
      description:
        'Configuration plus a check of the key and model through Gemini\'s free model-metadata call, cached for 10 minutes (1 minute after a failure); `refresh=true` checks again. Never a billable generation.',
      request: { query: z.object({ refresh: z.enum(['true', 'false']).optional() }) },
      responses: { 200: jsonContent(GeminiStatus, 'Status'), ...errorResponses },
    }),
    async (c) => {
      const env = c.env;
      const profile = await getScopeProfile(c.get('scope'));
      const model = profile.geminiModel || env.GEMINI_MODEL || 'gemini-2.5-flash';
      const base = { model, balance_url: BALANCE_URL, billing_url: BILLING_URL };
      if (!env.GEMINI_API_KEY) {
        return c.json(
          { ...base, configured: false, connected: false, error: 'GEMINI_API_KEY is not configured', checked_at: null, cached: false, model_info: null, fallback: 'processor highlights scoring' },
          200,
        );
      }
      const check = await checkGemini(env, model, c.req.valid('query').refresh === 'true');
      return c.json(
        {
          ...base,
          configured: true,
          connected: check.connected,
          error: check.error,
          checked_at: check.checked_at,
          cached: check.cached,
          model_info: check.model_info as Record<string, unknown> | null,
          fallback: check.connected ? null : 'processor highlights scoring',
        },
        200,
      );
    },
  );

  return app;
}
