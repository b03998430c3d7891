/**
 * Speech detection on an input: decode to 16 kHz mono PCM, run the analysis module's detector
 * (Silero VAD, see docs/voice-detection.md), and fill in the contract's defaults.
 */
import type { DetectVoiceParams, DetectVoiceResult, VoiceSegment } from '../../../shared/processor/operations.ts';
import { detectSpeech, VAD_SAMPLE_RATE } from '../analysis/vad.ts';
import type { OpContext } from '../operation.ts';
import { decodeMonoPcm } from './decode-pcm.ts';
import type { InputSource } from './ffmpeg.ts';
import type { MediaInfo } from './probe.ts';
import { ms } from './output-file.ts';

export const DEFAULT_VOICE_PARAMS: DetectVoiceParams = {
  threshold: 0.5,
  min_speech_duration: 0.25,
  min_silence_duration: 0.1,
  padding: 0,
};

export function withVoiceDefaults(params: Partial<DetectVoiceParams> = {}): DetectVoiceParams {
  return { ...DEFAULT_VOICE_PARAMS, ...params };
}

export interface VoiceDetection {
  segments: VoiceSegment[];
  engine: string;
  params: DetectVoiceParams;
}

/** Speech in the input's audio. No audio track → no speech. */
export async function detectVoice(
  ctx: OpContext,
  source: InputSource,
  info: MediaInfo,
  params: DetectVoiceParams,
  onProgress?: (fraction: number) => void,
): Promise<VoiceDetection> {
  if (!info.audio) return { segments: [], engine: 'none', params };
  const samples = await decodeMonoPcm(ctx, source, info, VAD_SAMPLE_RATE, (f) => onProgress?.(f * 0.5));
  onProgress?.(0.5);
  const { segments, engine } = await detectSpeech(samples, params);
  onProgress?.(1);
  return { segments, engine, params };
}

/** A detection as the contract answers it (`detect-voice`, and `mute` when it detected): times in ms precision. */
export function voiceDetectionResult(detection: VoiceDetection, info: MediaInfo): DetectVoiceResult {
  const segments = detection.segments.map((s) => ({
    start: ms(s.start),
    end: ms(s.end),
    duration: ms(s.end - s.start),
    confidence: Math.round(s.confidence * 1000) / 1000,
  }));
  return {
    segments,
    total_voice_duration: ms(segments.reduce((sum, s) => sum + s.duration, 0)),
    duration: ms(info.duration),
    engine: detection.engine,
    params: detection.params,
  };
}
