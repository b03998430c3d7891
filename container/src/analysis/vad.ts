/**
 * Speech detection for the `detect-voice` and `mute` ops. The op decodes the audio with ffmpeg to
 * mono float32 PCM at VAD_SAMPLE_RATE (`-ac 1 -ar 16000 -f f32le`) and calls detectSpeech.
 * See docs/voice-detection.md for the engine choice and its measured accuracy and speed.
 */
import type { DetectVoiceParams, VoiceSegment } from '../../../src/media/processor-types.ts';
import { probabilitiesToSegments, type FrameProbabilities } from './speech-segments.ts';

export const VAD_SAMPLE_RATE = 16000; // input: mono float32 PCM in [-1, 1] at this rate

const ENGINE = 'energy';
const HOP_SAMPLES = 160;

/** Placeholder engine: frame RMS mapped to a probability. Replaced by the real detector. */
function frameProbabilities(samples: Float32Array): FrameProbabilities {
  const frames = Math.ceil(samples.length / HOP_SAMPLES);
  const probabilities = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let energy = 0;
    const end = Math.min(samples.length, (f + 1) * HOP_SAMPLES);
    for (let i = f * HOP_SAMPLES; i < end; i++) energy += samples[i]! * samples[i]!;
    const rms = Math.sqrt(energy / Math.max(1, end - f * HOP_SAMPLES));
    probabilities[f] = Math.min(1, rms * 20);
  }
  return { probabilities, hop: HOP_SAMPLES / VAD_SAMPLE_RATE };
}

export async function detectSpeech(
  samples: Float32Array,
  params: DetectVoiceParams,
): Promise<{ segments: VoiceSegment[]; engine: string }> {
  const duration = samples.length / VAD_SAMPLE_RATE;
  const segments = probabilitiesToSegments(frameProbabilities(samples), params, duration);
  return { segments, engine: ENGINE };
}
