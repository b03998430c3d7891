/**
 * The smart cut's in-process probe (mp4/probe-movie.ts) against ffprobe itself, on encodes that
 * differ in what the matched encoder must copy: profile, level, pixel format and range, colour
 * description (in the stream, in a `colr` box, in both), rotation, timescale. Where it answers, its
 * answer must be ffprobe's; where ffprobe's answer depends on rules it does not model, it must
 * decline (and the operation runs ffprobe).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { parseProbe } from '../src/media/probe.ts';
import { fileByteSource } from '../src/mp4/byte-source.ts';
import { loadMovie } from '../src/mp4/load-movie.ts';
import { probeMovie } from '../src/mp4/probe-movie.ts';
import { Mp4Unsupported } from '../src/mp4/unsupported.ts';
import { ffmpeg, probe, x265Args } from './fixtures/video.ts';

const { limits } = loadConfig({ PROCESSOR_SECRET: 'probe-movie-test-secret' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutroom-probe-movie-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const source = (size = '320x180', rate: number | string = 30) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}`,
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440:sample_rate=48000',
  '-t',
  '1',
];
const x264 = (...extra: string[]) => ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', ...extra];
const x265 = (params: string, ...extra: string[]) => [...x265Args(params), '-c:a', 'aac', ...extra];

const CASES: { name: string; args: string[]; declines?: boolean; retag?: string[] }[] = [
  { name: 'high.mp4', args: [...source(), ...x264('-preset', 'veryfast', '-bf', '2')] },
  { name: 'baseline.mp4', args: [...source(), ...x264('-profile:v', 'baseline', '-level:v', '3.0')] },
  { name: 'main.mp4', args: [...source(), ...x264('-profile:v', 'main')] },
  { name: 'full-range.mp4', args: [...source(), ...x264('-pix_fmt', 'yuvj420p')] },
  {
    name: 'bt709.mp4',
    args: [...source(), ...x264('-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709')],
  },
  {
    name: 'smpte170m-full.mp4',
    args: [
      ...source(),
      ...x264(
        '-colorspace',
        'smpte170m',
        '-color_primaries',
        'smpte170m',
        '-color_trc',
        'smpte170m',
        '-color_range',
        'pc',
      ),
    ],
  },
  { name: 'cropped.mp4', args: [...source('318x178'), ...x264()] },
  { name: 'yuv422.mp4', args: [...source(), ...x264('-pix_fmt', 'yuv422p')] },
  { name: 'ten-bit.mp4', args: [...source(), ...x264('-pix_fmt', 'yuv420p10le')] },
  {
    name: 'ts600.mov',
    args: [...source('320x180', '30000/1001'), ...x264('-video_track_timescale', '600', '-f', 'mov')],
  },
  // H.265 as phones write it: Main and Main 10, colour described in the stream (and by ffmpeg in a colr box).
  { name: 'hevc-main.mp4', args: [...source(), ...x265('bframes=3')] },
  { name: 'hevc-main10.mp4', args: [...source('318x178'), ...x265('bframes=0', '-pix_fmt', 'yuv420p10le')] },
  {
    name: 'hevc-bt709-full.mp4',
    args: [
      ...source(),
      ...x265(
        'level-idc=4.1',
        '-colorspace',
        'bt709',
        '-color_primaries',
        'bt709',
        '-color_trc',
        'bt709',
        '-color_range',
        'pc',
      ),
    ],
  },
  {
    name: 'hevc-ts600.mov',
    args: [...source('320x180', '30000/1001'), ...x265('bframes=2', '-video_track_timescale', '600', '-f', 'mov')],
  },
  // The colour description in the container only (a `colr` box written by a remux).
  {
    name: 'colr-only.mp4',
    args: [...source(), ...x264()],
    retag: ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'],
    declines: true,
  },
  // Interlaced coding: ffprobe reads the field order from the pictures.
  { name: 'interlaced.mp4', args: [...source(), ...x264('-flags', '+ildct+ilme')], declines: true },
  // A 4:4:4 stream: the decoder's format choice depends on more than the SPS.
  { name: 'yuv444.mp4', args: [...source(), ...x264('-pix_fmt', 'yuv444p')], declines: true },
];

const FIELDS = [
  'codec_name',
  'profile',
  'level',
  'width',
  'height',
  'pix_fmt',
  'field_order',
  'time_base',
  'nb_frames',
];

describe('probeMovie: ffprobe’s answer, in-process', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const path = join(dir, c.name);
      if (c.retag) {
        await ffmpeg([...c.args, `${path}.plain.mp4`]);
        await ffmpeg(['-i', `${path}.plain.mp4`, '-c', 'copy', ...c.retag, path]);
      } else await ffmpeg([...c.args, path]);
      const bytes = await fileByteSource(path);
      try {
        const gated = await loadMovie(bytes, limits, { video: true });
        if (c.declines) {
          expect(() => probeMovie(gated)).toThrow(Mp4Unsupported);
          return;
        }
        const mine = probeMovie(gated);
        const raw = await probe(path);
        const theirs = parseProbe(raw as Parameters<typeof parseProbe>[0]);
        const { raw: mineRaw, ...mineVideo } = mine.video!;
        const { raw: theirRaw, ...theirVideo } = theirs.video!;
        // What the matched encoder and the verification read: all of it equal.
        for (const key of [
          'codec',
          'profile',
          'level',
          'codedWidth',
          'codedHeight',
          'width',
          'height',
          'rotation',
          'timeBase',
          'pixelFormat',
          'fieldOrder',
          'color',
        ] as const)
          expect(mineVideo[key], key).toEqual(theirVideo[key]);
        for (const key of FIELDS)
          expect(mineRaw[key as keyof typeof mineRaw], key).toEqual(theirRaw[key as keyof typeof theirRaw]);
        expect(Math.abs(Number(mineRaw.duration) - Number(theirRaw.duration))).toBeLessThan(1e-6);
        expect(mine.duration).toBeCloseTo(theirs.duration, 6);
        expect(mine.audio?.codec).toBe(theirs.audio?.codec);
        expect(mine.audio?.index).toBe(theirs.audio?.index);
        expect(mine.video!.index).toBe(theirs.video!.index);
      } finally {
        await bytes.close();
      }
    });
  }
});
