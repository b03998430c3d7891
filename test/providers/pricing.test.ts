import { describe, expect, it } from 'vitest';
import type { GeminiUsage } from '../../src/providers/gemini.ts';
import { DEFAULT_PRICES, elevenLabsTtsCost, geminiCallCost, loadPriceTable } from '../../src/providers/pricing.ts';

function usage(patch: Partial<GeminiUsage>): GeminiUsage {
  return {
    promptTokenCount: 0,
    candidatesTokenCount: 0,
    thoughtsTokenCount: 0,
    cachedContentTokenCount: 0,
    toolUsePromptTokenCount: 0,
    totalTokenCount: 0,
    promptTokensDetails: [],
    candidatesTokensDetails: [],
    ...patch,
  };
}

describe('ElevenLabs cost', () => {
  it('prices Flash/Turbo at $0.05 and Multilingual v2/v3 at $0.10 per 1K characters', () => {
    const flash = elevenLabsTtsCost({ model: 'eleven_flash_v2_5', characters: 1000, request_id: 'req-1' });
    expect(flash).toMatchObject({
      service: 'elevenlabs',
      operation: 'tts',
      model: 'eleven_flash_v2_5',
      units: 1000,
      unit: 'characters',
      unit_price_usd: 0.00005,
      cost_usd: 0.05,
      request_id: 'req-1',
    });
    expect(elevenLabsTtsCost({ model: 'eleven_turbo_v2_5', characters: 3000 }).cost_usd).toBe(0.15);
    expect(elevenLabsTtsCost({ model: 'eleven_multilingual_v2', characters: 2500 }).cost_usd).toBe(0.25);
    expect(elevenLabsTtsCost({ model: 'eleven_v3', characters: 1 }).cost_usd).toBe(0.0001);
  });

  it('prices an unknown model at the fallback and says it is an estimate', () => {
    const entry = elevenLabsTtsCost({ model: 'eleven_future_v9', characters: 1000 });
    expect(entry.cost_usd).toBe(0.1);
    expect(entry.details).toMatchObject({ price_source: 'fallback', estimated: true });
  });
});

describe('Gemini cost', () => {
  it('prices text/image input, audio input and output (thinking included) separately', () => {
    // 8,000 text+image tokens at $0.30/1M, 2,000 audio at $1.00/1M, 1,000 + 500 thinking output at $2.50/1M.
    const entry = geminiCallCost({
      model: 'gemini-2.5-flash',
      usage: usage({
        promptTokenCount: 10_000,
        candidatesTokenCount: 1_000,
        thoughtsTokenCount: 500,
        promptTokensDetails: [
          { modality: 'IMAGE', tokenCount: 7_740 },
          { modality: 'TEXT', tokenCount: 260 },
          { modality: 'AUDIO', tokenCount: 2_000 },
        ],
      }),
      request_id: 'resp-1',
    });
    expect(entry.cost_usd).toBeCloseTo(0.0024 + 0.002 + 0.00375, 10);
    expect(entry).toMatchObject({
      service: 'gemini',
      operation: 'frame_analysis',
      unit: 'tokens',
      units: 11_500,
      request_id: 'resp-1',
    });
    expect(entry.unit_price_usd * entry.units).toBeCloseTo(entry.cost_usd, 10);
    expect(entry.details.breakdown).toEqual([
      { part: 'input', tokens: 8_000, usd_per_1m: 0.3, cost_usd: 0.0024 },
      { part: 'audio_input', tokens: 2_000, usd_per_1m: 1, cost_usd: 0.002 },
      { part: 'output', tokens: 1_500, usd_per_1m: 2.5, cost_usd: 0.00375 },
    ]);
  });

  it('switches to long-context prices above 200k prompt tokens where the model has them', () => {
    const short = geminiCallCost({
      model: 'gemini-2.5-pro',
      usage: usage({ promptTokenCount: 200_000, candidatesTokenCount: 1_000 }),
    });
    const long = geminiCallCost({
      model: 'gemini-2.5-pro',
      usage: usage({ promptTokenCount: 200_001, candidatesTokenCount: 1_000 }),
    });
    expect(short.cost_usd).toBeCloseTo(0.25 + 0.01, 10);
    expect(long.cost_usd).toBeCloseTo((200_001 * 2.5) / 1e6 + 0.015, 10);
    expect(long.details.long_context).toBe(true);
  });

  it('matches versioned model ids to the longest known prefix', () => {
    const lite = geminiCallCost({
      model: 'gemini-2.5-flash-lite-preview-09-2025',
      usage: usage({ promptTokenCount: 1_000_000 }),
    });
    expect(lite.cost_usd).toBeCloseTo(0.1, 10);
    expect(lite.details).toMatchObject({ price_source: 'prefix', price_key: 'gemini-2.5-flash-lite' });
    const flash = geminiCallCost({ model: 'models/gemini-2.5-flash', usage: usage({ promptTokenCount: 1_000_000 }) });
    expect(flash.details.price_source).toBe('exact');
    // A look-alike id is not a prefix match.
    const odd = geminiCallCost({ model: 'gemini-2.5-flashy', usage: usage({ promptTokenCount: 100_000 }) });
    expect(odd.details).toMatchObject({ price_source: 'fallback', estimated: true });
    expect(odd.cost_usd).toBeCloseTo(0.2, 10);
  });

  it('costs nothing for a call with no tokens', () => {
    const entry = geminiCallCost({ model: 'gemini-2.5-flash', usage: usage({}) });
    expect(entry).toMatchObject({ units: 0, cost_usd: 0, unit_price_usd: 0 });
  });
});

