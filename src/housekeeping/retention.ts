/**
 * Retention (docs/api.md#retention): per profile, sources go N days after their last use, job outputs N
 * days after their job finished, trashed clips N days after they were trashed, and any source
 * video, clip or job on its `delete_after` date; never what something still needs. The dry run
 * (`GET /api/v1/retention/preview`) and the hourly run build the same plan with the same batch
 * sizes, so the preview lists exactly what the next run deletes.
 */
import type { Bindings } from '../core/env.ts';
import { createDb } from '../db/client.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import { deleteJobRow } from '../db/repos/jobs.ts';
import {
  type DueClipRow,
  type DueJobRow,
  type DueRow,
  type RetentionCutoffs,
  dueClips,
  dueJobs,
  dueSourceVideos,
  profilesWithRetentionWork,
  readHousekeepingCursor,
  saveHousekeepingCursor,
} from '../db/repos/retention.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../db/scope.ts';
import { purgeClips } from '../library/clip-trash.ts';
import { removeSourceVideo } from '../source-videos/removal.ts';
import { keyBelongsTo } from '../storage/keys.ts';

export const DEFAULT_TRASH_RETENTION_DAYS = 30;
/** Per kind and profile and run: a backlog is cleared over several hourly runs. */
export const RETENTION_BATCH = 100;
const PROFILES_PER_RUN = 100;
const RETENTION_CURSOR = 'retention';
const DAY_MS = 86_400_000;

type RetentionEnv = Pick<Bindings, 'TRASH_RETENTION_DAYS' | 'SOURCE_RETENTION_DAYS' | 'OUTPUT_RETENTION_DAYS'>;

const positive = (value: string | undefined): number | null => {
  const n = Number(value);
  return value?.trim() && Number.isInteger(n) && n > 0 ? n : null;
};

/**
 * The deployment's limits, each the default and the most a profile may set: trash 30 days unless
 * TRASH_RETENTION_DAYS says otherwise; sources and outputs unlimited unless their variable is set.
 */
export function retentionCeilings(env: RetentionEnv) {
  return {
    sourceDays: positive(env.SOURCE_RETENTION_DAYS),
    outputDays: positive(env.OUTPUT_RETENTION_DAYS),
    trashDays: positive(env.TRASH_RETENTION_DAYS) ?? DEFAULT_TRASH_RETENTION_DAYS,
  };
}

export interface RetentionPolicy {
  source_days: number | null;
  output_days: number | null;
  trash_days: number;
}

/** A profile's setting, bounded by the deployment's (null setting = the deployment's). */
export function effectivePolicy(
  env: RetentionEnv,
  profile: {
    sourceRetentionDays: number | null;
    outputRetentionDays: number | null;
    trashRetentionDays: number | null;
  },
): RetentionPolicy {
  const caps = retentionCeilings(env);
  const bounded = (own: number | null, cap: number | null) =>
    own === null ? cap : cap === null ? own : Math.min(own, cap);
  return {
    source_days: bounded(profile.sourceRetentionDays, caps.sourceDays),
    output_days: bounded(profile.outputRetentionDays, caps.outputDays),
    trash_days: bounded(profile.trashRetentionDays, caps.trashDays) ?? caps.trashDays,
  };
}

function cutoffsOf(policy: RetentionPolicy, now: number): RetentionCutoffs {
  const before = (days: number | null) => (days === null ? null : new Date(now - days * DAY_MS).toISOString());
  return {
    now: new Date(now).toISOString(),
    sourceUnusedBefore: before(policy.source_days),
    outputsFinishedBefore: before(policy.output_days),
    trashedBefore: before(policy.trash_days)!,
  };
}

export interface RetentionPlan {
  generated_at: string;
  policy: RetentionPolicy;
  source_videos: { delete: DueRow[]; held: DueRow[] };
  clips: { delete: DueClipRow[]; held: DueClipRow[] };
  jobs: { delete: DueJobRow[]; held: DueJobRow[] };
}

