/**
 * extract copy without a child process (media/mp4-copy-cut.ts), judged by real ffmpeg: for each
 * fixture and cut, the in-process output must equal `ffmpeg -ss K -i src -t D -c copy` (K =
 * actual_start) in the decoded hash of every video frame, carry the source's audio (checked on the
 * decoded samples against the source at K), start on the keyframe at or before `start`, report its
 * real duration, pass ffprobe without a warning and decode cleanly from its first frame. The logs
 * prove which path ran. Hostile MP4 structures end in a clear error or the ffmpeg fallback.
 */
import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf, findBox } from './fixtures/mp4-surgery.ts';
import {
  decodedFrameHashes,
  decodeErrors,
  decodePcm,
  ffmpeg,
  keyframeTimes,
  makeVideo,
  probe,
  probeWarnings,
  snrDb,
  videoPackets,
  videoPacketHashes,
  x265Args,
} from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const exec = promisify(execFile);
let h: Harness;

interface Fixture {
  name: string;
  fps: number;
  audio: boolean;
  make(path: string): Promise<void>;
  /** [start, end) requests, seconds. */
  cuts: [number, number][];
  rotated?: boolean;
}

const lavfiVideo = (fps: number | string, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=320x180:rate=${fps}`,
  '-f',
  'lavfi',
  '-i',
  'aevalsrc=0.5*sin(2*PI*440*t):s=48000:c=stereo',
  '-t',
  String(seconds),
];

const FIXTURES: Fixture[] = [
  {
    name: 'bframes.mp4',
    fps: 30,
    audio: true,
    make: (p) => makeVideo(p, { duration: 8, gop: 30, bframes: 2 }),
    cuts: [
      [2.4, 5.5],
      [0, 1.3],
      [3, 4],
      [6.95, 30],
    ],
  },
  {
    name: 'no-bframes.mp4',
    fps: 30,
    audio: true,
    make: (p) => makeVideo(p, { duration: 6, gop: 45, bframes: 0 }),
    cuts: [
      [1.6, 4.1],
      [4.5, 4.6],
    ],
  },
  {
    name: 'no-audio.mp4',
    fps: 30,
    audio: false,
    make: (p) => makeVideo(p, { duration: 6, gop: 60, bframes: 3, audio: 'none' }),
    cuts: [[2.5, 5.2]],
  },
  {
    name: 'rotated.mp4',
    fps: 30,
    audio: true,
    rotated: true,
    make: (p) => makeVideo(p, { duration: 5, gop: 30, rotate: 90 }),
    cuts: [[1.5, 3.5]],
  },
  {
    name: 'moov-at-end.mp4',
    fps: 30,
    audio: true,
    make: (p) => makeVideo(p, { duration: 6, gop: 30, faststart: false }),
    cuts: [[2.2, 4.4]],
  },
  {
    // A QuickTime movie as ffmpeg writes one: timescale 600, AAC in a version 1 sound description.
    name: 'quicktime.mov',
    fps: 30000 / 1001,
    audio: true,
    make: (p) =>
      ffmpeg([
        ...lavfiVideo('30000/1001', 6),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '30',
        '-bf',
        '2',
        '-sc_threshold',
        '0',
        '-c:a',
        'aac',
        '-video_track_timescale',
        '600',
        '-f',
        'mov',
        p,
      ]),
    cuts: [[1.2, 4.1]],
  },
  {
    name: 'fps25.mp4',
    fps: 25,
    audio: true,
    make: (p) =>
      ffmpeg([
        ...lavfiVideo(25, 8),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '50',
        '-bf',
        '3',
        '-sc_threshold',
        '0',
        '-c:a',
        'aac',
        '-movflags',
        '+faststart',
        p,
      ]),
    cuts: [
      [2.1, 5.02],
      [4, 8],
    ],
  },
  {
    name: 'ntsc.mp4',
    fps: 30000 / 1001,
    audio: true,
    make: (p) =>
      ffmpeg([
        ...lavfiVideo('30000/1001', 6),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '15',
        '-bf',
        '1',
        '-sc_threshold',
        '0',
        '-c:a',
        'aac',
        '-movflags',
        '+faststart',
        p,
      ]),
    cuts: [[1.1, 3.3]],
  },
  {
    name: 'hevc.mp4',
    fps: 30,
    audio: true,
    make: (p) =>
      ffmpeg([
        ...lavfiVideo(30, 6),
        ...x265Args('bframes=3:keyint=30:min-keyint=30:scenecut=0:open-gop=0'),
        '-c:a',
        'aac',
        '-movflags',
        '+faststart',
        p,
      ]),
    cuts: [[2.4, 4.5]],
  },
  {
    name: 'mp3.mp4',
    fps: 30,
    audio: true,
    make: (p) =>
      ffmpeg([
        ...lavfiVideo(30, 6),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '30',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '128k',
        '-movflags',
        '+faststart',
        p,
      ]),
    cuts: [[2.4, 4.5]],
  },
  {
    name: 'opus.mp4',
    fps: 30,
    audio: true,
    make: (p) =>
      ffmpeg([
        ...lavfiVideo(30, 6),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '30',
        '-c:a',
        'libopus',
        '-b:a',
        '96k',
        '-movflags',
        '+faststart',
        p,
      ]),
    cuts: [[2.4, 4.5]],
  },
  {
    // A 10-minute source made by looping 20 s by stream copy (18 000 frames in the index).
    name: 'long.mp4',
    fps: 30,
    audio: true,
    make: async (p) => {
      const base = `${p}.base.mp4`;
      await ffmpeg([
        ...lavfiVideo(30, 20),
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '30',
        '-g',
        '60',
        '-bf',
        '2',
        '-c:a',
        'aac',
        '-b:a',
        '64k',
        base,
      ]);
      await ffmpeg(['-stream_loop', '29', '-i', base, '-c', 'copy', '-movflags', '+faststart', p]);
    },
    cuts: [
      [301.7, 311.7],
      [590.5, 700],
    ],
  },
];

beforeAll(async () => {
  h = await startHarness();
  await Promise.all(FIXTURES.map((f) => f.make(join(h.dir, f.name))));
}, 300_000);
afterAll(async () => h?.close());

/** Log lines of the processor with this message (the path a copy cut took). */
const logged = (msg: string) => h.processor.logs.filter((line) => line.includes(`"msg":"${msg}"`));

async function copyCut(file: string, start: number, end: number, name: string) {
  const result = await h.processor.client.run('extract', {
    input: { url: h.media.url(file) },
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    start,
    end,
    mode: 'copy',
  });
  return { result, path: h.media.uploads.get(name)!.path };
}

/**
 * When the last decoded frame stops showing: when the source shows its next frame (source times,
 * relative to K), or one frame later at the source's end. (Not the frames' own durations: ffmpeg
 * reads them as one tick from QuickTime-timescale tracks with composition offsets, even from its
 * own files.)
 */
async function presentationEnd(path: string, sourceTimes: number[], K: number, fps: number): Promise<number> {
  const { stdout } = await exec(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', path],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  // One line per frame (the first may carry an empty side-data field and line).
  const last = Math.max(
    ...stdout
      .split('\n')
      .map((line) => Number.parseFloat(line))
      .filter(Number.isFinite),
  );
  const next = sourceTimes.find((t) => t > K + last + 0.0005);
  return next === undefined ? last + 1 / fps : next - K;
}

const formatDuration = async (path: string) => Number((await probe(path)).format.duration);
const streamDuration = async (path: string, type: 'video' | 'audio') =>
  Number((await probe(path)).streams.find((s) => s.codec_type === type)?.duration ?? NaN);

describe('extract copy in-process, judged by ffmpeg', () => {
  for (const fixture of FIXTURES) {
    for (const [start, end] of fixture.cuts) {
      it(`${fixture.name} ${start}–${end} s`, async () => {
        const src = join(h.dir, fixture.name);
        const name = `${fixture.name}-${start}.mp4`;
        const before = logged('copy cut done in-process').length;
        const { result, path } = await copyCut(fixture.name, start, end, name);
        expect(logged('copy cut done in-process').length, 'ran in-process').toBe(before + 1);
        expect(result).toMatchObject({ mode_used: 'copy', fallback_reason: null });

        // It starts on the keyframe at or before start.
        const keyframes = await keyframeTimes(src);
        // actual_start is in milliseconds; the keyframe's exact time is the source's.
        const K = keyframes.find((k) => Math.abs(k - result.actual_start) < 0.0005)!;
        expect(K).toBeDefined();
        expect(K).toBeLessThanOrEqual(start + 1e-6);
        expect(keyframes.filter((k) => k > K + 0.0005 && k <= start + 1e-6)).toEqual([]);
        expect((await videoPackets(path))[0]!.keyframe).toBe(true);

        // ffmpeg's stream copy of the same span is the judge: every decoded frame equal.
        const duration = await formatDuration(src);
        const ref = join(h.dir, `ref-${name}`);
        await ffmpeg([
          '-ss',
          K.toFixed(6),
          '-i',
          src,
          '-t',
          (Math.min(end, duration) - K).toFixed(6),
          '-c',
          'copy',
          ref,
        ]);
        const ours = await decodedFrameHashes(path);
        expect(ours.length).toBeGreaterThan(0);
        expect(ours).toEqual(await decodedFrameHashes(ref));
        // The packets are the source's, unchanged (a copy, not a re-encode).
        expect(await videoPacketHashes(path)).toEqual(await videoPacketHashes(ref));

        // The reported duration is the stream's as ffprobe reads it, and that of ffmpeg's cut; the
        // movie lasts until the last frame shown ends.
        const videoSeconds = await streamDuration(path, 'video');
        expect(result.duration).toBeCloseTo(videoSeconds, 3);
        // That is the span of the frames kept: from K to the source frame after the last one kept
        // (ffmpeg's own copy agrees, except where its remux to another timescale drops the last
        // frame's duration, as for QuickTime's 600).
        const sourceTimes = (await videoPackets(src)).map((p) => p.pts).sort((a, b) => a - b);
        const first = sourceTimes.findIndex((t) => Math.abs(t - K) < 0.0005);
        const afterLast = sourceTimes[first + ours.length] ?? sourceTimes[first + ours.length - 1]! + 1 / fixture.fps;
        expect(Math.abs(videoSeconds - (afterLast - K))).toBeLessThanOrEqual(0.002);
        const refSeconds = await streamDuration(ref, 'video');
        expect(
          Math.abs(videoSeconds - refSeconds) <= 0.002 ||
            Math.abs(videoSeconds - refSeconds - 1 / fixture.fps) <= 0.002,
          `ffmpeg's copy: ${refSeconds} s`,
        ).toBe(true);
        expect(result.duration).toBeGreaterThanOrEqual(Math.min(end, duration) - K - 1 / fixture.fps - 0.002);
        const shownUntil = await presentationEnd(path, sourceTimes, K, fixture.fps);
        expect(Math.abs((await formatDuration(path)) - shownUntil)).toBeLessThanOrEqual(0.001);

        // Clean: no ffprobe warning, and it decodes from the first frame with no error.
        expect(await probeWarnings(path)).toBe('');
        expect(await decodeErrors(path)).toBe('');

        const [video] = (await probe(path)).streams;
        const [srcVideo] = (await probe(src)).streams;
        expect(video!.codec_name).toBe(srcVideo!.codec_name);
        expect(video!.side_data_list?.[0]?.rotation).toBe(srcVideo!.side_data_list?.[0]?.rotation);
        expect(result.width).toBe(fixture.rotated ? 180 : 320);
        expect(result.height).toBe(fixture.rotated ? 320 : 180);

        if (fixture.audio) {
          // The audio is the source's from K on (by timestamps; decoder primed before K, so right
          // from the first sample), no worse than ffmpeg's own cut, and as long as the video shows.
          const lead = Math.min(K, 0.5);
          const source = (await decodePcm(src, 48000, K - lead)).subarray(Math.round(lead * 48000));
          const outPcm = await decodePcm(path);
          const snr = snrDb(source, outPcm);
          expect(snr).toBeGreaterThan(40);
          // (Above 60 dB both are the source to within rounding.)
          expect(snr).toBeGreaterThanOrEqual(Math.min(60, snrDb(source, await decodePcm(ref)) - 0.5));
          expect(snrDb(source.subarray(0, 2048), outPcm.subarray(0, 2048)), 'first samples').toBeGreaterThan(20);
          expect(Math.abs((await streamDuration(path, 'audio')) - shownUntil)).toBeLessThanOrEqual(0.001);
        } else {
          expect((await probe(path)).streams.map((s) => s.codec_type)).toEqual(['video']);
        }
      });
    }
  }
});

