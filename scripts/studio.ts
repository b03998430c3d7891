/**
 * The studio's build output (studio/dist), which wrangler serves as the Worker's static assets.
 *
 *   node scripts/studio.ts build    # npm run studio:build
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export const STUDIO_ROOT = resolve(import.meta.dirname, '..', 'studio');
export const STUDIO_DIST = resolve(STUDIO_ROOT, 'dist');

/** Builds the studio with Vite (about 10 s; the FFmpeg core's gzip is cached after the first build). */
export async function buildStudio(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: resolve(STUDIO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

/**
 * wrangler refuses to start when `[assets] directory` does not exist. Tests of the API alone do not
 * need the studio: an empty folder lets the Worker start, serving the API only.
 */
export function ensureAssetsDir(): void {
  if (!existsSync(STUDIO_DIST)) mkdirSync(STUDIO_DIST, { recursive: true });
}

export function studioBuilt(): boolean {
  return existsSync(resolve(STUDIO_DIST, 'index.html'));
}

if (import.meta.main && process.argv[2] === 'build') await buildStudio();
