/**
 * Cost estimates made BEFORE a billable job is queued, so `assertWithinBudget` can refuse it (402)
 * with figures. They price the expected usage with the same table as the ledger (pricing.ts), and
 * lean high: an estimate that under-counts would let a profile run past its budget.
 */
import { planTranscriptChunks } from './gemini-transcript.ts';
import { type PriceTable, elevenLabsTtsCost, geminiCallCost } from './pricing.ts';

/** Frame sampling of the Gemini analysis (the original: one frame every 2 s, 30 per request). */
export const GEMINI_FRAME_INTERVAL_SECONDS = 2;
export const GEMINI_BATCH_FRAMES = 30;
export const GEMINI_MAX_FRAMES = 600;
const TOKENS_PER_FRAME = 258;
const PROMPT_TOKENS_PER_BATCH = 700;
const LABEL_TOKENS_PER_FRAME = 10;
/** Answer JSON per segment (2–3 frames each) and a thinking allowance per request. */
const OUTPUT_TOKENS_PER_SEGMENT = 90;
const THINKING_TOKENS_PER_BATCH = 2500;

/** The frame interval used for a video: 2 s, stretched so no video sends more than 600 frames. */
export function geminiFrameInterval(durationSeconds: number): number {
  return Math.max(GEMINI_FRAME_INTERVAL_SECONDS, durationSeconds / GEMINI_MAX_FRAMES);
}

export function estimateGeminiAnalysisUsd(table: PriceTable, model: string, durationSeconds: number): number {
  const frames = Math.min(
    GEMINI_MAX_FRAMES,
    Math.max(1, Math.ceil(durationSeconds / geminiFrameInterval(durationSeconds))),
  );
  const batches = Math.ceil(frames / GEMINI_BATCH_FRAMES);
  // Priced per request (as billed): long-context prices never apply to one 30-frame batch.
  const perBatch = Math.min(frames, GEMINI_BATCH_FRAMES);
  const cost = geminiCallCost(
    {
      model,
      usage: {
        promptTokenCount: perBatch * (TOKENS_PER_FRAME + LABEL_TOKENS_PER_FRAME) + PROMPT_TOKENS_PER_BATCH,
        candidatesTokenCount: Math.ceil(perBatch / 2) * OUTPUT_TOKENS_PER_SEGMENT,
        thoughtsTokenCount: THINKING_TOKENS_PER_BATCH,
        cachedContentTokenCount: 0,
        toolUsePromptTokenCount: 0,
        promptTokensDetails: [],
      },
    },
    table,
  );
  return Math.round(cost.cost_usd * batches * 1e8) / 1e8;
}

export function estimateElevenLabsUsd(table: PriceTable, model: string, characters: number): number {
  return elevenLabsTtsCost({ model, characters }, table).cost_usd;
}

/** Gemini counts 32 tokens per second of audio; a word-timed answer is ~15–25 tokens per word at up to 3 words/s. */
const AUDIO_TOKENS_PER_SECOND = 32;
const OUTPUT_TOKENS_PER_AUDIO_SECOND = 60;
const TRANSCRIPT_PROMPT_TOKENS = 200;

/** Every chunk is its own call (planTranscriptChunks), each with its prompt, overlap and thinking allowance. */
export function estimateGeminiTranscriptionUsd(table: PriceTable, model: string, durationSeconds: number): number {
  let total = 0;
  for (const chunk of planTranscriptChunks(Math.max(1, durationSeconds))) {
    const seconds = chunk.end - chunk.start;
    const audio = Math.ceil(seconds * AUDIO_TOKENS_PER_SECOND);
    total += geminiCallCost(
      {
        model,
        usage: {
          promptTokenCount: audio + TRANSCRIPT_PROMPT_TOKENS,
          candidatesTokenCount: Math.ceil(seconds * OUTPUT_TOKENS_PER_AUDIO_SECOND),
          thoughtsTokenCount: THINKING_TOKENS_PER_BATCH,
          cachedContentTokenCount: 0,
          toolUsePromptTokenCount: 0,
          promptTokensDetails: [{ modality: 'AUDIO', tokenCount: audio }],
        },
      },
      table,
    ).cost_usd;
  }
  return Math.round(total * 1e8) / 1e8;
}
