/**
 * Processor operations a job started while it is not finished: a running one is what the next
 * delivery follows again (on the same instance), what cancelling or failing the job cancels, and
 * how a lost container is noticed (recorded here, unknown to the processor); a succeeded one is a
 * result the next delivery may take back instead of redoing the step.
 */
import { asc, eq } from 'drizzle-orm';
import { processorOperations } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';

export type ProcessorOperationRow = typeof processorOperations.$inferSelect;

/** Records an operation the processor accepted as running (again, when its id was recorded before). */
export async function recordProcessorOperation(
  scope: ProfileScope,
  row: Omit<ProcessorOperationRow, 'profileId' | 'state'>,
): Promise<void> {
  await scope.db
    .insert(processorOperations)
    .values(stamped(scope, { ...row, state: 'running' as const }))
    .onConflictDoUpdate({
      target: processorOperations.id,
      set: { state: 'running', instance: row.instance, startedAt: row.startedAt },
      where: eq(processorOperations.profileId, scope.profileId),
    });
}

export async function markProcessorOperationSucceeded(scope: ProfileScope, jobId: string, id: string) {
  await scope.db
    .update(processorOperations)
    .set({ state: 'succeeded' })
    .where(owned(processorOperations, scope, eq(processorOperations.jobId, jobId), eq(processorOperations.id, id)));
}

export async function forgetProcessorOperation(scope: ProfileScope, jobId: string, id: string): Promise<void> {
  await scope.db
    .delete(processorOperations)
    .where(owned(processorOperations, scope, eq(processorOperations.jobId, jobId), eq(processorOperations.id, id)));
}

/** Forgets every operation of the job (it ended). */
export async function forgetJobProcessorOperations(scope: ProfileScope, jobId: string): Promise<void> {
  await scope.db
    .delete(processorOperations)
    .where(owned(processorOperations, scope, eq(processorOperations.jobId, jobId)));
}

export function findProcessorOperation(
  scope: ProfileScope,
  jobId: string,
  id: string,
): Promise<ProcessorOperationRow | undefined> {
  return scope.db.query.processorOperations.findFirst({
    where: owned(processorOperations, scope, eq(processorOperations.jobId, jobId), eq(processorOperations.id, id)),
  });
}

export function listProcessorOperations(scope: ProfileScope, jobId: string): Promise<ProcessorOperationRow[]> {
  return scope.db.query.processorOperations.findMany({
    where: owned(processorOperations, scope, eq(processorOperations.jobId, jobId)),
    orderBy: asc(processorOperations.startedAt),
  });
}
