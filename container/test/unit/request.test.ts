/**
 * Request bodies through the contract's schemas: the field path and the processor's phrasing in
 * `invalid_request`, unknown fields refused, `null` as absent for optional fields, every media URL
 * checked against the allowed origins, and the checks that follow the parse.
 */
import { describe, expect, it } from 'vitest';
import { processorRequests } from '../../../shared/processor/operations.ts';
import { ProcessorFailure } from '../../src/errors.ts';
import { operations } from '../../src/ops/index.ts';
import { createRequestParser } from '../../src/request.ts';

const ORIGIN = 'https://api.example';
const parse = createRequestParser([ORIGIN]);
const input = { url: `${ORIGIN}/media/clip.mp4` };
const video = { url: `${ORIGIN}/upload/out.mp4`, content_type: 'video/mp4' };
const preset = {
  width: 1080,
  height: 1920,
  fps: 30,
  crf: 20,
  video_bitrate: '8M',
  audio_bitrate: '192k',
  video_profile: 'high',
  video_level: '4.0',
  audio_sample_rate: 48000,
};
const style = {
  font_family: "var(--x), 'Inter', sans-serif",
  font_size: 48,
  text_color: '#FFFFFF',
  outline_color: '#000000',
  outline_width: 2,
  position_y: 80,
  bold: true,
};

function refusal(run: () => unknown): { message: string; details?: unknown } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ProcessorFailure);
    expect(err).toMatchObject({ code: 'invalid_request', status: 400 });
    return err as ProcessorFailure;
  }
  throw new Error('expected invalid_request');
}

