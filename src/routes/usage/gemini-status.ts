/**
 * GET /api/v1/gemini/status (docs/compatibility.md#routes-processing): checks the key and model with Gemini's free
 * model-metadata call, cached per (key, model) for 10 minutes (1 minute after a failure);
 * `refresh=true` checks again. The original sent a billable "Say OK" generation on every call,
 * unauthenticated.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { sha256Hex } from '../../../shared/encoding.ts';
import type { Bindings } from '../../core/env.ts';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { createGeminiClient, type GeminiModelInfo } from '../../providers/gemini.ts';
import { providerProblem, tags } from './provider-problem.ts';

const BALANCE_URL = 'https://aistudio.google.com/usage';
const BILLING_URL = 'https://console.cloud.google.com/billing';
const OK_TTL_MS = 10 * 60_000;
const ERROR_TTL_MS = 60_000;

interface GeminiCheck {
  connected: boolean;
  error: string | null;
  model_info: GeminiModelInfo | null;
  checked_at: string;
}

/** Per isolate: at most one metadata call per (key, model) per TTL, whatever the traffic. */
const geminiChecks = new Map<string, { check: GeminiCheck; expires: number }>();

/** 24 hex characters of SHA-256: keys the cache by API key without keeping the key itself. */
async function fingerprint(text: string): Promise<string> {
  return (await sha256Hex(text)).slice(0, 24);
}

async function checkGemini(env: Bindings, model: string, refresh: boolean): Promise<GeminiCheck & { cached: boolean }> {
  const key = `${env.GEMINI_BASE_URL}|${await fingerprint(env.GEMINI_API_KEY ?? '')}|${model}`;
  const hit = geminiChecks.get(key);
  if (hit && !refresh && hit.expires > Date.now()) return { ...hit.check, cached: true };
  let check: GeminiCheck;
  try {
    const info = await createGeminiClient({
      baseUrl: env.GEMINI_BASE_URL,
      apiKey: env.GEMINI_API_KEY ?? '',
      timeoutMs: 10_000,
    }).checkModel({ model });
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

export function geminiStatusRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getGeminiStatus',
      path: '/gemini/status',
      tags,
      security,
      summary: 'Is Gemini configured and reachable?',
      description:
        "Configuration plus a check of the key and model through Gemini's free model-metadata call, cached for 10 minutes (1 minute after a failure); `refresh=true` checks again. Never a billable generation.",
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
          {
            ...base,
            configured: false,
            connected: false,
            error: 'GEMINI_API_KEY is not configured',
            checked_at: null,
            cached: false,
            model_info: null,
            fallback: 'processor highlights scoring',
          },
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
}