describe('extract copy: the in-process path and the ffmpeg path agree', () => {
  it('same result fields and the same frames with PROCESSOR_IN_PROCESS_MP4=0', async () => {
    const ffmpegOnly = await startHarness({ PROCESSOR_IN_PROCESS_MP4: '0' });
    try {
      for (const [file, start, end] of [
        ['bframes.mp4', 2.4, 5.5],
        ['no-bframes.mp4', 1.6, 4.1],
        ['rotated.mp4', 1.5, 3.5],
        ['moov-at-end.mp4', 2.2, 4.4],
      ] as const) {
        await copyFile(join(h.dir, file), join(ffmpegOnly.dir, file));
        const ours = await copyCut(file, start, end, `agree-${file}`);
        const theirs = await ffmpegOnly.processor.client.run('extract', {
          input: { url: ffmpegOnly.media.url(file) },
          output: { url: ffmpegOnly.media.uploadUrl(`agree-${file}`), content_type: 'video/mp4' },
          start,
          end,
          mode: 'copy',
        });
        const { size_bytes: _ours, ...oursFields } = ours.result;
        const { size_bytes: _theirs, ...theirFields } = theirs;
        expect(oursFields, file).toEqual(theirFields);
        expect(await decodedFrameHashes(ours.path)).toEqual(
          await decodedFrameHashes(ffmpegOnly.media.uploads.get(`agree-${file}`)!.path),
        );
      }
      expect(ffmpegOnly.processor.logs.some((l) => l.includes('in-process'))).toBe(false);
    } finally {
      await ffmpegOnly.close();
    }
  });
});

