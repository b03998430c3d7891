/**
 * `tts-local`: speech from eSpeak NG as MP3, the default voice when no ElevenLabs key is configured.
 * The text is spoken phrase by phrase (tts/phrases.ts); each phrase's audible span, measured on its
 * samples, becomes a caption cue, and the phrases are joined into one track.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptionCue, TtsLocalResult } from '../../../shared/processor/operations.ts';
import { ms } from '../media/output-file.ts';
import { formatSrt } from '../../../shared/srt.ts';
import { audibleSpan, speak, type SpokenPcm } from '../tts/espeak.ts';
import { splitPhrases } from '../tts/phrases.ts';
import type { Operation } from '../operation.ts';

/** Phrases spoken at once (eSpeak is single-threaded and fast). */
const PARALLEL_PHRASES = 3;

function wavFile(pcm: Int16Array, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.byteLength, 40);
  return Buffer.concat([header, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]);
}

export const ttsLocalOperation: Operation<'tts-local'> = {
  name: 'tts-local',
  outputTypes: ['audio/mpeg'],
  async run(request, ctx): Promise<TtsLocalResult> {
    const phrases = splitPhrases(request.text);
    const voice = request.voice ?? 'en-us';
    const speed = request.speed ?? 165;
    const spoken: SpokenPcm[] = new Array(phrases.length);
    let done = 0;
    let next = 0;
    const worker = async () => {
      while (next < phrases.length) {
        const i = next++;
        spoken[i] = await speak(phrases[i]!, voice, speed, { timeoutMs: ctx.remainingMs(), signal: ctx.signal });
        ctx.progress((++done / phrases.length) * 70, 'speaking');
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PHRASES, phrases.length) }, worker));

    const sampleRate = spoken[0]?.sampleRate ?? 22050;
    const cues: CaptionCue[] = [];
    let offset = 0;
    for (const [i, pcm] of spoken.entries()) {
      const span = audibleSpan(pcm.samples);
      if (span)
        cues.push({
          start: ms((offset + span.first) / sampleRate),
          end: ms((offset + span.last + 1) / sampleRate),
          text: phrases[i]!,
        });
      offset += pcm.samples.length;
    }
    const track = new Int16Array(offset);
    let at = 0;
    for (const pcm of spoken) {
      track.set(pcm.samples, at);
      at += pcm.samples.length;
    }
    const wav = join(ctx.tempDir, 'speech.wav');
    await writeFile(wav, wavFile(track, sampleRate));
    const out = join(ctx.tempDir, 'speech.mp3');
    ctx.progress(75, 'encoding');
    await ctx.ffmpeg([
      ...ctx.input({ kind: 'local', path: wav, formats: ['wav'] }),
      '-c:a',
      'libmp3lame',
      '-b:a',
      '128k',
      '-ar',
      '44100',
      out,
    ]);
    const { written, size } = await ctx.deliver(out, request.output);
    return {
      duration: ms(written.duration),
      cues,
      srt: formatSrt(cues),
      characters: request.text.length,
      size_bytes: size,
    };
  },
};
