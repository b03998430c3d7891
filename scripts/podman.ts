/**
 * podman as this project runs it (no Docker engine runs on these machines): as root, with the
 * settings of scripts/containers.conf (the runc runtime, no default ulimits). One place for
 * image:build, test:image and the tests that start the processor image.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The processor image's repository name; `npm run image:build` tags `:<git sha>` and `:latest`. */
export const PROCESSOR_IMAGE_NAME = 'cutroom-processor';

/** The environment every podman command runs with. */
export function podmanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: resolve(import.meta.dirname, 'containers.conf') };
}

/** Runs podman to completion; output captured unless `stdio` says otherwise. */
export function podman(args: string[], options: SpawnSyncOptions = {}): { status: number; stdout: string } {
  const run = spawnSync('podman', args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: podmanEnv(),
    ...options,
  });
  if (run.error) throw run.error;
  return { status: run.status ?? 1, stdout: typeof run.stdout === 'string' ? run.stdout : '' };
}

/** Whether an image by this name or id is in local storage. */
export function imageExists(name: string): boolean {
  return podman(['image', 'exists', name]).status === 0;
}