describe('extract copy in-process: transfers that fail', () => {
  it('retries an upload answered 5xx once; a 4xx is output_upload_failed', async () => {
    h.media.failUploads('retried.mp4', [503]);
    const { result, path } = await copyCut('bframes.mp4', 2.4, 5.5, 'retried.mp4');
    expect(result.mode_used).toBe('copy');
    expect((await decodedFrameHashes(path)).length).toBeGreaterThan(90);
    h.media.failUploads('refused.mp4', [403, 403]);
    await expect(copyCut('bframes.mp4', 2.4, 5.5, 'refused.mp4')).rejects.toMatchObject({
      code: 'output_upload_failed',
      retryable: true,
    });
  });

  it('an input that breaks off mid-cut is input_unreachable, and nothing half-made is stored', async () => {
    await copyFile(join(h.dir, 'long.mp4'), join(h.dir, 'breaks.mp4'));
    // The head (with the index) reads fine; the cut's data stops after 100 kB.
    h.media.breakReads('breaks.mp4', 600_000, 100_000);
    await expect(copyCut('breaks.mp4', 300, 310, 'broken.mp4')).rejects.toMatchObject({
      code: 'input_unreachable',
      retryable: true,
    });
    expect(h.media.uploads.has('broken.mp4')).toBe(false);
    expect(logged('operation crashed')).toEqual([]);
    expect(await h.processor.client.health()).toMatchObject({ ok: true });
  });
});

