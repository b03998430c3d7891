/**
 * eSpeak NG, run safely: argv only, the text on stdin (`--stdin`), so nothing in it is ever read
 * as an option, and no SSML/markup mode. Answers 16-bit mono PCM with its sample rate.
 */
import { ProcessorFailure } from '../errors.ts';
import { requireBinary } from '../media/binaries.ts';
import { runProcess } from '../media/run-process.ts';

export interface SpokenPcm {
  sampleRate: number;
  samples: Int16Array;
}

function parseWav(data: Buffer): SpokenPcm {
  if (data.length < 44 || data.toString('ascii', 0, 4) !== 'RIFF' || data.toString('ascii', 8, 12) !== 'WAVE') {
    throw new ProcessorFailure('internal', 'espeak-ng did not produce a WAV stream');
  }
  let offset = 12;
  let sampleRate = 22050;
  while (offset + 8 <= data.length) {
    const id = data.toString('ascii', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    if (id === 'fmt ') sampleRate = data.readUInt32LE(offset + 12);
    if (id === 'data') {
      // Streamed to a pipe, the data size is a placeholder: the samples run to the end.
      const body = data.subarray(offset + 8);
      const aligned = body.subarray(0, body.length - (body.length % 2));
      return {
        sampleRate,
        samples: new Int16Array(aligned.buffer.slice(aligned.byteOffset, aligned.byteOffset + aligned.length)),
      };
    }
    offset += 8 + size;
  }
  throw new ProcessorFailure('internal', 'espeak-ng output has no audio data');
}

export async function speak(
  text: string,
  voice: string,
  wordsPerMinute: number,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<SpokenPcm> {
  const result = await runProcess(
    requireBinary('espeak'),
    ['-v', voice, '-s', String(Math.round(wordsPerMinute)), '--stdout', '--stdin'],
    {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      stdin: text,
      maxStdoutBytes: 256 * 1024 * 1024,
    },
  );
  if (result.exitCode !== 0) {
    if (/voice does not exist|Failed to read voice/i.test(result.stderr))
      throw new ProcessorFailure('invalid_request', `voice: eSpeak NG has no voice "${voice}"`);
    throw new ProcessorFailure('internal', 'espeak-ng failed');
  }
  return parseWav(result.stdout);
}

/** First and last sample above the audibility threshold, or null for silence. */
export function audibleSpan(samples: Int16Array, threshold = 328): { first: number; last: number } | null {
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > threshold) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? null : { first, last };
}
