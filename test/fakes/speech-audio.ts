/**
 * Real speech for the ElevenLabs fake: eSpeak NG speaks the text to WAV, FFmpeg encodes it in the
 * requested output format. The returned duration is the speech's own (from the WAV header), so a
 * character alignment spread over it matches what is heard. Argument arrays only; the text goes in
 * on stdin, never on a command line.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface AudioFormat {
  container: 'mp3' | 'wav' | 'pcm';
  sampleRate: number;
  /** mp3 only. */
  bitrateKbps?: number;
}

/** `mp3_44100_128` → mp3 at 44.1 kHz, 128 kbps; `wav_16000`, `pcm_24000`. Null for what the fake cannot make. */
export function parseOutputFormat(format: string): AudioFormat | null {
  const m = /^(mp3|wav|pcm)_(\d{4,5})(?:_(\d{2,3}))?$/.exec(format);
  if (!m) return null;
  const container = m[1] as AudioFormat['container'];
  const sampleRate = Number(m[2]);
  if (![8000, 16000, 22050, 24000, 44100, 48000].includes(sampleRate)) return null;
  if (container === 'mp3') {
    const bitrate = Number(m[3]);
    if (![32, 64, 96, 128, 192].includes(bitrate)) return null;
    return { container, sampleRate, bitrateKbps: bitrate };
  }
  return m[3] ? null : { container, sampleRate };
}

function wavSeconds(wav: Buffer): number {
  const rate = wav.readUInt32LE(24);
  const channels = wav.readUInt16LE(22);
  const bits = wav.readUInt16LE(34);
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'data') {
      const bytes = Math.min(size, wav.length - offset - 8);
      return bytes / (rate * channels * (bits / 8));
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV without a data chunk');
}

function speak(text: string, wavPath: string, voice: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('espeak-ng', ['-v', voice, '-s', '165', '--stdin', '-w', wavPath], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`espeak-ng exited ${code}: ${stderr}`))));
    child.stdin.end(text);
  });
}

const cache = new Map<string, Promise<{ audio: Buffer; speechSeconds: number }>>();

export function synthesizeSpeech(
  text: string,
  format: AudioFormat,
  voice = 'en-us',
): Promise<{ audio: Buffer; speechSeconds: number }> {
  const key = JSON.stringify([text, format, voice]);
  let result = cache.get(key);
  if (!result) {
    result = render(text, format, voice);
    cache.set(key, result);
    result.catch(() => cache.delete(key));
    if (cache.size > 200) cache.delete(cache.keys().next().value!);
  }
  return result;
}

async function render(
  text: string,
  format: AudioFormat,
  voice: string,
): Promise<{ audio: Buffer; speechSeconds: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-tts-'));
  try {
    const wavPath = join(dir, 'speech.wav');
    await speak(text, wavPath, voice);
    const speechSeconds = wavSeconds(await readFile(wavPath));
    const outPath = join(dir, `out.${format.container === 'pcm' ? 'raw' : format.container}`);
    const codec =
      format.container === 'mp3'
        ? ['-c:a', 'libmp3lame', '-b:a', `${format.bitrateKbps}k`, '-f', 'mp3']
        : format.container === 'wav'
          ? ['-c:a', 'pcm_s16le', '-f', 'wav']
          : ['-c:a', 'pcm_s16le', '-f', 's16le'];
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-y',
      '-i',
      wavPath,
      '-ac',
      '1',
      '-ar',
      String(format.sampleRate),
      ...codec,
      outPath,
    ]);
    return { audio: await readFile(outPath), speechSeconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A plausible character alignment over `seconds` of speech: letters take one share, spaces half,
 * clause punctuation a pause, sentence ends a longer one; a short lead-in and tail stay silent.
 */
export function plausibleAlignment(text: string, seconds: number) {
  const characters = Array.from(text);
  const weight = (ch: string) =>
    /[.!?…]/.test(ch) ? 3 : /[,;:]/.test(ch) ? 2 : /\s/.test(ch) ? 0.5 : /[\p{L}\p{N}]/u.test(ch) ? 1 : 0.3;
  const weights = characters.map(weight);
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const lead = Math.min(0.1, seconds * 0.03);
  const unit = Math.max(0, seconds - 2 * lead) / total;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const starts: number[] = [];
  const ends: number[] = [];
  let cursor = lead;
  for (const w of weights) {
    starts.push(round(cursor));
    cursor += w * unit;
    ends.push(round(cursor));
  }
  return { characters, character_start_times_seconds: starts, character_end_times_seconds: ends };
}
