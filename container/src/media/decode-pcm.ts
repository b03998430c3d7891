/**
 * Decodes an input's audio to mono float32 PCM in memory (ffmpeg → f32le on a pipe), for the voice
 * detector. 16 kHz mono costs 64 KB per second of media (230 MB per hour): the duration gate bounds it.
 */
import type { OpContext } from '../operation.ts';
import type { InputSource } from './ffmpeg.ts';
import type { MediaInfo } from './probe.ts';

export async function decodeMonoPcm(
  ctx: OpContext,
  source: InputSource,
  info: MediaInfo,
  sampleRate: number,
  onProgress?: (f: number) => void,
): Promise<Float32Array> {
  ctx.expectWholeRead(source);
  const expected = Math.ceil(info.duration * sampleRate) + sampleRate;
  let buffer = new Float32Array(expected);
  let length = 0;
  let carry = Buffer.alloc(0);
  await ctx.ffmpeg(
    [
      ...ctx.input(source),
      '-map',
      `0:${info.audio!.index}`,
      '-vn',
      '-ac',
      '1',
      '-ar',
      String(sampleRate),
      '-f',
      'f32le',
      'pipe:1',
    ],
    {
      onStdout: (chunk) => {
        const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        const whole = data.length - (data.length % 4);
        const count = whole / 4;
        if (length + count > buffer.length) {
          const grown = new Float32Array(Math.max(buffer.length * 2, length + count));
          grown.set(buffer.subarray(0, length));
          buffer = grown;
        }
        for (let i = 0; i < count; i++) buffer[length + i] = data.readFloatLE(i * 4);
        length += count;
        carry = Buffer.from(data.subarray(whole));
        onProgress?.(Math.min(1, length / sampleRate / Math.max(info.duration, 0.001)));
      },
    },
  );
  return buffer.subarray(0, length);
}