/** What a run at `now` deletes (at most RETENTION_BATCH per kind) and what it keeps because it is needed. */
export async function planRetention(env: RetentionEnv, scope: ProfileScope, now = Date.now()): Promise<RetentionPlan> {
  const policy = effectivePolicy(env, await getScopeProfile(scope));
  const c = cutoffsOf(policy, now);
  const [sd, sh, cd, ch, jd, jh] = await Promise.all([
    dueSourceVideos(scope, c, false, RETENTION_BATCH),
    dueSourceVideos(scope, c, true, RETENTION_BATCH),
    dueClips(scope, c, false, RETENTION_BATCH),
    dueClips(scope, c, true, RETENTION_BATCH),
    dueJobs(scope, c, false, RETENTION_BATCH),
    dueJobs(scope, c, true, RETENTION_BATCH),
  ]);
  return {
    generated_at: c.now,
    policy,
    source_videos: { delete: sd, held: sh },
    clips: { delete: cd, held: ch },
    jobs: { delete: jd, held: jh },
  };
}

export interface RetentionCounts {
  source_videos: number;
  clips: number;
  jobs: number;
}

/** Deletes what the plan lists: rows first, then objects (as the delete routes do). */
export async function applyRetention(
  env: Bindings,
  scope: ProfileScope,
  plan: RetentionPlan,
): Promise<RetentionCounts> {
  const counts: RetentionCounts = { source_videos: 0, clips: 0, jobs: 0 };
  const clips = plan.clips.delete.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    segmentIds: JSON.parse(r.segment_ids) as string[],
  }));
  await purgeClips(env, scope, clips);
  counts.clips = clips.length;
  for (const row of plan.source_videos.delete) {
    const ready = (v: { status: string }) => v.status === 'ready' || v.status === 'failed';
    if (await removeSourceVideo(env, scope, row.id, ready)) counts.source_videos++;
  }
  for (const row of plan.jobs.delete) {
    const keys = (JSON.parse(row.output_keys) as string[]).filter((k) => keyBelongsTo(scope, k));
    if (keys.length) await env.MEDIA.delete(keys);
    if (await deleteJobRow(scope, row.id)) counts.jobs++;
  }
  return counts;
}

/**
 * The hourly run: each profile with something possibly due is planned and applied in its own scope,
 * at most `profilesPerRun` of them, taken in turn: the run starts after the profile the last one
 * ended on and wraps around, so profiles whose due items are all held cannot keep the others waiting.
 */
export async function runRetention(
  env: Bindings,
  now = Date.now(),
  { profilesPerRun = PROFILES_PER_RUN }: { profilesPerRun?: number } = {},
): Promise<RetentionCounts> {
  const db = createDb(env.DB);
  const caps = retentionCeilings(env);
  // The widest cutoffs any profile can have: a profile's own settings only shorten them.
  const widest = cutoffsOf(
    { source_days: caps.sourceDays, output_days: caps.outputDays, trash_days: caps.trashDays },
    now,
  );
  const after = await readHousekeepingCursor(db, RETENTION_CURSOR);
  const profiles = await profilesWithRetentionWork(db, widest, profilesPerRun, after);
  if (after && profiles.length < profilesPerRun) {
    const wrapped = await profilesWithRetentionWork(db, widest, profilesPerRun - profiles.length);
    profiles.push(...wrapped.filter((id) => id <= after));
  }
  const total: RetentionCounts = { source_videos: 0, clips: 0, jobs: 0 };
  for (const profileId of profiles) {
    try {
      const scope = scopeForVerifiedProfile(db, { profileId });
      const done = await applyRetention(env, scope, await planRetention(env, scope, now));
      total.source_videos += done.source_videos;
      total.clips += done.clips;
      total.jobs += done.jobs;
    } catch (err) {
      console.error(
        JSON.stringify({ level: 'error', msg: 'retention failed', profile_id: profileId, error: String(err) }),
      );
    }
  }
  const last = profiles.at(-1);
  if (last !== undefined && last !== after) await saveHousekeepingCursor(db, RETENTION_CURSOR, last);
  return total;
}
