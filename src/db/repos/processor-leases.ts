/**
 * Placement leases (src/processor/placement.ts): which container instance holds a slot for which
 * processor operation. Deployment-wide state, not a tenant's: it is keyed by operation id, which
 * embeds the job id, and holds no tenant data. Every decision is one D1 batch (a transaction), so
 * two deliveries placing at the same moment cannot both take the last slot of an instance.
 */

/** How instances are numbered, and how many slots each has. */
export interface PlacementBounds {
  maxInstances: number;
  perInstance: number;
}

export interface LeaseRequest {
  operationId: string;
  jobId: string;
  /** When the lease frees its slot unless renewed (ms since the epoch). */
  expiresAt: number;
  /** The clock the expiry is compared with (ms since the epoch). */
  now: number;
}

export const instanceName = (index: number) => `instance-${index}`;

/**
 * A slot on the least loaded instance with room (ties: the lowest numbered), leased to the
 * operation; the operation's own instance when it already holds a lease (renewed); null when every
 * instance is full. Expired leases are removed first: their slots are free.
 */
export async function acquireLease(db: D1Database, request: LeaseRequest, bounds: PlacementBounds) {
  const [, renewed, inserted] = await db.batch<{ instance: string }>([
    db.prepare('DELETE FROM processor_leases WHERE expires_at <= ?1').bind(request.now),
    db
      .prepare('UPDATE processor_leases SET expires_at = ?2 WHERE operation_id = ?1 RETURNING instance')
      .bind(request.operationId, request.expiresAt),
    db
      .prepare(
        `INSERT INTO processor_leases (operation_id, job_id, instance, expires_at)
         SELECT ?1, ?2, slot.name, ?3
         FROM (
           WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?4)
           SELECT k, 'instance-' || k AS name FROM n
         ) AS slot
         LEFT JOIN (
           SELECT instance, count(*) AS load FROM processor_leases GROUP BY instance
         ) AS used ON used.instance = slot.name
         WHERE coalesce(used.load, 0) < ?5
           AND NOT EXISTS (SELECT 1 FROM processor_leases WHERE operation_id = ?1)
         ORDER BY coalesce(used.load, 0), slot.k
         LIMIT 1
         RETURNING instance`,
      )
      .bind(request.operationId, request.jobId, request.expiresAt, bounds.maxInstances, bounds.perInstance),
  ]);
  return renewed?.results[0]?.instance ?? inserted?.results[0]?.instance ?? null;
}

/**
 * The operation's lease on `instance`, taken or renewed whatever the load: the operation already
 * runs there (a later delivery follows it again), so its slot is counted, not decided.
 */
export async function pinLease(db: D1Database, request: Omit<LeaseRequest, 'now'>, instance: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO processor_leases (operation_id, job_id, instance, expires_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (operation_id) DO UPDATE SET instance = excluded.instance, expires_at = excluded.expires_at`,
    )
    .bind(request.operationId, request.jobId, instance, request.expiresAt)
    .run();
}

export async function releaseLease(db: D1Database, operationId: string): Promise<void> {
  await db.prepare('DELETE FROM processor_leases WHERE operation_id = ?1').bind(operationId).run();
}

/** Every lease of a job (it ended: whatever it still held is free). */
export async function releaseJobLeases(db: D1Database, jobId: string): Promise<void> {
  await db.prepare('DELETE FROM processor_leases WHERE job_id = ?1').bind(jobId).run();
}

/** Live leases per instance (instances without one are absent). */
export async function instanceLoads(db: D1Database, now: number): Promise<Record<string, number>> {
  const { results } = await db
    .prepare('SELECT instance, count(*) AS load FROM processor_leases WHERE expires_at > ?1 GROUP BY instance')
    .bind(now)
    .all<{ instance: string; load: number }>();
  return Object.fromEntries(results.map((r) => [r.instance, r.load]));
}
