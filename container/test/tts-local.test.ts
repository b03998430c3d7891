/** tts-local: eSpeak NG speech as MP3 with phrase-level cues that line up with the audio. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSrt } from '../src/subtitles/srt.ts';
import { decodePcm, probe, rmsDb } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
const RATE = 22050;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const output = (name: string) => ({ url: h.media.uploadUrl(name), content_type: 'audio/mpeg' });

describe('tts-local', () => {
  it('speaks the text as MP3 with one cue per phrase, each on its audible speech', async () => {
    const text = 'Welcome to the studio. Today we cut a short clip! Does the caption follow the voice?';
    const result = await h.processor.client.run('tts-local', { text, output: output('speech.mp3') });
    expect(result.characters).toBe(text.length);
    expect(result.cues.map((c) => c.text)).toEqual([
      'Welcome to the studio.',
      'Today we cut a short clip!',
      'Does the caption follow the voice?',
    ]);
    const upload = h.media.uploads.get('speech.mp3')!;
    expect(upload.contentType).toBe('audio/mpeg');
    const info = await probe(upload.path);
    expect(info.streams[0]!.codec_name).toBe('mp3');
    expect(Number(info.format.duration)).toBeCloseTo(result.duration, 1);

    const pcm = await decodePcm(upload.path, RATE);
    for (const [i, cue] of result.cues.entries()) {
      expect(cue.end).toBeGreaterThan(cue.start + 0.3);
      if (i > 0) expect(cue.start).toBeGreaterThan(result.cues[i - 1]!.end);
      // Speech inside each cue...
      expect(rmsDb(pcm, RATE, cue.start + 0.05, cue.end - 0.05)).toBeGreaterThan(-35);
      // ...and silence in the pause before it.
      const previousEnd = i === 0 ? 0 : result.cues[i - 1]!.end;
      if (cue.start - previousEnd > 0.15)
        expect(rmsDb(pcm, RATE, previousEnd + 0.05, cue.start - 0.05)).toBeLessThan(-50);
    }
    expect(result.cues.at(-1)!.end).toBeLessThanOrEqual(result.duration);
    // The SRT says the same as the cues.
    expect(parseSrt(result.srt).map((c) => ({ start: c.start, end: c.end, text: c.text }))).toEqual(result.cues);
  });

  it('splits long sentences into phrases of at most 12 words', async () => {
    const text =
      'This sentence is deliberately long, so that the captions have to break it into shorter phrases, each of which a viewer can read comfortably while the voice keeps going.';
    const result = await h.processor.client.run('tts-local', {
      text,
      voice: 'en-gb',
      speed: 200,
      output: output('long.mp3'),
    });
    expect(result.cues.length).toBeGreaterThan(1);
    for (const cue of result.cues) expect(cue.text.split(' ').length).toBeLessThanOrEqual(12);
    expect(result.cues.map((c) => c.text).join(' ')).toBe(text);
  });

  it('speaks text that looks like command-line options instead of obeying it', async () => {
    const text = '--help -v zz -w /tmp/out -f /etc/passwd';
    const result = await h.processor.client.run('tts-local', { text, output: output('options.mp3') });
    expect(result.cues).toHaveLength(1);
    expect(result.duration).toBeGreaterThan(1);
  });

  it('rejects unknown voices, bad voice names and blank text', async () => {
    await expect(
      h.processor.client.run('tts-local', { text: 'Hello', voice: 'zz-qq', output: output('x.mp3') }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      h.processor.client.run('tts-local', { text: 'Hello', voice: 'en; rm -rf /', output: output('x.mp3') }),
    ).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    await expect(h.processor.client.run('tts-local', { text: '   ', output: output('x.mp3') })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
