/**
 * extract smart with its in-process parts (media/mp4-smart-stage.ts, mp4-audio-cut.ts,
 * mp4-smart-join.ts), judged against the same processor with them switched off
 * (PROCESSOR_IN_PROCESS_MP4=0: ffmpeg stages, re-encodes the audio and joins with the concat
 * demuxer): for each fixture and cut both paths must give the same result fields and the same
 * decoded frames, the audio must be the source's from the first frame on, and the output must
 * decode cleanly. The processor's command log proves which processes ran.
 */
import { execFile } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodedFrameHashes,
  decodeErrors,
  decodePcm,
  ffmpeg,
  makeVideo,
  probe,
  probeWarnings,
  snrDb,
  videoPackets,
} from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const exec = promisify(execFile);
let ours: Harness;
let ffmpegOnly: Harness;

const lavfiVideo = (fps: number | string, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=320x180:rate=${fps}`,
  '-f',
  'lavfi',
  '-i',
  'aevalsrc=0.5*sin(2*PI*(200+100*t)*t):s=48000:c=stereo',
  '-t',
  String(seconds),
];

interface Fixture {
  name: string;
  audio: boolean;
  make(path: string): Promise<void>;
  cuts: [number, number][];
}

const FIXTURES: Fixture[] = [
  // Cut inside a GOP, from a keyframe, shorter than a GOP, from 0, and past the end.
  {
    name: 'bframes.mp4',
    audio: true,
    make: (p) => makeVideo(p, { duration: 8, gop: 30, bframes: 2 }),
    cuts: [
      [2.4, 5.5],
      [3, 4.2],
      [4.2, 4.7],
      [0, 1.5],
      [6.3, 30],
    ],
  },
  {
    name: 'no-bframes.mp4',
    audio: true,
    make: (p) => makeVideo(p, { duration: 6, gop: 45, bframes: 0 }),
    cuts: [[1.6, 4.1]],
  },
  {
    name: 'no-audio.mp4',
    audio: false,
    make: (p) => makeVideo(p, { duration: 6, gop: 60, bframes: 3, audio: 'none' }),
    cuts: [[2.5, 5.2]],
  },
  {
    name: 'rotated.mp4',
    audio: true,
    make: (p) => makeVideo(p, { duration: 5, gop: 30, rotate: 90 }),
    cuts: [[1.5, 3.5]],
  },
  {
    name: 'moov-at-end.mp4',
    audio: true,
    make: (p) => makeVideo(p, { duration: 6, gop: 30, faststart: false }),
    cuts: [[2.2, 4.4]],
  },
  {
    name: 'fps25-chirp.mp4',
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
    cuts: [[2.1, 5.02]],
  },
  {
    name: 'ntsc-chirp.mp4',
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
    // QuickTime's timescale (600, as phones write): 29.97 fps frames are 20 or 21 ticks long.
    name: 'ts600-chirp.mp4',
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
        '-movflags',
        '+faststart',
        p,
      ]),
    cuts: [
      [1.2, 2.5],
      [2.05, 5.5],
    ],
  },
  {
    // A QuickTime movie (timescale 600, AAC in a version 1 sound description inside `wave`).
    name: 'quicktime-chirp.mov',
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
    name: 'mp3-chirp.mp4',
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
];

beforeAll(async () => {
  ours = await startHarness({ PROCESSOR_LOG_COMMANDS: '1' });
  ffmpegOnly = await startHarness({ PROCESSOR_IN_PROCESS_MP4: '0' });
  await Promise.all(FIXTURES.map((f) => f.make(join(ours.dir, f.name))));
  await Promise.all(FIXTURES.map((f) => copyFile(join(ours.dir, f.name), join(ffmpegOnly.dir, f.name))));
});
afterAll(async () => {
  await ours?.close();
  await ffmpegOnly?.close();
});

async function smartCut(h: Harness, file: string, start: number, end: number, name: string) {
  const result = await h.processor.client.run('extract', {
    input: { url: h.media.url(file) },
    output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
    start,
    end,
    mode: 'smart',
  });
  return { result, path: h.media.uploads.get(name)!.path };
}

/** The processes the processor ran since `from` log lines ago (PROCESSOR_LOG_COMMANDS=1). */
const processesSince = (from: number) =>
  ours.processor.logs
    .slice(from)
    .filter((l) => l.includes('"msg":"process done"'))
    .map((l) => (JSON.parse(l) as { command: string }).command);

describe('extract smart in-process: the same cut as the ffmpeg path', () => {
  for (const fixture of FIXTURES) {
    for (const [start, end] of fixture.cuts) {
      it(`${fixture.name} ${start}–${end} s`, async () => {
        const name = `${fixture.name}-${start}.mp4`;
        const logStart = ours.processor.logs.length;
        const mine = await smartCut(ours, fixture.name, start, end, name);
        const theirs = await smartCut(ffmpegOnly, fixture.name, start, end, name);

        // Which path ran: the stage in-process, no ffmpeg join, audio copied.
        const logs = ours.processor.logs.slice(logStart).join('\n');
        expect(logs).toContain('smart stage written in-process');
        expect(logs).not.toContain('joined by ffmpeg');
        expect(logs).not.toContain('re-encoded');
        expect(ffmpegOnly.processor.logs.some((l) => l.includes('in-process'))).toBe(false);

        expect(mine.result).toMatchObject({ mode_used: 'smart', fallback_reason: null });
        const { size_bytes: _a, duration: mineDuration, ...mineFields } = mine.result;
        const { size_bytes: _b, duration: theirDuration, ...theirFields } = theirs.result;
        expect(mineFields).toEqual(theirFields);
        // The duration is the source's frames' own: from the first frame to the one after the last
        // (the ffmpeg path can end a frame short when its muxer shortens the last frame).
        const times = (await videoPackets(join(ours.dir, fixture.name))).map((p) => p.pts).sort((a, b) => a - b);
        const inCut = times.filter((t) => t >= start - 0.001 && t < end - 0.001);
        const after = times.find((t) => t > inCut.at(-1)! + 0.001) ?? inCut.at(-1)! + (inCut.at(-1)! - inCut.at(-2)!);
        expect(Math.abs(mineDuration - (after - inCut[0]!))).toBeLessThanOrEqual(0.002);
        expect(Math.abs(mineDuration - theirDuration)).toBeLessThanOrEqual(0.045);
        // The same pictures, frame for frame (the same packets copied, the same frames re-encoded).
        const frames = await decodedFrameHashes(mine.path);
        expect(frames.length).toBeGreaterThan(0);
        expect(frames).toEqual(await decodedFrameHashes(theirs.path));
        expect(await decodeErrors(mine.path)).toBe('');
        expect(await probeWarnings(mine.path)).toBe('');

        const streams = (await probe(mine.path)).streams;
        expect(streams.map((s) => s.codec_type)).toEqual(fixture.audio ? ['video', 'audio'] : ['video']);
        expect(streams[0]!.side_data_list?.[0]?.rotation).toBe(
          (await probe(theirs.path)).streams[0]!.side_data_list?.[0]?.rotation,
        );
        if (fixture.audio) {
          // The audio is the source's from the first frame on (copied, primed, trimmed to the sample).
          // The first frame's exact time (actual_start is rounded to the millisecond).
          const at = (await videoPackets(join(ours.dir, fixture.name)))
            .map((p) => p.pts)
            .filter((t) => t >= mine.result.actual_start - 0.001)
            .sort((a, b) => a - b)[0]!;
          const lead = Math.min(at, 0.5);
          const source = (await decodePcm(join(ours.dir, fixture.name), 48000, at - lead)).subarray(
            Math.round(lead * 48000),
          );
          const pcm = await decodePcm(mine.path);
          expect(snrDb(source, pcm)).toBeGreaterThan(30);
          expect(snrDb(source.subarray(0, 4800), pcm.subarray(0, 4800)), 'first 0.1 s').toBeGreaterThan(30);
          // As long as the video, to within one audio frame.
          expect(Math.abs(Number(streams[1]!.duration) - mine.result.duration)).toBeLessThan(0.05);
        }
        // Processes: the re-encoded pieces alone — codec parameters and verification read in-process,
        // no stage, audio or join process.
        const ran = processesSince(logStart);
        expect(ran.filter((c) => c === 'ffprobe')).toHaveLength(0);
        expect(ran.filter((c) => c === 'ffmpeg').length).toBeLessThanOrEqual(2);
        // Each re-encoded piece decoded from its own input, the packets it needs as soon as they arrived.
        expect(ran.filter((c) => c === 'ffmpeg')).toHaveLength((logs.match(/"piece input made"/g) ?? []).length);
      });
    }
  }

  it('decodes the head from only the pictures it needs: those nothing refers to before the cut are left out', async () => {
    const from = ours.processor.logs.length;
    // The same cut the comparison above checks frame for frame.
    await smartCut(ours, 'bframes.mp4', 2.4, 5.5, 'left-out.mp4');
    const inputs = ours.processor.logs
      .slice(from)
      .filter((l) => l.includes('"msg":"piece input made"'))
      .map((l) => JSON.parse(l) as { packets: number; left_out: number });
    expect(inputs.length).toBeGreaterThan(0);
    // The head (2.4 s into a 1 s GOP at 30 fps: 12 frames before the cut, every third a disposable B).
    expect(inputs[0]!.left_out).toBeGreaterThan(0);
  });

  it('logs where its time went: each step, in the order the cut reaches them', async () => {
    const from = ours.processor.logs.length;
    await smartCut(ours, 'bframes.mp4', 2.4, 5.5, 'timings.mp4');
    const lines = ours.processor.logs.slice(from).filter((l) => l.includes('"msg":"smart cut timings"'));
    expect(lines).toHaveLength(1);
    const stages = (JSON.parse(lines[0]!) as { stages_ms: Record<string, number> }).stages_ms;
    const path = ['gated', 'planned', 'piece 0 input', 'piece 0 encoded', 'joined', 'verified', 'uploaded'];
    expect(Object.keys(stages)).toEqual(expect.arrayContaining([...path, 'stage written', 'audio cut']));
    const at = path.map((stage) => stages[stage]!);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    // The joined file is made once every piece and the audio are there.
    expect(stages.joined).toBeGreaterThanOrEqual(Math.max(stages['stage written']!, stages['audio cut']!));
  });

  it('interleaves video and audio through the file, for playback while it downloads', async () => {
    const { path } = await smartCut(ours, 'bframes.mp4', 1.2, 7.5, 'interleave.mp4');
    const { stdout } = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'packet=stream_index,pos,pts_time',
      '-of',
      'csv=p=0',
      path,
    ]);
    // stream_index, pts_time, pos (a packet with side data adds an empty field and line).
    const packets = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(',').map(Number)) as [number, number, number][];
    const firstAudio = Math.min(...packets.filter(([s]) => s === 1).map(([, , pos]) => pos));
    const lastVideo = Math.max(...packets.filter(([s]) => s === 0).map(([, , pos]) => pos));
    expect(firstAudio).toBeLessThan(lastVideo);
    // Audio for the first second is stored before video from the third second on.
    const audioAt1 = Math.max(...packets.filter(([s, t]) => s === 1 && t < 1).map(([, , pos]) => pos));
    const videoAt3 = Math.min(...packets.filter(([s, t]) => s === 0 && t >= 3).map(([, , pos]) => pos));
    expect(audioAt1).toBeLessThan(videoAt3);
  });

  it('a muted smart cut still re-encodes its audio (the mute needs it) and is silent where asked', async () => {
    const result = await ours.processor.client.run('extract', {
      input: { url: ours.media.url('bframes.mp4') },
      output: { url: ours.media.uploadUrl('muted.mp4'), content_type: 'video/mp4' },
      start: 2.4,
      end: 6,
      mode: 'smart',
      mute: { intervals: [{ start: 1, end: 2 }], mode: 'hard' },
    });
    expect(result.mode_used).toBe('smart');
    const pcm = await decodePcm(ours.media.uploads.get('muted.mp4')!.path);
    const level = (from: number, to: number) => Math.max(...pcm.subarray(from * 48000, to * 48000).map(Math.abs));
    expect(level(1.05, 1.95)).toBeLessThan(0.001);
    expect(level(2.1, 3.5)).toBeGreaterThan(0.2);
  });
});
