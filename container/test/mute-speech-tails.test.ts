/**
 * Muting speech leaves none of it audible. The truth is not the detector's spans but the fixture's
 * own parts: the clean eSpeak track before mixing and the background alone, both in 20 ms windows
 * (10 ms apart). Inside the speech (every window where the clean track has sound), the muted output
 * may not be louder than the background there + 3 dB — i.e. no word, and no word's tail, is heard
 * over the bed. Voices that pause between sentences, in a room (word ends trail off in echoes the
 * detector lets go of) and dry with words ending in fricatives and stops, over noise and a tone,
 * with quiet beds (30–40 dB under the speech) that let quiet tails through; both ways a video is muted: the processor detecting the speech itself
 * (whole audio track re-encoded) and the Worker's way (detect-voice, then the intervals with the
 * speech margins, spliced in-process).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MuteResult, SPEECH_MUTE_MARGINS } from '../../shared/processor/operations.ts';
import { buildSpeechFixture, type SpeechFixture, type SpeechFixtureSpec, windowLevels } from './fixtures/speech.ts';
import { decodePcm, videoWithSound } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const RATE = 16000;
const WINDOW = 0.02;
const HOP = 0.01;
/** A window "has speech" when the clean track there is above this (dBFS): far below any bed here. */
const SPEECH_FLOOR_DB = -90;

/** Bed this far from any speech is never muted (the margins, a merged gap and the detector's slack are less). */
const BED_CLEARANCE = 0.8;

let h: Harness;

const FIXTURES: SpeechFixtureSpec[] = [
  {
    name: 'room-pauses-pink',
    background: 'pink-noise',
    snr_db: 30,
    duration: 15,
    room: true,
    utterances: [
      { text: 'The first sentence ends here.', at: 0.8 },
      { text: 'After a short pause, another one starts.', after_previous: 0.35 },
      { text: 'Then a longer pause, and this is the last thing I say.', after_previous: 0.9 },
      { text: 'Yes.', after_previous: 0.6 },
    ],
  },
  {
    name: 'endings-tone',
    background: 'tone',
    snr_db: 30,
    duration: 10,
    voice: 'en-us',
    words_per_minute: 175,
    utterances: [
      { text: 'Look at the cats.', at: 0.6 },
      { text: 'She sells fresh fish.', after_previous: 0.4 },
      { text: 'Nothing else, just the bus stop.', after_previous: 0.5 },
      { text: 'Push.', after_previous: 0.7 },
      { text: 'Then it was half past.', after_previous: 0.35 },
    ],
  },
  {
    name: 'room-german-tone',
    background: 'tone',
    snr_db: 40,
    duration: 8,
    room: true,
    voice: 'de',
    words_per_minute: 140,
    utterances: [
      { text: 'Guten Morgen, wie geht es dir heute?', at: 1.0 },
      { text: 'Das Wetter ist wirklich schoen.', after_previous: 0.45 },
    ],
  },
];

interface Prepared {
  fixture: SpeechFixture;
  video: string;
  voice: Float64Array;
  bed: Float64Array;
}
const prepared = new Map<string, Prepared>();

beforeAll(async () => {
  h = await startHarness();
  for (const spec of FIXTURES) {
    const fixture = await buildSpeechFixture(join(h.dir, 'speech'), spec);
    const video = `${spec.name}.mp4`;
    await videoWithSound(fixture.path, spec.duration, join(h.dir, video));
    prepared.set(spec.name, {
      fixture,
      video,
      voice: windowLevels(fixture.tracks.voice, RATE, WINDOW, HOP),
      bed: windowLevels(fixture.tracks.bed, RATE, WINDOW, HOP),
    });
  }
}, 240_000);
afterAll(async () => h?.close());

/** Windows inside the speech where `path` is louder than the bed + 3 dB, as "t s: +x dB". */
async function audibleSpeech(p: Prepared, path: string): Promise<string[]> {
  const out = windowLevels(await decodePcm(path, RATE), RATE, WINDOW, HOP);
  const heard: string[] = [];
  for (let i = 0; i < Math.min(out.length, p.voice.length); i++) {
    if (p.voice[i]! > SPEECH_FLOOR_DB && out[i]! > p.bed[i]! + 3)
      heard.push(`${(i * HOP).toFixed(2)} s: +${(out[i]! - p.bed[i]!).toFixed(1)} dB`);
  }
  return heard;
}

/** Level of `path` against the bed over the stretches at least `away` seconds from any speech, dB. */
async function bedKept(p: Prepared, path: string, away: number): Promise<{ windows: number; worst: number }> {
  const out = windowLevels(await decodePcm(path, RATE), RATE, WINDOW, HOP);
  let windows = 0;
  let worst = 0;
  for (let i = 0; i < Math.min(out.length, p.bed.length); i++) {
    const start = i * HOP;
    const end = start + WINDOW;
    if (p.fixture.speech.some((s) => start < s.end + away && end > s.start - away)) continue;
    windows += 1;
    worst = Math.max(worst, Math.abs(out[i]! - p.bed[i]!));
  }
  return { windows, worst };
}

async function mute(p: Prepared, name: string, request: Record<string, unknown>): Promise<[MuteResult, string]> {
  const result = await h.processor.client.run('mute', {
    input: { url: h.media.url(p.video) },
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    mode: 'hard',
    ...request,
  });
  return [result, h.media.uploads.get(name)!.path];
}

const inProcessRuns = () => h.processor.logs.filter((line) => line.includes('"msg":"mute done in-process"')).length;

describe('muting detected speech: nothing of it is heard over the bed', () => {
  for (const spec of FIXTURES) {
    it(`${spec.name}: the check hears the speech in the source, and none of it after either mute path`, async () => {
      const p = prepared.get(spec.name)!;
      // The check can fail: in the unmuted source most of the speech is heard over the bed.
      const inSource = await audibleSpeech(p, join(h.dir, p.video));
      expect(inSource.length).toBeGreaterThan(100);

      // The processor detects the speech itself and applies the speech margins by default.
      const [detected, detectedPath] = await mute(p, `${spec.name}-detected.mp4`, {});
      expect(await audibleSpeech(p, detectedPath), JSON.stringify(detected.intervals)).toEqual([]);

      // The Worker's way: detect-voice, then the intervals with the margins, spliced in-process.
      const voice = await h.processor.client.run('detect-voice', { input: { url: h.media.url(p.video) } });
      const before = inProcessRuns();
      const [given, givenPath] = await mute(p, `${spec.name}-given.mp4`, {
        intervals: voice.segments.map((s) => ({ start: s.start, end: s.end })),
        margins: SPEECH_MUTE_MARGINS,
      });
      expect(inProcessRuns(), 'ran in-process').toBe(before + 1);
      expect(await audibleSpeech(p, givenPath), JSON.stringify(given.intervals)).toEqual([]);
      // Both paths muted the same spans.
      expect(given.intervals).toEqual(detected.intervals);

      // The margins are margins, not the whole file: away from the speech the bed is untouched.
      for (const path of [detectedPath, givenPath]) {
        const kept = await bedKept(p, path, BED_CLEARANCE);
        expect(kept.windows).toBeGreaterThan(50);
        expect(kept.worst).toBeLessThanOrEqual(1.5);
      }
    });
  }
});
