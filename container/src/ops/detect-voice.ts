/** `detect-voice`: speech intervals with confidence (Silero VAD through the analysis module). */
import type { DetectVoiceResult } from '../../../shared/processor/operations.ts';
import { ms } from '../media/output-file.ts';
import { detectVoice, withVoiceDefaults } from '../media/voice.ts';
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
  },
};
