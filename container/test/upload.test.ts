/**
 * Outputs on their way to the storage host (media/upload.ts, media/storage-route.ts): one PUT up to
 * the part size, a multipart upload of bounded parts above it — assembled byte for byte, each part
 * retried on its own, aborted when it cannot finish — and the storage host's name mapped onto
 * STORAGE_URL for a local processor. The stand-in (helpers/media-server.ts) speaks the storage
 * host's protocol; the Worker's side of it is tested in test/unit/processor-gateway.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_MIN_PART_BYTES, STORAGE_ORIGIN } from '../../shared/processor/storage.ts';
import { configureStorageRoute } from '../src/media/storage-route.ts';
import { uploadFile } from '../src/media/upload.ts';
import { ffmpeg, videoPacketHashes } from './fixtures/video.ts';
import { type Harness, startHarness } from './helpers/harness.ts';
import { type RunningProcessor, startProcessor } from './helpers/processor.ts';

const PART = STORAGE_MIN_PART_BYTES;
/** Processors with 5 MiB parts and with the default (32 MiB), which sends these outputs in one PUT. */
let small: Harness;
let whole: RunningProcessor;

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

beforeAll(async () => {
  small = await startHarness({ STORAGE_PART_BYTES: String(PART) });
  whole = await startProcessor({ ALLOWED_MEDIA_ORIGINS: small.media.origin });
  // Lossless noise: about 13 MB a second, so a two-second cut is several parts.
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=30,noise=alls=60:allf=t',
    '-t',
    '2.5',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-qp',
    '0',
    '-g',
    '15',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    join(small.dir, 'dense.mp4'),
  ]);
});

afterAll(async () => {
  await whole?.stop();
  await small?.close();
});

function copyCut(processor: RunningProcessor, name: string, input = 'dense.mp4') {
  return processor.client.run('extract', {
    input: { url: small.media.url(input) },
    output: { url: small.media.uploadUrl(name), content_type: 'video/mp4' },
    start: 0.2,
    end: 2.4,
    mode: 'copy',
  });
}

describe('an output larger than the part size', () => {
  it('goes up in parts of the part size (no body larger), assembled byte for byte as one PUT would store it', async () => {
    const parted = await copyCut(small.processor, 'parted.mp4');
    expect(small.media.largestBody()).toBeLessThanOrEqual(PART);
    const single = await copyCut(whole, 'single.mp4');
    expect(parted.mode_used).toBe('copy');
    expect(parted.size_bytes).toBeGreaterThan(2 * PART);
    const upload = small.media.multiparts.get('parted.mp4')!;
    expect(upload).toMatchObject({ completed: true, aborted: false });
    const sizes = [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, size]) => size);
    expect(sizes.length).toBe(Math.ceil(parted.size_bytes / PART));
    expect(sizes.slice(0, -1).every((s) => s === PART)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(parted.size_bytes);
    expect(small.media.multiparts.has('single.mp4')).toBe(false);
    expect(single.size_bytes).toBe(parted.size_bytes);
    expect(await sha256(small.media.uploads.get('parted.mp4')!.path)).toBe(
      await sha256(small.media.uploads.get('single.mp4')!.path),
    );
  });

  it('written by ffmpeg to a file goes up in parts too', async () => {
    // Matroska is left to ffmpeg (the in-process cutter reads MP4/MOV only), which writes a file.
    await ffmpeg(['-i', join(small.dir, 'dense.mp4'), '-c', 'copy', join(small.dir, 'dense.mkv')]);
    small.media.reset();
    const parted = await copyCut(small.processor, 'from-file.mp4', 'dense.mkv');
    expect(small.media.largestBody()).toBe(PART);
    expect(small.media.multiparts.get('from-file.mp4')).toMatchObject({ completed: true });
    const stored = small.media.uploads.get('from-file.mp4')!;
    expect(stored.bytes).toBe(parted.size_bytes);
    const single = await copyCut(whole, 'from-file-single.mp4', 'dense.mkv');
    expect(single.size_bytes).toBe(parted.size_bytes);
    expect(await videoPacketHashes(stored.path)).toEqual(
      await videoPacketHashes(small.media.uploads.get('from-file-single.mp4')!.path),
    );
  });

  it('stores nothing when its input breaks off: the producer fails, the upload is aborted', async () => {
    await copyFile(join(small.dir, 'dense.mp4'), join(small.dir, 'breaks.mp4'));
    // The index reads fine (it is read from byte 0); the cut's data stops after 8 MB, past the first part.
    small.media.breakReads('breaks.mp4', 1000, 8_000_000);
    await expect(copyCut(small.processor, 'broken.mp4', 'breaks.mp4')).rejects.toMatchObject({
      code: 'input_unreachable',
    });
    expect(small.media.multiparts.get('broken.mp4')).toMatchObject({ aborted: true, completed: false });
    expect(small.media.uploads.has('broken.mp4')).toBe(false);
  });
});

describe('uploading a file in parts (media/upload.ts)', () => {
  let file: string;
  let content: Buffer;
  beforeAll(async () => {
    configureStorageRoute({ url: null, partBytes: PART });
    content = randomBytes(2 * PART + 12_345);
    file = join(small.dir, 'random.bin');
    await writeFile(file, content);
  });
  const target = (name: string) => ({ url: small.media.uploadUrl(name), content_type: 'application/octet-stream' });

  it('sends a part again when it is answered 5xx', async () => {
    small.media.failUploads('retried.bin', [503, 500]);
    expect(await uploadFile(file, target('retried.bin'))).toBe(content.length);
    // (Buffer.equals: a deep toEqual of 10 MB takes seconds.)
    expect(content.equals(await readFile(small.media.uploads.get('retried.bin')!.path))).toBe(true);
  });

  it('gives up after three tries of one part, or at once on a 4xx, and aborts the upload', async () => {
    small.media.failUploads('unlucky.bin', [503, 503, 503]);
    await expect(uploadFile(file, target('unlucky.bin'))).rejects.toMatchObject({ code: 'output_upload_failed' });
    expect(small.media.multiparts.get('unlucky.bin')).toMatchObject({ aborted: true, completed: false });
    small.media.failUploads('refused.bin', [403]);
    await expect(uploadFile(file, target('refused.bin'))).rejects.toMatchObject({ code: 'output_upload_failed' });
    expect(small.media.multiparts.get('refused.bin')).toMatchObject({ aborted: true });
    expect(small.media.uploads.has('unlucky.bin') || small.media.uploads.has('refused.bin')).toBe(false);
  });
});

describe('the storage host on a local processor (STORAGE_URL)', () => {
  it('connects requests for the storage host to STORAGE_URL, and accepts no other origin', async () => {
    const mapped = await startProcessor({ ALLOWED_MEDIA_ORIGINS: STORAGE_ORIGIN, STORAGE_URL: small.media.origin });
    try {
      const onHost = (path: string) => `${STORAGE_ORIGIN}${new URL(path).pathname}`;
      const result = await mapped.client.run('extract', {
        input: { url: onHost(small.media.url('dense.mp4')) },
        output: { url: onHost(small.media.uploadUrl('mapped.mp4')), content_type: 'video/mp4' },
        start: 0.2,
        end: 0.6,
        mode: 'copy',
      });
      expect(small.media.uploads.get('mapped.mp4')!.bytes).toBe(result.size_bytes);
      await expect(mapped.client.run('probe', { input: { url: small.media.url('dense.mp4') } })).rejects.toMatchObject({
        code: 'invalid_request',
      });
    } finally {
      await mapped.stop();
    }
  });
});
