/**
 * What the consumer's fair share (src/jobs/fair-share.ts) reads across profiles: how much each
 * profile was served lately, and whether a profile served less has a job waiting for its first
 * start. Counts only: no other profile's data leaves this query.
 */

export interface FairShareQuestion {
  profileId: string;
  /** Jobs started after this (ISO time) count as recent service; running jobs always count. */
  sinceIso: string;
}

/**
 * Whether another profile, served less than this one since `sinceIso` (jobs started since, plus
 * jobs still running), has a job that was never started yet. Its service, and this profile's.
 */
export async function lessServedProfileWaits(db: D1Database, q: FairShareQuestion): Promise<boolean> {
  const row = await db
    .prepare(
      `WITH mine AS (
         SELECT (SELECT count(*) FROM jobs WHERE profile_id = ?1 AND started_at > ?2)
              + (SELECT count(*) FROM jobs WHERE profile_id = ?1 AND status = 'running' AND started_at <= ?2) AS served
       )
       SELECT (SELECT served FROM mine) > 0 AND EXISTS (
         SELECT 1 FROM jobs w
         WHERE w.status = 'pending' AND w.attempts = 0 AND w.profile_id <> ?1
           AND (SELECT count(*) FROM jobs s WHERE s.profile_id = w.profile_id AND s.started_at > ?2)
             + (SELECT count(*) FROM jobs s WHERE s.profile_id = w.profile_id AND s.status = 'running' AND s.started_at <= ?2)
             < (SELECT served FROM mine)
       ) AS yields`,
    )
    .bind(q.profileId, q.sinceIso)
    .first<{ yields: number }>();
  return row?.yields === 1;
}