describe('request parsing', () => {
  it('names the field and the rule', () => {
    expect(
      refusal(() =>
        parse(operations.thumbnail, { input, time: -1, width: 320, output: { ...video, content_type: 'image/jpeg' } }),
      ).message,
    ).toBe('time: must be ≥ 0');
    expect(
      refusal(() =>
        parse(operations.thumbnail, { input, time: 1, width: 20.5, output: { ...video, content_type: 'image/jpeg' } }),
      ).message,
    ).toBe('width: must be an integer');
    expect(
      refusal(() =>
        parse(operations.thumbnail, { input, time: 1, width: 4000, output: { ...video, content_type: 'image/jpeg' } }),
      ).message,
    ).toBe('width: must be ≤ 1920');
    expect(refusal(() => parse(operations.probe, {})).message).toBe('input: is required');
    expect(refusal(() => parse(operations.probe, { input: null })).message).toBe('input: is required');
    expect(refusal(() => parse(operations.probe, [1])).message).toBe('(body): must be an object');
    expect(refusal(() => parse(operations.waveform, { input, bins: '100' })).message).toBe(
      'bins: must be a finite number',
    );
    expect(
      refusal(() => parse(operations.render, { input, preset: { ...preset, width: 1081 }, output: video })).message,
    ).toBe('preset.width: must be even');
    expect(
      refusal(() => parse(operations.render, { input, preset: { ...preset, audio_sample_rate: 8000 }, output: video }))
        .message,
    ).toBe('preset.audio_sample_rate: must be 22050, 32000, 44100 or 48000');
    expect(
      refusal(() => parse(operations.render, { input, preset: { ...preset, video_profile: 'ultra' }, output: video }))
        .message,
    ).toBe('preset.video_profile: must be one of baseline, main, high');
    expect(refusal(() => parse(operations.mute, { input, mode: 'loud', output: video })).message).toBe(
      'mode: must be one of hard, duck, fade',
    );
    expect(refusal(() => parse(operations.concat, { inputs: [], output: video })).message).toBe(
      'inputs: must have at least 1 items',
    );
    expect(
      refusal(() =>
        parse(operations['tts-local'], {
          text: 'hi',
          voice: 'en; rm -rf /',
          output: { ...video, content_type: 'audio/mpeg' },
        }),
      ).message,
    ).toBe('voice: must be an eSpeak NG voice name such as en-us');
    expect(
      refusal(() => parse(operations['tts-local'], { text: '   ', output: { ...video, content_type: 'audio/mpeg' } }))
        .message,
    ).toBe('text: must not be blank');
  });

  it('checks end after start wherever a range is given', () => {
    expect(
      refusal(() => parse(operations.extract, { input, start: 3, end: 2, mode: 'copy', output: video })).message,
    ).toBe('end: must be greater than start');
    expect(
      refusal(() => parse(operations.frames, { input, interval: 1, max_width: 320, max_frames: 5, start: 3, end: 3 }))
        .message,
    ).toBe('end: must be greater than start');
    expect(
      refusal(() =>
        parse(operations.mute, {
          input,
          intervals: [
            { start: 0, end: 1 },
            { start: 2, end: 1 },
          ],
          mode: 'hard',
          output: video,
        }),
      ).message,
    ).toBe('intervals[1].end: must be greater than start');
    expect(
      refusal(() => parse(operations.concat, { inputs: [input, { ...input, start: 5, end: 4 }], output: video }))
        .message,
    ).toBe('inputs[1].end: must be greater than start');
  });

  it('refuses unknown fields at any depth, one detail per field', () => {
    const top = refusal(() => parse(operations.probe, { input, path: '/etc/passwd', extra: 1 }));
    expect(top.message).toBe('path: unknown field');
    expect(top.details).toEqual([
      { path: 'path', message: 'unknown field' },
      { path: 'extra', message: 'unknown field' },
    ]);
    expect(
      refusal(() => parse(operations.render, { input, preset: { ...preset, x264: '--evil' }, output: video })).message,
    ).toBe('preset.x264: unknown field');
    expect(
      refusal(() =>
        parse(operations.extract, { input, start: 0, end: 1, mode: 'copy', transforms: { rotate: 45 }, output: video }),
      ).message,
    ).toBe('transforms.rotate: must be 0, 90, 180 or 270');
  });

  it('takes null as absent for optional fields, and keeps absent fields absent', () => {
    const frames = parse(operations.frames, {
      input,
      interval: 1,
      max_width: 320,
      max_frames: 5,
      start: null,
      quality: null,
    });
    expect(frames.start).toBeUndefined();
    expect(frames.quality).toBeUndefined();
    const voice = parse(operations['detect-voice'], { input, threshold: 0.3 });
    expect(voice).toEqual({ input, threshold: 0.3 });
    expect(Object.keys(voice)).toEqual(['input', 'threshold']);
  });

  it('checks every media URL against the allowed origins and hands on the normalised URL', () => {
    for (const url of [
      'http://127.0.0.1:1/x.mp4',
      'file:///etc/passwd',
      'https://user:pw@api.example/x',
      'not a url',
    ]) {
      expect(refusal(() => parse(operations.probe, { input: { url } })).message).toMatch(/^input\.url: /);
    }
    expect(
      refusal(() => parse(operations.concat, { inputs: [input, { url: 'http://evil.example/x' }], output: video }))
        .message,
    ).toBe('inputs[1].url: origin http://evil.example is not an allowed media origin');
    expect(
      refusal(() =>
        parse(operations.render, { input, preset, extend_with: [input, { url: 'data:,x' }], output: video }),
      ).message,
    ).toMatch(/^extend_with\[1\]\.url: /);
    expect(
      refusal(() =>
        parse(operations.audio, {
          video: input,
          audio: input,
          mode: 'mix',
          output: { ...video, url: 'http://evil.example/up' },
        }),
      ).message,
    ).toMatch(/^output\.url: /);
    expect(parse(operations.probe, { input: { url: `${ORIGIN}/media/a%20b?sig=1` } }).input.url).toBe(
      `${ORIGIN}/media/a%20b?sig=1`,
    );
    expect(parse(operations.probe, { input: { url: 'HTTPS://API.EXAMPLE/m' } }).input.url).toBe(`${ORIGIN}/m`);
  });

  it('checks output content types and what the schema cannot say, after the parse', () => {
    expect(refusal(() => parse(operations.thumbnail, { input, time: 0, width: 160, output: video })).message).toBe(
      'output.content_type: must be one of image/jpeg, image/png, image/webp',
    );
    expect(
      refusal(() => parse(operations.render, { input, preset, subtitles: { srt: 'not srt', style }, output: video }))
        .message,
    ).toMatch(/^subtitles\.srt/);
    const srt = '1\n00:00:00,000 --> 00:00:01,000\nHello\n';
    expect(
      parse(operations.render, { input, preset, subtitles: { srt, style }, output: video }).subtitles?.style
        .font_family,
    ).toBe('Inter');
  });

  it('the static schemas accept any URL (the Worker side of the same contract)', () => {
    expect(processorRequests.probe.parse({ input: { url: 'http://anywhere.example/x' } })).toEqual({
      input: { url: 'http://anywhere.example/x' },
    });
  });
});
