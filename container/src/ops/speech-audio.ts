/**
 * `speech-audio`: the audio of a span as small mono MP3 (16 kHz, 32 kbit/s) written to `output`,
 * for transcription: speech needs no more, and Gemini bills audio by seconds, not bytes. Spans
 * longer than MAX_SPEECH_AUDIO_SECONDS are refused (one call's bound; transcription asks for 5-minute chunks).
 */
import { join } from 'node:path';
import { MAX_SPEECH_AUDIO_SECONDS, type SpeechAudioResult } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../errors.ts';
import { ms } from '../media/output-file.ts';
import { type Operation, urlSource } from '../operation.ts';

export const SPEECH_SAMPLE_RATE = 16_000;

export const speechAudioOperation: Operation<'speech-audio'> = {
  name: 'speech-audio',
  outputTypes: ['audio/mpeg'],
  async run(request, ctx): Promise<SpeechAudioResult> {
    ctx.progress(0, 'probing');
    const source = urlSource(request.input);
    const { info } = await ctx.probe(source);
    const start = Math.min(request.start ?? 0, info.duration);
    const end = Math.min(request.end ?? info.duration, info.duration);
    const span = Math.max(0, end - start);
    if (!info.audio || span === 0) return { start: ms(start), duration: 0, has_audio: false, size_bytes: 0 };
    if (span > MAX_SPEECH_AUDIO_SECONDS) {
      throw new ProcessorFailure(
        'invalid_request',
        `The span is ${Math.round(span)} s; at most ${MAX_SPEECH_AUDIO_SECONDS} s of audio can be transcribed at once`,
      );
    }
    if (start === 0) ctx.expectWholeRead(source);
    const out = join(ctx.tempDir, 'speech.mp3');
    await ctx.ffmpeg(
      [
        ...ctx.input(source, ['-ss', start.toFixed(3), '-t', span.toFixed(3)]),
        '-map',
        `0:${info.audio.index}`,
        '-vn',
        '-ac',
        '1',
        '-ar',
        String(SPEECH_SAMPLE_RATE),
        '-c:a',
        'libmp3lame',
        '-b:a',
        '32k',
        '-f',
        'mp3',
        out,
      ],
      { expectedDuration: span, onProgress: (f) => ctx.progress(5 + f * 90, 'encoding') },
    );
    const { size } = await ctx.deliver(out, request.output);
    return { start: ms(start), duration: ms(span), has_audio: true, size_bytes: size };
  },
};
