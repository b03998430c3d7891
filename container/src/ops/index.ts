/** Every operation the processor serves, by the name in `POST /v1/{operation}`. */
import type { ProcessorOperation } from '../../../shared/processor/operations.ts';
import type { Operation } from '../operation.ts';
import { audioOperation } from './audio.ts';
import { concatOperation } from './concat.ts';
import { detectVoiceOperation } from './detect-voice.ts';
import { extractOperation } from './extract.ts';
import { framesOperation } from './frames.ts';
import { highlightsOperation } from './highlights.ts';
import { muteOperation } from './mute.ts';
import { previewOperation } from './preview.ts';
import { probeOperation } from './probe.ts';
import { removeAudioOperation } from './remove-audio.ts';
import { renderOperation } from './render.ts';
import { silenceRemoveOperation } from './silence-remove.ts';
import { speechAudioOperation } from './speech-audio.ts';
import { storyboardOperation } from './storyboard.ts';
import { thumbnailOperation } from './thumbnail.ts';
import { ttsLocalOperation } from './tts-local.ts';
import { waveformOperation } from './waveform.ts';

export const operations: { [O in ProcessorOperation]: Operation<O> } = {
  probe: probeOperation,
  thumbnail: thumbnailOperation,
  frames: framesOperation,
  storyboard: storyboardOperation,
  preview: previewOperation,
  waveform: waveformOperation,
  'speech-audio': speechAudioOperation,
  'remove-audio': removeAudioOperation,
  'detect-voice': detectVoiceOperation,
  mute: muteOperation,
  extract: extractOperation,
  concat: concatOperation,
  audio: audioOperation,
  'tts-local': ttsLocalOperation,
  render: renderOperation,
  'silence-remove': silenceRemoveOperation,
  highlights: highlightsOperation,
};
