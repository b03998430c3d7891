/** How re-encoded audio is written: AAC at the source's rate, channels and (bounded) bit rate. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioStreamInfo } from './probe.ts';

export function aacArgs(source: AudioStreamInfo | null, fallbackBitrate = 192_000): string[] {
  const bitrate = Math.min(320_000, Math.max(96_000, source?.bitRate ?? fallbackBitrate));
  const args = ['-c:a', 'aac', '-b:a', String(Math.round(bitrate / 1000) * 1000)];
  if (source?.sampleRate) args.push('-ar', String(source.sampleRate));
  if (source?.channels) args.push('-ac', String(Math.min(2, source.channels)));
  return args;
}

/**
 * Filter graphs can grow with the number of intervals (hundreds of speech segments); a single argv
 * entry is capped at 128 KiB on Linux, so long graphs go through a script file in the temp dir.
 */
export async function filterScriptArgs(
  tempDir: string,
  name: string,
  option: '-filter_script:a' | '-filter_script:v' | '-filter_complex_script',
  graph: string,
): Promise<string[]> {
  const path = join(tempDir, `${name}.filter`);
  await writeFile(path, graph);
  return [option, path];
}
