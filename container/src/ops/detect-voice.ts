/** `detect-voice`: speech intervals with confidence (Silero VAD through the analysis module). */
import type { DetectVoiceResult } from '../../../shared/processor/operations.ts';
import { detectVoice, voiceDetectionResult, withVoiceDefaults } from '../media/voice.ts';
import { type Operation, urlSource } from '../operation.ts';

export const detectVoiceOperation: Operation<'detect-voice'> = {
  name: 'detect-voice',
  async run(request, ctx): Promise<DetectVoiceResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source);
    const { input: _input, ...params } = request;
    const detection = await detectVoice(ctx, source, info, withVoiceDefaults(params), (f) =>
      ctx.progress(5 + f * 90, 'detecting speech'),
    );
    return voiceDetectionResult(detection, info);
  },
};
