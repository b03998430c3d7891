/**
 * Prices and pure cost functions for the cost ledger. The original hard-coded $0.22/1K chars and
 * "$0.02 per frame + $0.01" (docs/compatibility.md#cost-tracking); here every entry is computed from what the provider reported
 * (billed characters, token usage per modality) and a price table that deployments can override
 * with the `PRICES_JSON` variable (docs/providers.md). Entries match the `api_costs` columns.
 */
import { z } from 'zod';
import type { GeminiUsage } from './gemini.ts';

export interface ElevenLabsPrice {
  usd_per_1k_chars: number;
}

export interface GeminiPrice {
  /** Text, image and video input. */
  input_usd_per_1m: number;
  /** Audio input; defaults to `input_usd_per_1m`. */
  audio_input_usd_per_1m?: number;
  /** Output, thinking tokens included. */
  output_usd_per_1m: number;
  /** Cached prompt tokens; defaults to the input price (we do not use context caching). */
  cached_input_usd_per_1m?: number;
  /** Above this many prompt tokens the long-context prices apply. */
  long_context_threshold_tokens?: number;
  long_input_usd_per_1m?: number;
  long_output_usd_per_1m?: number;
}

export interface PriceTable {
  elevenlabs: Record<string, ElevenLabsPrice>;
  /** Used for ElevenLabs models missing from the table (entry marked `estimated`). */
  elevenlabs_fallback: ElevenLabsPrice;
  gemini: Record<string, GeminiPrice>;
  gemini_fallback: GeminiPrice;
}

/**
 * Defaults from docs (docs/compatibility.md#external-apis; paid tier, USD). Model ids match by longest prefix,
 * so `gemini-2.5-flash-lite-preview-…` is priced as `gemini-2.5-flash-lite`.
 */
export const DEFAULT_PRICES: PriceTable = {
  elevenlabs: {
    eleven_flash_v2_5: { usd_per_1k_chars: 0.05 },
    eleven_flash_v2: { usd_per_1k_chars: 0.05 },
    eleven_turbo_v2_5: { usd_per_1k_chars: 0.05 },
    eleven_turbo_v2: { usd_per_1k_chars: 0.05 },
    eleven_multilingual_v2: { usd_per_1k_chars: 0.1 },
    eleven_v3: { usd_per_1k_chars: 0.1 },
  },
  elevenlabs_fallback: { usd_per_1k_chars: 0.1 },
  gemini: {
    // Audio for flash-lite: Google's pricing page ($0.30); the table in external-apis.md leaves it blank.
    'gemini-2.5-flash-lite': { input_usd_per_1m: 0.1, audio_input_usd_per_1m: 0.3, output_usd_per_1m: 0.4 },
    'gemini-2.5-flash': { input_usd_per_1m: 0.3, audio_input_usd_per_1m: 1.0, output_usd_per_1m: 2.5 },
    'gemini-2.5-pro': {
      input_usd_per_1m: 1.25,
      output_usd_per_1m: 10,
      long_context_threshold_tokens: 200_000,
      long_input_usd_per_1m: 2.5,
      long_output_usd_per_1m: 15,
    },
    'gemini-3-flash-preview': { input_usd_per_1m: 0.5, audio_input_usd_per_1m: 1.0, output_usd_per_1m: 3.0 },
    // Long-context prices ($4 / $18 above 200k) from Google's pricing page.
    'gemini-3-pro-preview': {
      input_usd_per_1m: 2,
      output_usd_per_1m: 12,
      long_context_threshold_tokens: 200_000,
      long_input_usd_per_1m: 4,
      long_output_usd_per_1m: 18,
    },
  },
  // Unknown models are priced high on purpose, so budgets are not under-counted.
  gemini_fallback: {
    input_usd_per_1m: 2,
    output_usd_per_1m: 12,
    long_context_threshold_tokens: 200_000,
    long_input_usd_per_1m: 4,
    long_output_usd_per_1m: 18,
  },
};

// ─── Overrides (PRICES_JSON) ────────────────────────────────────────────────────────────────────

