/**
 * Scratch space per operation: a fresh private directory under the OS temp dir, always removed when
 * the operation ends (success, failure, timeout or cancel). Only names this process chose go in it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SAFE_PATH = /^[A-Za-z0-9/._-]+$/;

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cutroom-op-'));
  // Paths end up inside ffmpeg filter arguments (subtitles=, concat lists); keep them boring.
  if (!SAFE_PATH.test(dir)) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`temp dir path has unexpected characters: ${dir}`);
  }
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
