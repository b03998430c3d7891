/**
 * Files a job produces live under `p/{profile}/jobs/{job}/{name}` (`job_output` targets). Job
 * results stored in D1 never hold URLs (they would expire): a result field `xxx_output` holds the
 * output's name, and responses add a fresh signed `xxx_url` next to it (`withOutputUrls`), at any
 * depth (e.g. `variants[].final_video_output` → `variants[].final_video_url`).
 */
import type { JobRow } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { Bindings } from '../core/env.ts';
import { type MediaTarget, signedMediaUrl, storageKeyOf } from './signed-urls.ts';

export const jobOutput = (jobId: string, name: string): MediaTarget => ({ kind: 'job_output', id: jobId, name });

export function jobOutputKey(scope: ProfileScope, jobId: string, name: string): string {
  return storageKeyOf(scope, jobOutput(jobId, name));
}

const OUTPUT_SUFFIX = '_output';
const NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]{1,8})?$/i;

async function decorate(
  env: Bindings,
  scope: ProfileScope,
  jobId: string,
  value: unknown,
  depth: number,
): Promise<unknown> {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => decorate(env, scope, jobId, v, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = await decorate(env, scope, jobId, v, depth + 1);
    if (k.endsWith(OUTPUT_SUFFIX) && typeof v === 'string' && NAME.test(v) && v.length <= 64) {
      const urlKey = `${k.slice(0, -OUTPUT_SUFFIX.length)}_url`;
      out[urlKey] = (await signedMediaUrl(env, scope, jobOutput(jobId, v))).url;
    }
  }
  return out;
}

/** The job's result with a signed `*_url` beside every `*_output` name. */
export async function withOutputUrls(
  env: Bindings,
  scope: ProfileScope,
  job: Pick<JobRow, 'id' | 'result'>,
): Promise<Record<string, unknown> | null> {
  if (!job.result) return null;
  return (await decorate(env, scope, job.id, job.result, 0)) as Record<string, unknown>;
}

/**
 * Deletes every object under the job's prefix except `keep` (intermediates of a finished job).
 * Returns the keys kept that exist.
 */
export async function pruneJobObjects(
  env: Bindings,
  scope: ProfileScope,
  jobId: string,
  keep: readonly string[],
): Promise<string[]> {
  const prefix = storageKeyOf(scope, jobOutput(jobId, 'x')).slice(0, -1);
  const wanted = new Set(keep);
  const kept: string[] = [];
  let cursor: string | undefined;
  do {
    const listing = await env.MEDIA.list({ prefix, cursor, limit: 1000 });
    const drop = listing.objects.map((o) => o.key).filter((k) => !wanted.has(k));
    kept.push(...listing.objects.map((o) => o.key).filter((k) => wanted.has(k)));
    if (drop.length) await env.MEDIA.delete(drop);
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
  return kept;
}

/** The original's video_info block from a probed source video. */
export function videoInfoOf(video: {
  name: string;
  originalFilename: string | null;
  duration: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  rotation: number | null;
}) {
  const duration = video.duration ?? 0;
  const fps = video.fps ?? 0;
  return {
    filename: video.originalFilename ?? video.name,
    duration,
    fps,
    width: video.width ?? 0,
    height: video.height ?? 0,
    frame_count: Math.round(duration * fps),
    rotation: video.rotation ?? 0,
  };
}
