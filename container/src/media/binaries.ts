/**
 * Where the media binaries live. Order: explicit env (FFMPEG_PATH, FFPROBE_PATH, ESPEAK_PATH), then
 * PATH (Debian packages in the image and on dev machines), then an npm-shipped static build if one
 * happens to be installed (@ffmpeg-installer / @ffprobe-installer); nothing is downloaded. An
 * ffmpeg or ffprobe older than 5.1 is passed over: the processor uses its newer options, and those
 * npm builds (FFmpeg 4.x, 2018) are too old for them, which is why none is a dependency.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ProcessorFailure } from '../errors.ts';
import { log } from '../log.ts';

export interface Binaries {
  ffmpeg: string | null;
  ffprobe: string | null;
  espeak: string | null;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

function fromNpm(pkg: string, file: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const candidate = join(require.resolve(`${pkg}/package.json`).replace(/package\.json$/, ''), file);
    return executable(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

/** The oldest FFmpeg whose options the processor uses (`-fps_mode`, the `setts` filter, …). */
export const MIN_FFMPEG_VERSION: readonly [number, number] = [5, 1];

/**
 * Whether a `-version` banner names FFmpeg/ffprobe 5.1 or newer. Release banners carry the
 * version ("ffmpeg version 5.1.9-0+deb12u1", "n6.0"); builds from git ("N-109…") are taken as new.
 */
export function meetsMinimumVersion(banner: string): boolean {
  const match = /version n?(\d+)\.(\d+)/.exec(banner);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MIN_FFMPEG_VERSION[0] || (major === MIN_FFMPEG_VERSION[0] && minor >= MIN_FFMPEG_VERSION[1]);
}

function works(path: string | null, versionFlag: string, checkVersion: boolean): boolean {
  if (!path) return false;
  const result = spawnSync(path, [versionFlag], {
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 10_000,
    encoding: 'utf8',
  });
  if (result.status !== 0) return false;
  const banner = result.stdout.split('\n')[0] ?? '';
  if (checkVersion && !meetsMinimumVersion(banner)) {
    // Not fatal to start: /health reports the binary missing, and operations say so.
    log('warn', 'binary too old', { path, version: banner, needs: MIN_FFMPEG_VERSION.join('.') });
    return false;
  }
  return true;
}

function resolveBinary(
  envName: string,
  name: string,
  npm: [string, string] | null,
  versionFlag: string,
): string | null {
  const checkVersion = name !== 'espeak-ng';
  const explicit = process.env[envName];
  if (explicit) return works(explicit, versionFlag, checkVersion) ? explicit : null;
  const candidates = [onPath(name), npm ? fromNpm(npm[0], npm[1]) : null];
  for (const candidate of candidates) if (works(candidate, versionFlag, checkVersion)) return candidate;
  return null;
}

let cached: Binaries | null = null;

export function binaries(): Binaries {
  cached ??= {
    ffmpeg: resolveBinary(
      'FFMPEG_PATH',
      'ffmpeg',
      [`@ffmpeg-installer/${process.platform}-${process.arch}`, 'ffmpeg'],
      '-version',
    ),
    ffprobe: resolveBinary(
      'FFPROBE_PATH',
      'ffprobe',
      [`@ffprobe-installer/${process.platform}-${process.arch}`, 'ffprobe'],
      '-version',
    ),
    espeak: resolveBinary('ESPEAK_PATH', 'espeak-ng', null, '--version'),
  };
  return cached;
}

export function requireBinary(name: keyof Binaries): string {
  const path = binaries()[name];
  if (!path) throw new ProcessorFailure('internal', `${name} is not installed on this processor`);
  return path;
}
