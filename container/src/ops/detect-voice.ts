/** `detect-voice`: speech intervals with confidence (Silero VAD through the analysis module). */
import type { DetectVoiceRequest, DetectVoiceResult } from '../../../src/processor/contract.ts';
import { ms } from '../media/output-file.ts';
import { detectVoice, parseVoiceParams, withVoiceDefaults } from '../media/voice.ts';
import { type Operation, parseMediaInput, urlSource } from '../operation.ts';
import { onlyKeys, required } from '../validation.ts';

export const detectVoiceOperation: Operation<'detect-voice'> = {
  name: 'detect-voice',
  parse(body, env): DetectVoiceRequest {
    onlyKeys(body, '', ['input', 'threshold', 'min_speech_duration', 'min_silence_duration', 'padding']);
    return { input: required(body, 'input', '', (v, p) => parseMediaInput(v, p, env)), ...parseVoiceParams(body, '') };
  },
  async run(request, ctx): Promise<DetectVoiceResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source);
    const { input: _input, ...params } = request;
    const detection = await detectVoice(ctx, source, info, withVoiceDefaults(params), (f) => ctx.progress(5 + f * 90, 'detecting speech'));
    const segments = detection.segments.map((s) => ({ start: ms(s.start), end: ms(s.end), duration: ms(s.end - s.start), confidence: Math.round(s.confidence * 1000) / 1000 }));
    return {
      segments,
      total_voice_duration: ms(segments.reduce((sum, s) => sum + s.duration, 0)),
      duration: ms(info.duration),
      engine: detection.engine,
      params: detection.params,
    };
  },
};
