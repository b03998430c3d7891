/**
 * npm run image:check — the processor image's contents, checked without Docker (no Docker engine
 * runs on these machines, so `docker build` cannot): laid out as container/Dockerfile lays them out
 * (container/package.json and package-lock.json at the top, container/src/ and shared/ beside them),
 * container/'s production dependencies installed the way the Dockerfile installs them (npm ci
 * --omit=dev --ignore-scripts, from the npm cache when it can), the server started from there with
 * NODE_ENV=production, then a probe, a voice detection (the onnxruntime native module and the
 * Silero model) and a smart cut run against it through the Worker's own client. It fails on a
 * run-time import from outside container/ and shared/ and on a dependency missing from
 * container/package.json — the two ways the image can break while every test passes.
 * What it cannot check is the base image itself (Debian bookworm's ffmpeg and espeak-ng: the same
 * packages CI installs).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildSpeechFixture } from '../container/test/fixtures/speech.ts';
import { ffmpeg, makeVideo } from '../container/test/fixtures/video.ts';
import { startMediaServer } from '../container/test/helpers/media-server.ts';
import { startProcessor } from '../container/test/helpers/processor.ts';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`image check failed: ${what}`);
  console.log(`[image] ok: ${what}`);
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'cutroom-image-'));
  const app = join(root, 'app');
  const media = join(root, 'media');
  try {
    await mkdir(app);
    await mkdir(media);
    // As the Dockerfile's COPY lines: [from the repository root, to /app].
    const layout: [string, string][] = [
      ['container/package.json', 'package.json'],
      ['container/package-lock.json', 'package-lock.json'],
      ['container/src', 'container/src'],
      ['shared', 'shared'],
    ];
    for (const [from, to] of layout) await cp(join(repo, from), join(app, to), { recursive: true });
    console.log('[image] npm ci --omit=dev --ignore-scripts in the image layout');
    await exec(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: app, maxBuffer: 16 * 1024 * 1024 },
    );

    await makeVideo(join(media, 'clip.mp4'), { duration: 6, gop: 30, bframes: 2 });
    const speech = await buildSpeechFixture(join(media, 'speech'), {
      name: 'hello',
      background: 'silence',
      snr_db: 0,
      duration: 4,
      utterances: [{ text: 'Hello from the image check.', at: 1 }],
    });
    await ffmpeg(['-i', speech.path, '-c:a', 'aac', join(media, 'speech.m4a')]);

    const server = await startMediaServer(media);
    const processor = await startProcessor(
      { ALLOWED_MEDIA_ORIGINS: server.origin, NODE_ENV: 'production' },
      { entry: join(app, 'container', 'src', 'server.ts'), cwd: app },
    );
    try {
      check(
        processor.logs.some((l) => l.includes('"msg":"listening"')),
        'the server starts from container/ and shared/ alone',
      );
      const probed = await processor.client.run('probe', { input: { url: server.url('clip.mp4') } });
      check(
        probed.width === 320 && probed.height === 180 && Math.abs(probed.duration - 6) < 0.1,
        `probe: ${probed.width}×${probed.height}, ${probed.duration} s`,
      );
      const voice = await processor.client.run('detect-voice', { input: { url: server.url('speech.m4a') } });
      const truth = speech.speech[0]!;
      const found = voice.segments[0];
      check(
        voice.segments.length === 1 &&
          found !== undefined &&
          Math.abs(found.start - truth.start) < 0.25 &&
          Math.abs(found.end - truth.end) < 0.35,
        `detect-voice (onnxruntime): ${JSON.stringify(voice.segments.map((s) => [s.start, s.end]))} for speech at ${truth.start.toFixed(2)}–${truth.end.toFixed(2)} s`,
      );
      const cut = await processor.client.run('extract', {
        input: { url: server.url('clip.mp4') },
        start: 1.4,
        end: 4.2,
        mode: 'smart',
        output: { url: server.uploadUrl('cut.mp4'), content_type: 'video/mp4' },
      });
      check(cut.mode_used === 'smart' && Math.abs(cut.duration - 2.8) < 0.04, `smart extract: ${cut.duration} s`);
    } finally {
      await processor.stop();
      await server.close();
    }
    console.log('[image] the processor image contents work');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
