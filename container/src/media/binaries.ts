/**
 * Where the media binaries live. Order: explicit env (FFMPEG_PATH, FFPROBE_PATH, ESPEAK_PATH), then
 * PATH (Debian packages in the image and on dev machines), then an npm-shipped static build if one
 * happens to be installed (@ffmpeg-installer / @ffprobe-installer); nothing is downloaded.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ProcessorFailure } from '../errors.ts';

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

function works(path: string | null, versionFlag: string): boolean {
  if (!path) return false;
  const result = spawnSync(path, [versionFlag], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

function resolveBinary(envName: string, name: string, npm: [string, string] | null, versionFlag: string): string | null {
  const explicit = process.env[envName];
  if (explicit) return works(explicit, versionFlag) ? explicit : null;
  const candidates = [onPath(name), npm ? fromNpm(npm[0], npm[1]) : null];
  for (const candidate of candidates) if (works(candidate, versionFlag)) return candidate;
  return null;
}

let cached: Binaries | null = null;

export function binaries(): Binaries {
  cached ??= {
    ffmpeg: resolveBinary('FFMPEG_PATH', 'ffmpeg', [`@ffmpeg-installer/${process.platform}-${process.arch}`, 'ffmpeg'], '-version'),
    ffprobe: resolveBinary('FFPROBE_PATH', 'ffprobe', [`@ffprobe-installer/${process.platform}-${process.arch}`, 'ffprobe'], '-version'),
    espeak: resolveBinary('ESPEAK_PATH', 'espeak-ng', null, '--version'),
  };
  return cached;
}


export function requireBinary(name: keyof Binaries): string {
  const path = binaries()[name];
  if (!path) throw new ProcessorFailure('internal', `${name} is not installed on this processor`);
  return path;
}
