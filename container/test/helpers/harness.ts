/**
 * One processor test set-up: a temp dir for fixtures, a media server in front of it, and the real
 * processor allowed to read from (and upload to) that media server only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MediaServerOptions, startMediaServer, type MediaServer } from './media-server.ts';
import { type RunningProcessor, type StartOptions, startProcessor } from './processor.ts';

export interface Harness {
  dir: string;
  media: MediaServer;
  processor: RunningProcessor;
  close(): Promise<void>;
}

export async function startHarness(
  env: Record<string, string> = {},
  mediaOptions: MediaServerOptions = {},
  processorOptions: StartOptions = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'cutroom-test-'));
  const media = await startMediaServer(dir, mediaOptions);
  const processor = await startProcessor({ ALLOWED_MEDIA_ORIGINS: media.origin, ...env }, processorOptions);
  return {
    dir,
    media,
    processor,
    close: async () => {
      await processor.stop();
      await media.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
