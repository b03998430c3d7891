/** probe, thumbnail, frames, waveform and remove-audio against real ffmpeg and generated media. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpeg, ffmpegOut, grayFrames, makeVideo, probe, psnr, videoPacketHashes } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;
const input = (name: string) => ({ url: h.media.url(name) });
const output = (name: string, content_type: string) => ({ url: h.media.uploadUrl(name), content_type });

beforeAll(async () => {
  h = await startHarness();
  await Promise.all([
    makeVideo(join(h.dir, 'landscape.mp4'), { duration: 4, width: 320, height: 180, fps: 30, gop: 30 }),
    makeVideo(join(h.dir, 'portrait.mp4'), { duration: 2, width: 180, height: 320, fps: 25, audio: 'none' }),
    makeVideo(join(h.dir, 'rotated.mp4'), { duration: 2, width: 320, height: 180, rotate: 90 }),
    makeVideo(join(h.dir, 'square.mp4'), { duration: 1, width: 160, height: 160 }),
    // Loud tone 0–2 s, a tone at a tenth of that 2–4 s, digital silence 4–6 s.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'aevalsrc=if(lt(t\\,2)\\,0.5\\,if(lt(t\\,4)\\,0.05\\,0))*sin(2*PI*440*t):s=48000:c=mono',
      '-t',
      '6',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      join(h.dir, 'levels.m4a'),
    ]),
  ]);
});
afterAll(async () => h?.close());

describe('probe', () => {
  it('reports a landscape H.264/AAC file', async () => {
    const result = await h.processor.client.run('probe', { input: input('landscape.mp4') });
    expect(result).toMatchObject({
      width: 320,
      height: 180,
      coded_width: 320,
      coded_height: 180,
      rotation: 0,
      orientation: 'landscape',
      fps: 30,
      video_codec: 'h264',
      audio_codec: 'aac',
      has_video: true,
      has_audio: true,
      pixel_format: 'yuv420p',
      keyframe_interval: 1,
    });
    expect(result.duration).toBeCloseTo(4, 1);
    expect(result.size_bytes).toBeGreaterThan(1000);
    expect(result.video_bitrate).toBeGreaterThan(0);
    expect(result.format_name).toContain('mp4');
  });

  it('reports a portrait file without audio', async () => {
    const result = await h.processor.client.run('probe', { input: input('portrait.mp4') });
    expect(result).toMatchObject({
      width: 180,
      height: 320,
      orientation: 'portrait',
      fps: 25,
      has_audio: false,
      audio_codec: null,
    });
  });

  it('applies rotation metadata to the display size (as the original video-info)', async () => {
    const result = await h.processor.client.run('probe', { input: input('rotated.mp4') });
    expect(result.coded_width).toBe(320);
    expect(result.coded_height).toBe(180);
    // ffmpeg 5.1 stores `rotate=90` as a 90° counter-clockwise display matrix, which players (and
    // ffmpeg's autorotate) show turned 270° clockwise: the convention `rotation` reports.
    expect(result.rotation).toBe(270);
    expect(result).toMatchObject({ width: 180, height: 320, orientation: 'portrait' });
  });

  it('reports square media', async () => {
    expect(await h.processor.client.run('probe', { input: input('square.mp4') })).toMatchObject({
      orientation: 'square',
    });
  });

  it('probes audio-only media', async () => {
    const result = await h.processor.client.run('probe', { input: input('levels.m4a') });
    expect(result).toMatchObject({ has_video: false, has_audio: true, audio_codec: 'aac', width: 0, height: 0 });
    expect(result.duration).toBeCloseTo(6, 1);
  });
});

describe('thumbnail', () => {
  it('writes a JPEG of the frame at t, scaled to the width, and uploads it with its length', async () => {
    const result = await h.processor.client.run('thumbnail', {
      input: input('landscape.mp4'),
      time: 1.5,
      width: 160,
      output: output('thumb.jpg', 'image/jpeg'),
    });
    expect(result).toMatchObject({ time: 1.5, width: 160, height: 90 });
    const upload = h.media.uploads.get('thumb.jpg')!;
    expect(upload.contentType).toBe('image/jpeg');
    expect(upload.contentLength).toBe(result.size_bytes);
    expect(upload.transferEncoding).toBeNull();
    const info = await probe(upload.path);
    expect(info.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 160, height: 90 });
    // Same picture as the source's frame at 1.5 s.
    const [thumb] = await grayFrames(upload.path, 160, 90);
    const [source] = await grayFrames(join(h.dir, 'landscape.mp4'), 160, 90, { start: 1.5, count: 1 });
    expect(psnr(thumb!, source!)).toBeGreaterThan(28);
    const [other] = await grayFrames(join(h.dir, 'landscape.mp4'), 160, 90, { start: 3, count: 1 });
    expect(psnr(thumb!, other!)).toBeLessThan(psnr(thumb!, source!));
  });

  it('turns rotated video upright and clamps a time past the end', async () => {
    const result = await h.processor.client.run('thumbnail', {
      input: input('rotated.mp4'),
      time: 99,
      width: 90,
      output: output('rot.png', 'image/png'),
    });
    expect(result.width).toBe(90);
    expect(result.height).toBe(160);
    expect(result.time).toBeLessThan(2);
    expect((await probe(h.media.uploads.get('rot.png')!.path)).streams[0]).toMatchObject({
      codec_name: 'png',
      width: 90,
      height: 160,
    });
  });

  it('fails with no_video_stream for audio-only input', async () => {
    await expect(
      h.processor.client.run('thumbnail', {
        input: input('levels.m4a'),
        time: 0,
        width: 100,
        output: output('x.jpg', 'image/jpeg'),
      }),
    ).rejects.toMatchObject({
      code: 'no_video_stream',
      retryable: false,
    });
  });
});

describe('storyboard', () => {
  /** One tile of a sprite as 8-bit grey (nearest-neighbour, as grayFrames). */
  const tileOf = (path: string, x: number, y: number) =>
    ffmpegOut(['-i', path, '-vf', `crop=160:90:${x}:${y},format=gray`, '-f', 'rawvideo', '-']);

  it('lays out one frame per interval in the asked grid, in one image; tiles past the end stay black', async () => {
    const result = await h.processor.client.run('storyboard', {
      input: input('landscape.mp4'),
      interval: 1,
      count: 4,
      columns: 3,
      tile_width: 160,
      tile_height: 90,
      output: output('board.jpg', 'image/jpeg'),
    });
    expect(result).toMatchObject({ tiles: 4, width: 480, height: 180 });
    const sprite = h.media.uploads.get('board.jpg')!.path;
    expect((await probe(sprite)).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 480, height: 180 });
    for (let i = 0; i < 4; i++) {
      const tile = await tileOf(sprite, (i % 3) * 160, Math.floor(i / 3) * 90);
      const [frame] = await grayFrames(join(h.dir, 'landscape.mp4'), 160, 90, { start: i, count: 1 });
      const [neighbour] = await grayFrames(join(h.dir, 'landscape.mp4'), 160, 90, { start: i + 0.5, count: 1 });
      expect(psnr(tile, frame!), `tile ${i}`).toBeGreaterThan(25);
      expect(psnr(tile, frame!)).toBeGreaterThan(psnr(tile, neighbour!));
    }
    const empty = await tileOf(sprite, 160, 90);
    expect(Math.max(...empty)).toBeLessThan(24);
  });

  it('with keyframes only, shows the last keyframe at or before each tile time', async () => {
    // landscape.mp4 has a keyframe every second; tiles every 1.5 s: 0, 1.5, 3.0 → keyframes 0, 1, 3.
    const result = await h.processor.client.run('storyboard', {
      input: input('landscape.mp4'),
      interval: 1.5,
      count: 3,
      columns: 3,
      tile_width: 160,
      tile_height: 90,
      keyframes_only: true,
      output: output('board-key.jpg', 'image/jpeg'),
    });
    expect(result).toMatchObject({ width: 480, height: 90 });
    const sprite = h.media.uploads.get('board-key.jpg')!.path;
    for (const [i, keyframe] of [0, 1, 3].entries()) {
      const tile = await tileOf(sprite, i * 160, 0);
      const [frame] = await grayFrames(join(h.dir, 'landscape.mp4'), 160, 90, { start: keyframe, count: 1 });
      const [exact] = await grayFrames(join(h.dir, 'landscape.mp4'), 160, 90, { start: i * 1.5 + 0.2, count: 1 });
      expect(psnr(tile, frame!), `tile ${i}`).toBeGreaterThan(25);
      if (keyframe !== i * 1.5) expect(psnr(tile, frame!)).toBeGreaterThan(psnr(tile, exact!));
    }
  });
});

