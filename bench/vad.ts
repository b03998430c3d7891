/**
 * Voice detection benchmark: accuracy (frame F1 on 10 ms frames) on the labelled fixtures, and speed
 * in × real time on ~10 minutes of generated audio. Run on one core:
 *
 *   taskset -c 0 npx node bench/vad.ts
 *
 * Figures go to docs/voice-detection.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectVoiceParams } from '../shared/processor/operations.ts';
import { VAD_SAMPLE_RATE, detectSpeech } from '../container/src/analysis/vad.ts';
import { warmUpSilero } from '../container/src/analysis/silero-engine.ts';
import {
  type Background,
  type Utterance,
  buildSpeechFixture,
  decodePcm16k,
  frameScores,
} from '../container/test/fixtures/speech.ts';

const DEFAULTS: DetectVoiceParams = {
  threshold: 0.5,
  min_speech_duration: 0.25,
  min_silence_duration: 0.1,
  padding: 0,
};
const BENCH_SECONDS = 600;

const SETS: Record<string, { voice: string; wpm: number; utterances: Utterance[] }> = {
  'en-us 160 wpm': {
    voice: 'en-us',
    wpm: 160,
    utterances: [
      { text: 'The quick brown fox jumps over the lazy dog', at: 1.0 },
      { text: 'Please remember to bring your camera tomorrow', at: 6.5 },
      { text: 'We will meet at the station at noon', at: 12.25 },
    ],
  },
  'en-us+f3 190 wpm': {
    voice: 'en-us+f3',
    wpm: 190,
    utterances: [
      { text: 'Sixty seven silver ships sailed across the bay', at: 0.5 },
      { text: 'Hello', at: 5.0 },
      { text: 'Every morning she opened the window and listened to the birds', at: 8.0 },
    ],
  },
  'de 140 wpm': {
    voice: 'de',
    wpm: 140,
    utterances: [
      { text: 'Guten Morgen, wie geht es dir heute', at: 2.0 },
      { text: 'Das Wetter ist wirklich schoen', at: 9.0 },
    ],
  },
};

const CASES: [Background, number][] = [
  ['silence', 0],
  ['tone', 10],
  ['tone', 0],
  ['music', 10],
  ['music', 5],
  ['music', 0],
  ['white-noise', 20],
  ['white-noise', 10],
  ['white-noise', 5],
  ['pink-noise', 20],
  ['pink-noise', 10],
  ['pink-noise', 5],
];

const dir = await mkdtemp(join(tmpdir(), 'cutroom-vad-bench-'));
try {
  console.log(`CPU: ${cpus()[0]?.model ?? 'unknown'}; cores visible to Node: ${availableParallelism()}`);
  console.log('\nAccuracy: frame F1 on 10 ms frames, default parameters, 17 s fixtures\n');
  console.log(`| voice | ${CASES.map(([b, s]) => (b === 'silence' ? 'clean' : `${b} ${s} dB`)).join(' | ')} |`);
  console.log(`|---|${CASES.map(() => '---').join('|')}|`);
  let tiled: Float32Array | null = null;
  for (const [label, set] of Object.entries(SETS)) {
    const cells: string[] = [];
    for (const [background, snr] of CASES) {
      const fx = await buildSpeechFixture(dir, {
        name: `${label.replace(/\W+/g, '-')}-${background}-${snr}`,
        background,
        snr_db: snr,
        duration: 17,
        utterances: set.utterances,
        voice: set.voice,
        words_per_minute: set.wpm,
      });
      const pcm = await decodePcm16k(fx.path);
      const { segments } = await detectSpeech(pcm, DEFAULTS);
      const s = frameScores(fx.speech, segments, fx.duration);
      cells.push(s.f1.toFixed(3));
      // The speed run tiles the hardest English fixture.
      if (!tiled && background === 'pink-noise' && snr === 5) tiled = pcm;
    }
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  }

  for (const background of ['tone', 'music', 'white-noise', 'pink-noise'] as const) {
    const fx = await buildSpeechFixture(dir, {
      name: `none-${background}`,
      background,
      snr_db: -20,
      duration: 10,
      utterances: [],
    });
    const { segments } = await detectSpeech(await decodePcm16k(fx.path), DEFAULTS);
    console.log(`no speech, ${background} only: ${segments.length} segment(s) detected`);
  }

  const source = tiled!;
  const long = new Float32Array(BENCH_SECONDS * VAD_SAMPLE_RATE);
  for (let offset = 0; offset < long.length; offset += source.length) {
    long.set(source.subarray(0, Math.min(source.length, long.length - offset)), offset);
  }
  await warmUpSilero();
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    await detectSpeech(long, DEFAULTS);
    runs.push((performance.now() - started) / 1000);
  }
  const best = Math.min(...runs);
  const median = [...runs].sort((a, b) => a - b)[1]!;
  console.log(
    `\nSpeed: ${BENCH_SECONDS} s of audio in ${median.toFixed(2)} s (median of 3; best ${best.toFixed(2)} s) = ` +
      `${(BENCH_SECONDS / median).toFixed(0)}× real time (best ${(BENCH_SECONDS / best).toFixed(0)}×)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