describe('extract copy in-process: what it leaves to ffmpeg, and hostile structures', () => {
  let good: Buffer;
  beforeAll(async () => {
    await makeVideo(join(h.dir, 'good.mp4'), { duration: 3 });
    good = await readFile(join(h.dir, 'good.mp4'));
  });

  /** The mode a copy cut came out in, or the error code. */
  const attempt = (file: string, start = 0.5, end = 1.5) =>
    h.processor.client
      .run('extract', {
        input: { url: h.media.url(file) },
        output: { url: h.media.uploadUrl(`out-${file}`), content_type: 'video/mp4' },
        start,
        end,
        mode: 'copy',
      })
      .then(
        (r) => r.mode_used as string,
        (e: { code?: string }) => e.code ?? 'no code',
      );
  const lastFallback = () => JSON.parse(logged('copy cut falls back to ffmpeg').at(-1) ?? '{}') as { reason?: string };

  async function patched(name: string, patch: (file: Buffer) => Buffer | void): Promise<string> {
    const copy = Buffer.from(good);
    await writeFile(join(h.dir, name), patch(copy) ?? copy);
    return name;
  }
  const stbl = (box: string) => findBox(good, ['moov', 'trak', 'mdia', 'minf', 'stbl', box]);

  it('fragmented MP4 and open-GOP HEVC go to ffmpeg, which cuts them', async () => {
    await ffmpeg([
      '-i',
      join(h.dir, 'good.mp4'),
      '-c',
      'copy',
      '-movflags',
      'frag_keyframe+empty_moov',
      join(h.dir, 'fragmented.mp4'),
    ]);
    expect(await attempt('fragmented.mp4')).toBe('copy');
    expect(lastFallback().reason).toBe('fragmented MP4');
    await ffmpeg([
      ...lavfiVideo(30, 4),
      ...x265Args('keyint=30:min-keyint=30:scenecut=0'),
      '-an',
      join(h.dir, 'open-gop.mp4'),
    ]);
    // x265's default open GOPs: the frames after the keyframe at 1 s show before it.
    expect(await attempt('open-gop.mp4', 1.2, 2.5)).toBe('copy');
    expect(lastFallback().reason).toContain('open GOP');
  });

  it('a moov cut off, absurd box sizes, overflowing sample counts: fallback, then a clear answer', async () => {
    const moov = findBox(good, ['moov']);
    await writeFile(join(h.dir, 'moov-cut.mp4'), good.subarray(0, moov.start + Math.floor(moov.size / 2)));
    expect(await attempt('moov-cut.mp4')).toBe('unsupported_codec');
    expect(lastFallback().reason).toMatch(/moov.*claims/);

    await patched('box-size.mp4', (f) => void f.writeUInt32BE(0x7fffffff, moov.start));
    // ffmpeg reads past the bogus size and cuts the file.
    expect(await attempt('box-size.mp4')).toBe('copy');
    expect(lastFallback().reason).toMatch(/moov.*claims 2147483647 bytes/);

    await patched('trak-size.mp4', (f) => void f.writeUInt32BE(0xfffffff0, findBox(good, ['moov', 'trak']).start));
    expect(await attempt('trak-size.mp4')).toBe('copy');
    expect(lastFallback().reason).toMatch(/trak.*claims/);

    // 2^32 − 1 samples claimed, with per-sample sizes (that cannot fit) or one constant size.
    await patched('sample-count.mp4', (f) => void f.writeUInt32BE(0xffffffff, fieldsOf(stbl('stsz')) + 4));
    expect(await attempt('sample-count.mp4')).toBe('invalid_media');
    expect(lastFallback().reason).toBe('a track of 4294967295 samples');
    await patched('sample-count-constant.mp4', (f) => {
      f.writeUInt32BE(100, fieldsOf(stbl('stsz')));
      f.writeUInt32BE(0xffffffff, fieldsOf(stbl('stsz')) + 4);
    });
    expect(await attempt('sample-count-constant.mp4')).toBe('invalid_media');
    expect(lastFallback().reason).toBe('a track of 4294967295 samples');
    await patched('stts-count.mp4', (f) => void f.writeUInt32BE(0x7fffffff, fieldsOf(stbl('stts')) + 4));
    expect(await attempt('stts-count.mp4')).toBe('copy');
    expect(lastFallback().reason).toBe('stts lists more samples than the track has');
  });

  it('chunk offsets past the end of the file: invalid_media, without reading them', async () => {
    const stco = stbl('stco');
    const chunks = good.readUInt32BE(fieldsOf(stco));
    await patched('offsets.mp4', (f) => {
      for (let i = 0; i < chunks; i++) f.writeUInt32BE(0xf0000000 + i, fieldsOf(stco) + 4 + i * 4);
    });
    h.media.reset();
    expect(await attempt('offsets.mp4')).toBe('invalid_media');
    // One read: the head with the index. No data was fetched.
    expect(h.media.requests('offsets.mp4')).toHaveLength(1);
    await patched(
      'offset-last.mp4',
      (f) => void f.writeUInt32BE(good.length - 10, fieldsOf(stco) + 4 + (chunks - 1) * 4),
    );
    expect(await attempt('offset-last.mp4')).toBe('invalid_media');
  });

  it('a playlist or text named .mp4 still ends as invalid_media through the fallback', async () => {
    await writeFile(
      join(h.dir, 'playlist.mp4'),
      '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:1/x.ts\n#EXT-X-ENDLIST\n',
    );
    expect(await attempt('playlist.mp4')).toBe('invalid_media');
    expect(lastFallback().reason).toBe('not an ISO-BMFF box');
  });

  it("limits are applied in-process with the gate's codes", async () => {
    const limited = await startHarness({ MAX_INPUT_DURATION_SECONDS: '2', MAX_INPUT_WIDTH: '4000' });
    try {
      await makeVideo(join(limited.dir, 'three-seconds.mp4'), { duration: 3 });
      const run = (name: string) =>
        limited.processor.client.run('extract', {
          input: { url: limited.media.url(name) },
          output: { url: limited.media.uploadUrl('o.mp4'), content_type: 'video/mp4' },
          start: 0,
          end: 1,
          mode: 'copy',
        });
      await expect(run('three-seconds.mp4')).rejects.toMatchObject({
        code: 'limits_exceeded',
        message: 'The input lasts 3 s; the limit is 2 s',
      });
      expect(limited.processor.logs.some((l) => l.includes('falls back'))).toBe(false);
      await makeVideo(join(limited.dir, 'audio-only.mp4'), { duration: 1 }).then(() =>
        ffmpeg(['-i', join(limited.dir, 'audio-only.mp4'), '-vn', '-c', 'copy', join(limited.dir, 'audio-only.m4a')]),
      );
      await expect(run('audio-only.m4a')).rejects.toMatchObject({ code: 'no_video_stream' });
    } finally {
      await limited.close();
    }
  });

  it('start past the end is invalid_request, and the server keeps serving', async () => {
    await expect(copyCut('good.mp4', 30, 40, 'late.mp4')).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('past the end'),
    });
    expect(h.processor.exited()).toBe(false);
    expect(await h.processor.client.health()).toMatchObject({ ok: true });
    expect(logged('operation crashed')).toEqual([]);
  });
});