const price = z.number().min(0).max(1000);
const ElevenLabsPriceSchema = z.object({ usd_per_1k_chars: price }).strict();
const GeminiPriceSchema = z
  .object({
    input_usd_per_1m: price,
    audio_input_usd_per_1m: price,
    output_usd_per_1m: price,
    cached_input_usd_per_1m: price,
    long_context_threshold_tokens: z.number().int().positive(),
    long_input_usd_per_1m: price,
    long_output_usd_per_1m: price,
  })
  .partial()
  .strict();
const OverridesSchema = z
  .object({
    elevenlabs: z.record(z.string(), ElevenLabsPriceSchema.partial()),
    elevenlabs_fallback: ElevenLabsPriceSchema.partial(),
    gemini: z.record(z.string(), GeminiPriceSchema),
    gemini_fallback: GeminiPriceSchema,
  })
  .partial()
  .strict();

/**
 * The default table with `PRICES_JSON` merged over it (per model, per field). A model that is new
 * to the table must give its full price. Invalid JSON throws: wrong prices are worse than none.
 */
let cached: { json: string; table: PriceTable } | undefined;

export function loadPriceTable(pricesJson?: string | null): PriceTable {
  if (!pricesJson?.trim()) return DEFAULT_PRICES;
  // The same variable is read on every request: parse it once per isolate.
  if (cached?.json === pricesJson) return cached.table;
  const table = parsePriceTable(pricesJson);
  cached = { json: pricesJson, table };
  return table;
}

function parsePriceTable(pricesJson: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(pricesJson);
  } catch {
    throw new Error('PRICES_JSON is not valid JSON');
  }
  const parsed = OverridesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`PRICES_JSON is invalid at ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message}`);
  }
  const o = parsed.data;
  const elevenlabs = { ...DEFAULT_PRICES.elevenlabs };
  for (const [model, p] of Object.entries(o.elevenlabs ?? {})) {
    const merged = { ...elevenlabs[model], ...p };
    if (merged.usd_per_1k_chars === undefined)
      throw new Error(`PRICES_JSON: elevenlabs.${model} needs usd_per_1k_chars`);
    elevenlabs[model] = { usd_per_1k_chars: merged.usd_per_1k_chars };
  }
  const gemini = { ...DEFAULT_PRICES.gemini };
  for (const [model, p] of Object.entries(o.gemini ?? {})) {
    const merged = { ...gemini[model], ...p };
    if (merged.input_usd_per_1m === undefined || merged.output_usd_per_1m === undefined) {
      throw new Error(`PRICES_JSON: gemini.${model} needs input_usd_per_1m and output_usd_per_1m`);
    }
    gemini[model] = merged as GeminiPrice;
  }
  return {
    elevenlabs,
    elevenlabs_fallback: { ...DEFAULT_PRICES.elevenlabs_fallback, ...o.elevenlabs_fallback },
    gemini,
    gemini_fallback: { ...DEFAULT_PRICES.gemini_fallback, ...o.gemini_fallback },
  };
}

// ─── Cost entries ───────────────────────────────────────────────────────────────────────────────

/** One ledger row (the `api_costs` columns minus ids, profile and job). */
export interface CostEntry {
  service: 'elevenlabs' | 'gemini';
  operation: string;
  model: string;
  units: number;
  unit: string;
  unit_price_usd: number;
  cost_usd: number;
  request_id: string | null;
  details: Record<string, unknown>;
}

export type PriceSource = 'exact' | 'prefix' | 'fallback';

function lookup<P>(
  table: Record<string, P>,
  fallback: P,
  model: string,
): { price: P; source: PriceSource; key: string | null } {
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  const exact = table[id];
  if (exact) return { price: exact, source: 'exact', key: id };
  const prefix = Object.keys(table)
    .filter((key) => id.startsWith(`${key}-`))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix) return { price: table[prefix]!, source: 'prefix', key: prefix };
  return { price: fallback, source: 'fallback', key: null };
}

