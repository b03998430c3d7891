/**
 * What the consumer's fair share (src/jobs/fair-share.ts) reads and claims across profiles: how
 * much each profile was served lately (jobs started since a moment, plus those running), and the
 * oldest job waiting for its first start of a profile served less than a given one. Ids and counts
 * only: no other profile's data leaves these queries.
 */

export interface FairTurnQuestion {
  profileId: string;
  /** Jobs started after this (ISO time) count as recent service; running jobs always count. */
  sinceIso: string;
  nowIso: string;
  /** Job types the claiming consumer runs (a job of another type is left to its own message). */
  types: readonly string[];
}

export interface ClaimedJob {
  id: string;
  profileId: string;
  type: string;
}

/** Served lately: jobs of profile `p` started after `since`, plus its running jobs started before. */
const served = (p: string) => `(
  (SELECT count(*) FROM jobs s WHERE s.profile_id = ${p} AND s.started_at > ?2)
  + (SELECT count(*) FROM jobs s WHERE s.profile_id = ${p} AND s.status = 'running' AND s.started_at <= ?2))`;

/**
 * Claims the oldest job that waits for its first start, of a profile served less than `profileId`,
 * or nothing. The claim is the hand-off mark (status running, `handed_off_at` set) the consumer
 * already knows: exactly one delivery then takes the job (`markRunning` by that mark), and the
 * job's own message, when it comes, finds the job taken.
 */
export async function claimLessServedJob(db: D1Database, q: FairTurnQuestion): Promise<ClaimedJob | null> {
  const row = await db
    .prepare(
      `UPDATE jobs SET status = 'running', handed_off_at = ?3, updated_at = ?3
       WHERE status = 'pending' AND attempts = 0 AND id = (
         SELECT w.id FROM jobs w
         -- A profile not served lately yields to nobody: no scan at all (a constant term).
         WHERE ${served('?1')} > 0
           AND w.status = 'pending' AND w.attempts = 0 AND w.cancel_requested = 0 AND w.profile_id <> ?1
           AND w.type IN (SELECT value FROM json_each(?4))
           AND ${served('w.profile_id')} < ${served('?1')}
         ORDER BY w.created_at
         LIMIT 1
       )
       RETURNING id, profile_id, type`,
    )
    .bind(q.profileId, q.sinceIso, q.nowIso, JSON.stringify(q.types))
    .first<{ id: string; profile_id: string; type: string }>();
  return row ? { id: row.id, profileId: row.profile_id, type: row.type } : null;
}
