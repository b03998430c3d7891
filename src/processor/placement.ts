/**
 * Where a processor operation runs: the least loaded container instance that has room, never more
 * than PROCESSOR_OPS_PER_INSTANCE operations on one instance nor more than PROCESSOR_MAX_INSTANCES
 * instances (wrangler.toml's `max_instances`). The decision is a lease in D1 (processor_leases):
 * freed when the operation ends or fails, when its job ends, or when nobody renewed it for
 * PROCESSOR_LEASE_GRACE_SECONDS past the delivery that took it (that delivery died).
 * Locally the same decisions are made and recorded; the dev processor is one process, so every
 * instance name reaches it.
 */
import { PROCESSOR_LEASE_GRACE_SECONDS, PROCESSOR_MAX_INSTANCES, PROCESSOR_OPS_PER_INSTANCE } from '../core/limits.ts';
import {
  type PlacementBounds,
  acquireLease,
  pinLease,
  releaseJobLeases,
  releaseLease,
} from '../db/repos/processor-leases.ts';

export const PLACEMENT_BOUNDS: PlacementBounds = {
  maxInstances: PROCESSOR_MAX_INSTANCES,
  perInstance: PROCESSOR_OPS_PER_INSTANCE,
};

export interface PlacedOperation {
  operationId: string;
  jobId: string;
  /** Until when the caller follows the operation (its delivery's deadline, ms since the epoch). */
  followUntil: number;
}

function leaseUntil(followUntil: number, now: number): number {
  return Math.max(followUntil, now) + PROCESSOR_LEASE_GRACE_SECONDS * 1000;
}

/** The instance to start the operation on, or null when every instance is full (ask again later). */
export function placeOperation(
  db: D1Database,
  op: PlacedOperation,
  now = Date.now(),
  bounds = PLACEMENT_BOUNDS,
): Promise<string | null> {
  return acquireLease(
    db,
    { operationId: op.operationId, jobId: op.jobId, expiresAt: leaseUntil(op.followUntil, now), now },
    bounds,
  );
}

/** The operation goes on running on `instance` and is followed again: its lease is renewed there. */
export function keepPlacement(db: D1Database, op: PlacedOperation, instance: string, now = Date.now()) {
  return pinLease(
    db,
    { operationId: op.operationId, jobId: op.jobId, expiresAt: leaseUntil(op.followUntil, now) },
    instance,
  );
}

/** The operation ended (result, failure, cancellation): its slot is free. */
export function releasePlacement(db: D1Database, operationId: string) {
  return releaseLease(db, operationId);
}

/** The job ended: every slot it held is free. */
export function releaseJobPlacements(db: D1Database, jobId: string) {
  return releaseJobLeases(db, jobId);
}