/** Rounds to 1e-8 USD: sums stay exact enough and float noise stays out of the ledger. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

export function elevenLabsTtsCost(
  input: { model: string; characters: number; request_id?: string | null; operation?: string },
  table: PriceTable = DEFAULT_PRICES,
): CostEntry {
  const { price, source, key } = lookup(table.elevenlabs, table.elevenlabs_fallback, input.model);
  const characters = Math.max(0, Math.round(input.characters));
  const perChar = price.usd_per_1k_chars / 1000;
  return {
    service: 'elevenlabs',
    operation: input.operation ?? 'tts',
    model: input.model,
    units: characters,
    unit: 'characters',
    unit_price_usd: perChar,
    cost_usd: roundUsd(characters * perChar),
    request_id: input.request_id ?? null,
    details: {
      usd_per_1k_chars: price.usd_per_1k_chars,
      price_source: source,
      price_key: key,
      estimated: source === 'fallback',
    },
  };
}

type UsageCounts = Pick<
  GeminiUsage,
  | 'promptTokenCount'
  | 'candidatesTokenCount'
  | 'thoughtsTokenCount'
  | 'cachedContentTokenCount'
  | 'toolUsePromptTokenCount'
  | 'promptTokensDetails'
>;

/**
 * One Gemini call: text/image/video input, audio input, cached input and output (thinking
 * included) each at its own price. `units` is the billed tokens and `unit_price_usd` their
 * effective blended price; `details.breakdown` has the per-part lines.
 */
export function geminiCallCost(
  input: { model: string; usage: UsageCounts; request_id?: string | null; operation?: string },
  table: PriceTable = DEFAULT_PRICES,
): CostEntry {
  const { price, source, key } = lookup(table.gemini, table.gemini_fallback, input.model);
  const u = input.usage;
  const prompt = u.promptTokenCount + (u.toolUsePromptTokenCount ?? 0);
  const audio = Math.min(
    u.promptTokenCount,
    (u.promptTokensDetails ?? []).filter((d) => d.modality === 'AUDIO').reduce((n, d) => n + d.tokenCount, 0),
  );
  const cached = Math.min(u.cachedContentTokenCount ?? 0, prompt - audio);
  const input_ = prompt - audio - cached;
  const output = u.candidatesTokenCount + (u.thoughtsTokenCount ?? 0);

  const long =
    price.long_context_threshold_tokens !== undefined && u.promptTokenCount > price.long_context_threshold_tokens;
  const inputPrice = long ? (price.long_input_usd_per_1m ?? price.input_usd_per_1m) : price.input_usd_per_1m;
  const outputPrice = long ? (price.long_output_usd_per_1m ?? price.output_usd_per_1m) : price.output_usd_per_1m;
  const audioPrice = price.audio_input_usd_per_1m ?? inputPrice;
  const cachedPrice = price.cached_input_usd_per_1m ?? inputPrice;

  const lines = [
    { part: 'input', tokens: input_, usd_per_1m: inputPrice },
    { part: 'audio_input', tokens: audio, usd_per_1m: audioPrice },
    { part: 'cached_input', tokens: cached, usd_per_1m: cachedPrice },
    { part: 'output', tokens: output, usd_per_1m: outputPrice },
  ]
    .filter((l) => l.tokens > 0)
    .map((l) => ({ ...l, cost_usd: roundUsd((l.tokens * l.usd_per_1m) / 1e6) }));
  const units = input_ + audio + cached + output;
  const cost = roundUsd(lines.reduce((n, l) => n + (l.tokens * l.usd_per_1m) / 1e6, 0));
  return {
    service: 'gemini',
    operation: input.operation ?? 'frame_analysis',
    model: input.model,
    units,
    unit: 'tokens',
    unit_price_usd: units > 0 ? cost / units : 0,
    cost_usd: cost,
    request_id: input.request_id ?? null,
    details: {
      breakdown: lines,
      thoughts_tokens: u.thoughtsTokenCount ?? 0,
      long_context: long,
      price_source: source,
      price_key: key,
      estimated: source === 'fallback',
    },
  };
}