describe('frames', () => {
  it('returns one JPEG per interval, at most max_width wide, in one pass', async () => {
    const result = await h.processor.client.run('frames', {
      input: input('landscape.mp4'),
      interval: 1,
      max_width: 200,
      max_frames: 100,
    });
    expect(result.frames.map((f) => f.time)).toEqual([0, 1, 2, 3]);
    for (const frame of result.frames) {
      expect(frame).toMatchObject({ width: 200, height: 112 });
      expect(Buffer.from(frame.jpeg_base64, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    }
    // Frame k shows the source at k seconds.
    const path = join(h.dir, 'frame2.jpg');
    await writeFile(path, Buffer.from(result.frames[2]!.jpeg_base64, 'base64'));
    const [got] = await grayFrames(path, 200, 112);
    const [want] = await grayFrames(join(h.dir, 'landscape.mp4'), 200, 112, { start: 2, count: 1 });
    const [wrong] = await grayFrames(join(h.dir, 'landscape.mp4'), 200, 112, { start: 2.5, count: 1 });
    expect(psnr(got!, want!)).toBeGreaterThan(psnr(got!, wrong!));
  });

  it('honours start, end and max_frames, and never upscales', async () => {
    const result = await h.processor.client.run('frames', {
      input: input('landscape.mp4'),
      interval: 0.5,
      max_width: 1920,
      start: 1,
      end: 3,
      max_frames: 3,
    });
    expect(result.frames.map((f) => f.time)).toEqual([1, 1.5, 2]);
    expect(result.frames[0]).toMatchObject({ width: 320, height: 180 });
  });
});

describe('waveform', () => {
  it('returns the requested number of bins in [0, 1] that follow the loudness', async () => {
    const result = await h.processor.client.run('waveform', { input: input('levels.m4a'), bins: 600 });
    expect(result.bins).toBe(600);
    expect(result.peaks).toHaveLength(600);
    expect(result.duration).toBeCloseTo(6, 1);
    expect(Math.max(...result.peaks)).toBe(1);
    expect(Math.min(...result.peaks)).toBeGreaterThanOrEqual(0);
    const mean = (from: number, to: number) => result.peaks.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
    // Bins 10–190 = 0.1–1.9 s (loud), 210–390 (a tenth: sqrt(0.1) ≈ 0.32 after sqrt scaling), 420–590 (silent).
    expect(mean(10, 190)).toBeGreaterThan(0.97);
    expect(mean(210, 390)).toBeGreaterThan(0.28);
    expect(mean(210, 390)).toBeLessThan(0.36);
    expect(mean(420, 590)).toBeLessThan(0.01);
  });

  it('is all zeros for media without audio', async () => {
    const result = await h.processor.client.run('waveform', { input: input('portrait.mp4'), bins: 100 });
    expect(result.peaks).toEqual(new Array(100).fill(0));
  });
});

describe('speech-audio', () => {
  it('writes the asked span as 16 kHz mono MP3, with its sound where the source has it', async () => {
    const result = await h.processor.client.run('speech-audio', {
      input: input('levels.m4a'),
      start: 1,
      end: 5,
      output: output('speech.mp3', 'audio/mpeg'),
    });
    expect(result).toMatchObject({ has_audio: true, start: 1 });
    expect(result.duration).toBeCloseTo(4, 2);
    const path = h.media.uploads.get('speech.mp3')!.path;
    expect(result.size_bytes).toBe((await readFile(path)).length);
    const info = await probe(path);
    expect(info.streams).toHaveLength(1);
    expect(info.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '16000', channels: 1 });
    expect(Number(info.format.duration)).toBeCloseTo(4, 0);
    // The span's first second is the loud tone (1–2 s of the source), its last second silence (4–5 s).
    const rms = async (from: number) => {
      const pcm = await ffmpegOut(['-ss', String(from), '-t', '0.8', '-i', path, '-f', 's16le', '-ac', '1', 'pipe:1']);
      let sum = 0;
      for (let i = 0; i + 1 < pcm.length; i += 2) sum += (pcm.readInt16LE(i) / 32768) ** 2;
      return 10 * Math.log10(sum / Math.max(1, pcm.length / 2) + 1e-12);
    };
    expect(await rms(0.1)).toBeGreaterThan(-15);
    expect(await rms(3.1)).toBeLessThan(-60);
  });

  it('answers no audio for media without an audio track', async () => {
    const result = await h.processor.client.run('speech-audio', {
      input: input('portrait.mp4'),
      output: output('none.mp3', 'audio/mpeg'),
    });
    expect(result).toMatchObject({ has_audio: false, duration: 0, size_bytes: 0 });
    expect(h.media.uploads.has('none.mp3')).toBe(false);
  });
});

describe('remove-audio', () => {
  it('drops the audio and copies the video packet for packet', async () => {
    const result = await h.processor.client.run('remove-audio', {
      input: input('landscape.mp4'),
      output: output('silent.mp4', 'video/mp4'),
    });
    const out = h.media.uploads.get('silent.mp4')!.path;
    const info = await probe(out);
    expect(info.streams.map((s) => s.codec_type)).toEqual(['video']);
    expect(result.duration).toBeCloseTo(4, 1);
    expect(await videoPacketHashes(out)).toEqual(await videoPacketHashes(join(h.dir, 'landscape.mp4')));
  });
});
