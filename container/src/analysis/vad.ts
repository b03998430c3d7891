/**
 * Speech detection for the `detect-voice` and `mute` ops. The op decodes the audio with ffmpeg to
 * mono float32 PCM at VAD_SAMPLE_RATE (`-ac 1 -ar 16000 -f f32le`) and calls detectSpeech.
 * See docs/voice-detection.md for the engine choice and its measured accuracy and speed.
 */
import type { DetectVoiceParams, VoiceSegment } from '../../../shared/processor/operations.ts';
import { SILERO_ENGINE, sileroProbabilities } from './silero-engine.ts';
import { probabilitiesToSegments } from './speech-segments.ts';

export const VAD_SAMPLE_RATE = 16000; // input: mono float32 PCM in [-1, 1] at this rate

export async function detectSpeech(
  samples: Float32Array,
  params: DetectVoiceParams,
): Promise<{ segments: VoiceSegment[]; engine: string }> {
  const duration = samples.length / VAD_SAMPLE_RATE;
  const segments = probabilitiesToSegments(await sileroProbabilities(samples), params, duration);
  return { segments, engine: SILERO_ENGINE };
}
