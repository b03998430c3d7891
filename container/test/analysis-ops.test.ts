/**
 * The operations built on the analysis modules, end to end through the server: detect-voice
 * (frame-level F1 on labelled eSpeak fixtures), silence-remove (pauses cut, speech kept) and
 * highlights (moving windows chosen, black and static ones rejected).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Background, buildSpeechFixture, frameScores, type SpeechFixture } from './fixtures/speech.ts';
import { decodePcm, ffmpeg, probe, rmsDb } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const UTTERANCES = [
  { text: 'The editor cuts the clip on the beat.', at: 1.2 },
  { text: 'Then the voice over starts, a little later.', after_previous: 1.6 },
  { text: 'And the music fades out at the end.', after_previous: 1.3 },
];

describe('detect-voice', () => {
  const cases: { background: Background; snr: number }[] = [
    { background: 'silence', snr: 0 },
    { background: 'tone', snr: 10 },
    { background: 'music', snr: 10 },
    { background: 'white-noise', snr: 20 },
    { background: 'pink-noise', snr: 10 },
  ];
  for (const { background, snr } of cases) {
    it(`finds speech over ${background}${background === 'silence' ? '' : ` at ${snr} dB SNR`} with frame F1 ≥ 0.95`, async () => {
      const fixture = await buildSpeechFixture(h.dir, {
        name: `vad-${background}`,
        background,
        snr_db: snr,
        duration: 14,
        utterances: UTTERANCES,
      });
      const name = `vad-${background}.wav`;
      const result = await h.processor.client.run('detect-voice', { input: { url: h.media.url(name) } });
      expect(result.engine).toBe('silero-vad-v5');
      expect(result.params).toEqual({
        threshold: 0.5,
        min_speech_duration: 0.25,
        min_silence_duration: 0.1,
        padding: 0,
      });
      expect(result.duration).toBeCloseTo(14, 1);
      const { f1 } = frameScores(fixture.speech, result.segments, fixture.duration);
      expect(f1).toBeGreaterThanOrEqual(0.95);
      for (const s of result.segments) {
        expect(s.duration).toBeCloseTo(s.end - s.start, 2);
        expect(s.confidence).toBeGreaterThan(0.5);
      }
      expect(result.total_voice_duration).toBeCloseTo(
        result.segments.reduce((a, s) => a + s.duration, 0),
        2,
      );
    });
  }

  it('applies padding and min_speech_duration', async () => {
    const plain = await h.processor.client.run('detect-voice', { input: { url: h.media.url('vad-silence.wav') } });
    const padded = await h.processor.client.run('detect-voice', {
      input: { url: h.media.url('vad-silence.wav') },
      padding: 0.2,
    });
    // Padding widens every span (and may join spans closer than twice the padding).
    expect(padded.segments.length).toBeLessThanOrEqual(plain.segments.length);
    expect(padded.segments[0]!.start).toBeCloseTo(Math.max(0, plain.segments[0]!.start - 0.2), 2);
    expect(padded.total_voice_duration).toBeGreaterThan(plain.total_voice_duration);
    const none = await h.processor.client.run('detect-voice', {
      input: { url: h.media.url('vad-silence.wav') },
      min_speech_duration: 9,
    });
    expect(none.segments).toEqual([]);
  });

  it('answers no speech for media without audio', async () => {
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x90:rate=10',
      '-t',
      '1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      join(h.dir, 'silent-video.mp4'),
    ]);
    const result = await h.processor.client.run('detect-voice', { input: { url: h.media.url('silent-video.mp4') } });
    expect(result).toMatchObject({ segments: [], total_voice_duration: 0 });
  });
});

describe('silence-remove', () => {
  let fixture: SpeechFixture;
  beforeAll(async () => {
    fixture = await buildSpeechFixture(h.dir, {
      name: 'tts-pauses',
      background: 'silence',
      snr_db: 0,
      duration: 13,
      utterances: UTTERANCES,
    });
    await ffmpeg(['-i', fixture.path, '-c:a', 'libmp3lame', '-b:a', '128k', join(h.dir, 'tts-pauses.mp3')]);
  });

  it('cuts the pauses longer than min_silence_duration and keeps every word (docs/compatibility.md#silence-removal)', async () => {
    const result = await h.processor.client.run('silence-remove', {
      input: { url: h.media.url('tts-pauses.mp3') },
      min_silence_duration: 0.3,
      padding: 0.08,
      output: { url: h.media.uploadUrl('tight.mp3'), content_type: 'audio/mpeg' },
    });
    expect(result.segments_kept).toBe(3);
    for (const truth of fixture.speech) {
      const span = result.kept.find((k) => k.start <= truth.start + 0.05 && k.end >= truth.end - 0.05);
      expect(span, `speech ${truth.start}–${truth.end} kept`).toBeDefined();
    }
    const keptTotal = result.kept.reduce((a, k) => a + k.end - k.start, 0);
    // The output is the kept spans end to end (MP3 framing adds a few tens of ms).
    expect(Math.abs(result.new_duration - keptTotal)).toBeLessThan(0.15);
    expect(result.removed_duration).toBeGreaterThan(5);
    expect(result.compression_ratio).toBeCloseTo((1 - result.new_duration / result.original_duration) * 100, 1);
    const out = h.media.uploads.get('tight.mp3')!.path;
    expect((await probe(out)).streams[0]!.codec_name).toBe('mp3');
    // The first word now starts at the padding, not after 1.2 s of silence.
    const pcm = await decodePcm(out, 16000);
    expect(rmsDb(pcm, 16000, 0.1, 0.5)).toBeGreaterThan(-40);
  });
});

describe('highlights', () => {
  it('scores windows and picks the moving part, never black or static footage', async () => {
    // 0–4 s black, 4–8 s a still picture, 8–16 s moving test pattern.
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=c=black:s=320x180:r=25:d=4',
      '-f',
      'lavfi',
      '-i',
      'smptebars=s=320x180:r=25:d=4',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x180:r=25:d=8',
      '-filter_complex',
      '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]',
      '-map',
      '[v]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      join(h.dir, 'scenes.mp4'),
    ]);
    const result = await h.processor.client.run('highlights', {
      input: { url: h.media.url('scenes.mp4') },
      target_duration: 4,
      variant_count: 2,
    });
    expect(result.duration).toBeCloseTo(16, 1);
    expect(result.windows.length).toBeGreaterThan(0);
    // No window lies inside the black part or inside the still picture: each holds motion or a cut.
    const inside = (w: { start: number; end: number }, from: number, to: number) =>
      w.start >= from - 0.01 && w.end <= to + 0.01;
    for (const w of [...result.windows, ...result.selected, ...result.variants.flat()]) {
      expect(inside(w, 0, 4) || inside(w, 4, 8), `window ${w.start}–${w.end}`).toBe(false);
      expect(w.motion_score).toBeGreaterThan(0.008);
    }
    // Most of what is chosen is the moving part.
    const moving = result.selected.reduce((a, w) => a + Math.max(0, w.end - Math.max(w.start, 8)), 0);
    expect(moving).toBeGreaterThan(result.selected.reduce((a, w) => a + w.duration, 0) / 2);
    const total = result.selected.reduce((a, w) => a + w.duration, 0);
    expect(total).toBeGreaterThanOrEqual(4);
    expect(result.variants).toHaveLength(2);
    for (let i = 1; i < result.selected.length; i++)
      expect(result.selected[i]!.start).toBeGreaterThanOrEqual(result.selected[i - 1]!.end);
  });
});