describe('PRICES_JSON', () => {
  it('is the default table when unset or blank', () => {
    expect(loadPriceTable(undefined)).toBe(DEFAULT_PRICES);
    expect(loadPriceTable('  ')).toBe(DEFAULT_PRICES);
  });

  it('overrides single fields, adds models and keeps the rest', () => {
    const table = loadPriceTable(
      JSON.stringify({
        elevenlabs: { eleven_flash_v2_5: { usd_per_1k_chars: 0.06 } },
        gemini: {
          'gemini-2.5-flash': { output_usd_per_1m: 3 },
          'gemini-9-ultra': { input_usd_per_1m: 5, output_usd_per_1m: 20 },
        },
      }),
    );
    expect(elevenLabsTtsCost({ model: 'eleven_flash_v2_5', characters: 1000 }, table).cost_usd).toBe(0.06);
    expect(elevenLabsTtsCost({ model: 'eleven_multilingual_v2', characters: 1000 }, table).cost_usd).toBe(0.1);
    const flash = geminiCallCost(
      { model: 'gemini-2.5-flash', usage: usage({ promptTokenCount: 1_000_000, candidatesTokenCount: 1_000_000 }) },
      table,
    );
    expect(flash.cost_usd).toBeCloseTo(0.3 + 3, 10);
    const ultra = geminiCallCost({ model: 'gemini-9-ultra', usage: usage({ promptTokenCount: 1_000_000 }) }, table);
    expect(ultra.cost_usd).toBeCloseTo(5, 10);
    expect(DEFAULT_PRICES.elevenlabs.eleven_flash_v2_5!.usd_per_1k_chars).toBe(0.05);
  });

  it('parses the same variable once', () => {
    const json = '{"elevenlabs":{"eleven_v3":{"usd_per_1k_chars":0.2}}}';
    expect(loadPriceTable(json)).toBe(loadPriceTable(json));
    expect(loadPriceTable(json).elevenlabs.eleven_v3!.usd_per_1k_chars).toBe(0.2);
  });

  it('rejects bad JSON, unknown fields, negative prices and incomplete new models with a readable error', () => {
    expect(() => loadPriceTable('{')).toThrow(/not valid JSON/);
    expect(() => loadPriceTable('{"gemni":{}}')).toThrow(/PRICES_JSON is invalid/);
    expect(() => loadPriceTable('{"elevenlabs":{"eleven_v3":{"usd_per_1k_chars":-1}}}')).toThrow(
      /elevenlabs\.eleven_v3\.usd_per_1k_chars/,
    );
    expect(() => loadPriceTable('{"gemini":{"gemini-new":{"input_usd_per_1m":1}}}')).toThrow(
      /gemini-new needs input_usd_per_1m and output_usd_per_1m/,
    );
  });
});
