/**
 * render: preset size/fps, cover-crop, duration fitting (trim, extend with clips, hold), subtitles
 * burned from validated settings, voice-over over the ducked clip audio, loudness to target.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderPreset, RenderRequest, SubtitleStyle } from '../../shared/processor/operations.ts';
import {
  bedLevelDb,
  decodePcm,
  ffmpeg,
  grayFrames,
  makePhrases,
  makeTone,
  makeVideo,
  probe,
  psnr,
  rmsDb,
} from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
const RATE = 48000;
const PRESET: RenderPreset = {
  width: 180,
  height: 320,
  fps: 25,
  crf: 23,
  video_bitrate: '2M',
  audio_bitrate: '128k',
  video_profile: 'high',
  video_level: '4.0',
  audio_sample_rate: 48000,
};
const STYLE: SubtitleStyle = {
  font_family: "var(--font-sans), 'DejaVu Sans', sans-serif",
  font_size: 28,
  text_color: '#FFFFFF',
  outline_color: '#000000',
  outline_width: 2,
  position_y: 85,
  bold: true,
};

beforeAll(async () => {
  h = await startHarness({ RENDER_X264_PRESET: 'superfast' });
  await Promise.all([
    makeVideo(join(h.dir, 'clip.mp4'), { duration: 4, width: 320, height: 180, fps: 30, amplitude: 0.5 }),
    makeVideo(join(h.dir, 'quiet.mp4'), { duration: 3, width: 320, height: 180, amplitude: 0.05 }),
    makeVideo(join(h.dir, 'broll.mp4'), { duration: 3, width: 640, height: 360, fps: 25, audio: 'none' }),
    makeTone(join(h.dir, 'voice.m4a'), 2, 660, 0.2),
    // A voice-over in two phrases, a pause between them, ending before the clip.
    makePhrases(
      join(h.dir, 'phrases.m4a'),
      [
        [0.1, 1.2],
        [2.4, 3.2],
      ],
      3.3,
    ),
    // A flat grey picture: anything bright on it is the subtitle.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=c=0x404040:s=320x180:r=25',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=48000:cl=stereo',
      '-t',
      '3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-shortest',
      join(h.dir, 'grey.mp4'),
    ]),
  ]);
});
afterAll(async () => h?.close());

async function render(name: string, request: Partial<RenderRequest>, input = 'clip.mp4') {
  const result = await h.processor.client.run('render', {
    input: { url: h.media.url(input) },
    preset: PRESET,
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    ...request,
  } as RenderRequest);
  return { result, path: h.media.uploads.get(name)!.path };
}

describe('render', () => {
  it('encodes to the preset: size (cover + crop), fps, profile, faststart; keeps the clip audio', async () => {
    const { result, path } = await render('plain.mp4', {});
    expect(result).toMatchObject({ width: 180, height: 320, loudness_lufs: null });
    expect(result.duration).toBeCloseTo(4, 1);
    const info = await probe(path);
    expect(info.streams[0]).toMatchObject({
      codec_name: 'h264',
      width: 180,
      height: 320,
      r_frame_rate: '25/1',
      profile: 'High',
    });
    expect(info.streams[1]).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    // Not silence: the clip's own sound is there (the original replaced it with silence).
    const pcm = await decodePcm(path, RATE);
    expect(rmsDb(pcm, RATE, 0.5, 3.5)).toBeCloseTo(
      rmsDb(await decodePcm(join(h.dir, 'clip.mp4'), RATE), RATE, 0.5, 3.5),
      0,
    );
    // The centre of the source, cropped: same picture as scaling and cropping it directly.
    const [got] = await grayFrames(path, 180, 320, { start: 2, count: 1 });
    const direct = join(h.dir, 'direct.mp4');
    await ffmpeg([
      '-ss',
      '2',
      '-i',
      join(h.dir, 'clip.mp4'),
      '-frames:v',
      '1',
      '-vf',
      'scale=180:320:force_original_aspect_ratio=increase,crop=180:320',
      '-c:v',
      'libx264',
      '-qp',
      '0',
      direct,
    ]);
    const [want] = await grayFrames(direct, 180, 320, { count: 1 });
    expect(psnr(got!, want!)).toBeGreaterThan(28);
  });

  it('trims to a shorter target_duration', async () => {
    const { result } = await render('short.mp4', { target_duration: 2.5 });
    expect(result.duration).toBeCloseTo(2.5, 1);
  });

  it('extends with extra clips, then holds the last frame, to reach a longer target', async () => {
    const { result, path } = await render('long.mp4', {
      target_duration: 9,
      extend_with: [{ url: h.media.url('broll.mp4') }],
    });
    expect(result.duration).toBeCloseTo(9, 1);
    const frames = await grayFrames(path, 180, 320);
    expect(frames.length).toBeGreaterThanOrEqual(224);
    // 4.5 s is the b-roll at 0.5 s.
    const broll = join(h.dir, 'broll-direct.mp4');
    await ffmpeg([
      '-ss',
      '0.5',
      '-i',
      join(h.dir, 'broll.mp4'),
      '-frames:v',
      '1',
      '-vf',
      'scale=180:320:force_original_aspect_ratio=increase,crop=180:320',
      '-c:v',
      'libx264',
      '-qp',
      '0',
      broll,
    ]);
    const [want] = await grayFrames(broll, 180, 320, { count: 1 });
    expect(psnr(frames[Math.round(4.5 * 25)]!, want!)).toBeGreaterThan(28);
    // After 7 s (4 s clip + 3 s b-roll) the last frame is held (equal up to encoding noise; moving
    // testsrc2 frames a second apart differ by far more).
    expect(psnr(frames[Math.round(7.5 * 25)]!, frames[Math.round(8.5 * 25)]!)).toBeGreaterThan(45);
    expect(psnr(frames[Math.round(5 * 25)]!, frames[Math.round(6 * 25)]!)).toBeLessThan(30);
  });

  it('burns subtitles in the lower part during their cues only, from validated settings', async () => {
    const srt =
      '1\n00:00:00,500 --> 00:00:01,500\n<b>Hello</b> {\\an8}there\n\n2\n00:00:02,000 --> 00:00:02,800\nSecond line\n';
    const { path } = await render('subs.mp4', { subtitles: { srt, style: STYLE } }, 'grey.mp4');
    const frames = await grayFrames(path, 180, 320);
    const bright = (frame: Buffer, fromRow: number, toRow: number) => {
      let count = 0;
      for (let y = fromRow; y < toRow; y++) for (let x = 0; x < 180; x++) if (frame[y * 180 + x]! > 200) count++;
      return count;
    };
    const at = (t: number) => frames[Math.round(t * 25)]!;
    // During a cue: bright text in the bottom third, none in the top third (the {\an8} override was stripped).
    expect(bright(at(1), 213, 320)).toBeGreaterThan(50);
    expect(bright(at(1), 0, 107)).toBe(0);
    expect(bright(at(2.4), 213, 320)).toBeGreaterThan(50);
    // Between and after the cues: nothing.
    expect(bright(at(1.75), 0, 320)).toBe(0);
    expect(bright(at(2.9), 0, 320)).toBe(0);
  });

  it('refuses unsafe subtitle settings and malformed SRT', async () => {
    const bad = [
      { srt: '1\n00:00:00,000 --> 00:00:01,000\nHi\n', style: { ...STYLE, font_family: "Arial',force_style='x" } },
      { srt: '1\n00:00:00,000 --> 00:00:01,000\nHi\n', style: { ...STYLE, text_color: 'white' } },
      { srt: '1\n00:00:02,000 --> 00:00:01,000\nbackwards\n', style: STYLE },
      { srt: 'not an srt at all', style: STYLE },
    ];
    for (const subtitles of bad) {
      await expect(render('bad.mp4', { subtitles })).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    }
  });

  it('mixes a voice-over over the clip ducked while the voice runs, the clip at full level after (constant)', async () => {
    const { path } = await render('vo.mp4', {
      voiceover: { url: h.media.url('voice.m4a'), duck_to: 0.15, ducking: 'constant' },
    });
    const out = await decodePcm(path, RATE);
    const clip = await decodePcm(join(h.dir, 'clip.mp4'), RATE);
    const voice = await decodePcm(join(h.dir, 'voice.m4a'), RATE);
    const expected = new Float32Array(out.length).map((_, i) => 0.15 * (clip[i] ?? 0) + (voice[i] ?? 0));
    expect(Math.abs(rmsDb(out, RATE, 0.2, 1.8) - rmsDb(expected, RATE, 0.2, 1.8))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(rmsDb(out, RATE, 2.2, 3.8) - rmsDb(clip, RATE, 2.2, 3.8))).toBeLessThanOrEqual(0.5);
  });

  it('ducks the clip only while the voice sounds by default (sidechain): back up in the pause between phrases', async () => {
    const { path } = await render('vo-sidechain.mp4', {
      voiceover: { url: h.media.url('phrases.m4a'), duck_to: 0.15 },
    });
    const out = await decodePcm(path, RATE);
    const clip = await decodePcm(join(h.dir, 'clip.mp4'), RATE);
    const voice = await decodePcm(join(h.dir, 'phrases.m4a'), RATE);
    // The clip's level in the mix (the voice taken out) relative to the clip alone, in dB.
    const bed = (start: number, end: number) =>
      bedLevelDb(out, voice, RATE, start, end) - rmsDb(clip, RATE, start, end);
    const levels = { first: bed(0.3, 1.1), pause: bed(1.7, 2.3), second: bed(2.6, 3.1), after: bed(3.6, 3.9) };
    const duck = 20 * Math.log10(0.15);
    expect(Math.abs(levels.first - duck), JSON.stringify(levels)).toBeLessThanOrEqual(2);
    expect(Math.abs(levels.second - duck), JSON.stringify(levels)).toBeLessThanOrEqual(2);
    expect(Math.abs(levels.pause), JSON.stringify(levels)).toBeLessThanOrEqual(1);
    expect(Math.abs(levels.after), JSON.stringify(levels)).toBeLessThanOrEqual(1);
  });

  it('normalises loudness to the target and reports the measured value', async () => {
    const { result } = await render('loud.mp4', { loudness_target: -14 }, 'quiet.mp4');
    expect(result.loudness_lufs).not.toBeNull();
    expect(Math.abs(result.loudness_lufs! - -14)).toBeLessThanOrEqual(1);
  });
});
