/**
 * Range reads: the processor fetches only what a cut needs. A 3-minute source is served over HTTP
 * (with Range support, as the Worker serves R2) and every byte sent is counted; a 10 s cut may read
 * at most 1.3× the cut's own bytes plus 8 MB, in at most 4 requests (probe included).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractMode } from '../../shared/processor/operations.ts';
import { ffmpeg } from './fixtures/video.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const exec = promisify(execFile);
let h: Harness;
let fileBytes = 0;
let packets: { pts: number; size: number }[] = [];

beforeAll(async () => {
  h = await startHarness();
  // 30 s at ~2 Mbit/s, looped six times by stream copy: 3 minutes, generated in seconds.
  const base = join(h.dir, 'base.mp4');
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=300:sample_rate=48000',
    '-t',
    '30',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-b:v',
    '2M',
    '-maxrate',
    '2M',
    '-bufsize',
    '2M',
    '-g',
    '60',
    '-keyint_min',
    '60',
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    base,
  ]);
  await ffmpeg(['-stream_loop', '5', '-i', base, '-c', 'copy', '-movflags', '+faststart', join(h.dir, 'long.mp4')]);
  const { stdout } = await exec(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'packet=pts_time,size:format=size', '-of', 'json', join(h.dir, 'long.mp4')],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const parsed = JSON.parse(stdout) as { packets: { pts_time: string; size: string }[]; format: { size: string } };
  packets = parsed.packets.map((p) => ({ pts: Number(p.pts_time), size: Number(p.size) }));
  fileBytes = Number(parsed.format.size);
}, 300_000);
afterAll(async () => h?.close());

/** Bytes of media (all streams) whose packets fall in [start, end). */
const bytesBetween = (start: number, end: number) =>
  packets.filter((p) => p.pts >= start && p.pts < end).reduce((sum, p) => sum + p.size, 0);

describe('range reads', () => {
  it('serves a long source (sanity: the file is far larger than the budget)', () => {
    expect(fileBytes).toBeGreaterThan(40 * 1024 * 1024);
    expect(packets.at(-1)!.pts).toBeGreaterThan(170);
  });

  for (const mode of ['copy', 'smart', 'reencode'] as ExtractMode[]) {
    it(`a 10 s ${mode} cut in the middle reads ≤ 1.3× its bytes + 8 MB, in ≤ 4 requests`, async () => {
      h.media.reset();
      const start = 95.5;
      const end = 105.5;
      const result = await h.processor.client.run('extract', {
        input: { url: h.media.url('long.mp4') },
        output: { url: h.media.uploadUrl(`cut-${mode}.mp4`), content_type: 'video/mp4' },
        start,
        end,
        mode,
      });
      const requests = h.media.requests('long.mp4');
      expect(result.mode_used).toBe(mode);
      const served = requests.reduce((sum, r) => sum + r.bytesSent, 0);
      const cutBytes = bytesBetween(start, end);
      expect(
        requests.every((r) => r.status === 206),
        'every read is a ranged read',
      ).toBe(true);
      expect(requests.length).toBeLessThanOrEqual(4);
      expect(served).toBeLessThanOrEqual(1.3 * cutBytes + 8 * 1024 * 1024);
      console.log(
        `${mode}: ${requests.length} requests, ${(served / 1e6).toFixed(2)} MB served for a ${(cutBytes / 1e6).toFixed(2)} MB cut (file ${(fileBytes / 1e6).toFixed(1)} MB)`,
      );
    });
  }
});
