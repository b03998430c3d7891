/**
 * extract smart of H.265 sources (iPhone videos): the frames before the cut's first keyframe
 * re-encoded by a matched x265, the rest copied, the pieces' parameter sets renumbered into the
 * output's one `hvcC` (mp4/hevc-join.ts). Judged against the source: every copied picture decodes
 * to the source's own, the re-encoded ones look like the source's, the output decodes without a
 * single error, and no ffprobe or join process ran.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodedFrameHashes,
  decodeErrors,
  ffmpeg,
  grayFrames,
  probe,
  probeWarnings,
  psnr,
  videoPackets,
  x265Args,
} from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

let h: Harness;

/** An H.265 MP4 as a phone writes one: `hvc1`, closed GOPs, B-frames, AAC. */
const hevc = (path: string, x265: string, { pixelFormat = 'yuv420p', preset = 'ultrafast' } = {}) =>
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=30',
    '-f',
    'lavfi',
    '-i',
    'aevalsrc=0.5*sin(2*PI*(200+100*t)*t):s=48000:c=stereo',
    '-t',
    '6',
    '-pix_fmt',
    pixelFormat,
    ...x265Args(`keyint=30:min-keyint=30:scenecut=0:${x265}`, preset),
    '-c:a',
    'aac',
    '-movflags',
    '+faststart',
    path,
  ]);

const FIXTURES = [
  // Another preset than the pieces' (64×64 coding trees, other tools): the pieces' slices decode only
  // with their own parameter sets.
  {
    name: 'hevc-bframes.mp4',
    make: (p: string) => hevc(p, 'bframes=3:open-gop=0', { preset: 'medium' }),
    cut: [1.4, 4.6],
  },
  { name: 'hevc-no-bframes.mp4', make: (p: string) => hevc(p, 'bframes=0:open-gop=0'), cut: [2.2, 3.9] },
  // Keyframes coded as CRA pictures (open GOPs without B-frames: nothing leads them).
  { name: 'hevc-cra.mp4', make: (p: string) => hevc(p, 'bframes=0:open-gop=1'), cut: [1.3, 3.1] },
  {
    name: 'hevc-main10.mp4',
    make: (p: string) => hevc(p, 'bframes=2:open-gop=0', { pixelFormat: 'yuv420p10le' }),
    cut: [0.5, 2.7],
  },
] as const;

beforeAll(async () => {
  h = await startHarness({ PROCESSOR_LOG_COMMANDS: '1' });
  await Promise.all(FIXTURES.map((f) => f.make(join(h.dir, f.name))));
});
afterAll(async () => {
  await h?.close();
});

describe('extract smart of H.265 sources', () => {
  for (const fixture of FIXTURES) {
    const [start, end] = fixture.cut;
    it(`${fixture.name} ${start}–${end} s: copied pictures the source's, the head re-encoded alike`, async () => {
      const source = join(h.dir, fixture.name);
      const name = `${fixture.name}-cut.mp4`;
      const from = h.processor.logs.length;
      const result = await h.processor.client.run('extract', {
        input: { url: h.media.url(fixture.name) },
        output: { url: h.media.uploadUrl(name), content_type: 'video/mp4' },
        start,
        end,
        mode: 'smart',
      });
      expect(result).toMatchObject({ mode_used: 'smart', fallback_reason: null });
      const out = h.media.uploads.get(name)!.path;

      // Decodes cleanly, and ffprobe has nothing to say about the file.
      expect(await decodeErrors(out)).toBe('');
      expect(await probeWarnings(out)).toBe('');
      const [video, audio] = (await probe(out)).streams;
      const [sourceVideo] = (await probe(source)).streams;
      expect(video).toMatchObject({ codec_name: 'hevc', profile: sourceVideo!.profile, pix_fmt: sourceVideo!.pix_fmt });
      expect(audio?.codec_name).toBe('aac');

      // The source's frames from the cut on, in display order.
      const packets = await videoPackets(source);
      const shown = packets.map((p) => p.pts).sort((a, b) => a - b);
      const first = shown.findIndex((t) => t >= start - 0.001);
      const count = shown.filter((t) => t >= start - 0.001 && t < end - 0.001).length;
      const keyframe = shown.indexOf(packets.filter((p) => p.keyframe && p.pts >= start - 0.001).map((p) => p.pts)[0]!);
      expect(keyframe).toBeGreaterThan(first);
      const mine = await decodedFrameHashes(out);
      expect(mine).toHaveLength(count);
      const theirs = (await decodedFrameHashes(source)).slice(first, first + count);
      // From the keyframe on the pictures are the source's packets: decoded, the very same frames
      // (up to the tail, which B-frames may make re-encoded too).
      const copied = mine.slice(keyframe - first).filter((hash, i) => hash === theirs[keyframe - first + i]);
      expect(copied.length).toBeGreaterThan((count - (keyframe - first)) / 2);
      expect(mine.slice(keyframe - first, keyframe - first + 10)).toEqual(
        theirs.slice(keyframe - first, keyframe - first + 10),
      );
      // Before it, a matched re-encode: close to the source's pictures, not the same bytes.
      const heads = await grayFrames(out, 160, 90, { count: keyframe - first });
      const originals = await grayFrames(source, 160, 90, { start: shown[first]!, count: keyframe - first });
      expect(heads).toHaveLength(keyframe - first);
      for (const [i, head] of heads.entries()) expect(psnr(head, originals[i]!)).toBeGreaterThan(30);

      const ran = h.processor.logs
        .slice(from)
        .filter((l) => l.includes('"msg":"process done"'))
        .map((l) => (JSON.parse(l) as { command: string }).command);
      expect(ran.filter((c) => c === 'ffprobe')).toHaveLength(0);
      expect(ran.filter((c) => c === 'ffmpeg').length).toBeLessThanOrEqual(2);
    });
  }

  it('an open-GOP source (pictures shown before their keyframe) is still cut, by a full re-encode', async () => {
    await hevc(join(h.dir, 'hevc-open.mp4'), 'bframes=3:open-gop=1');
    const result = await h.processor.client.run('extract', {
      input: { url: h.media.url('hevc-open.mp4') },
      output: { url: h.media.uploadUrl('open-cut.mp4'), content_type: 'video/mp4' },
      start: 1.4,
      end: 4.6,
      mode: 'smart',
    });
    expect(result.mode_used).toBe('reencode');
    expect(result.fallback_reason).toBeTruthy();
    expect(await decodeErrors(h.media.uploads.get('open-cut.mp4')!.path)).toBe('');
  });
});
