/**
 * Processor operations a job started and has not seen end: what the next delivery follows again
 * (on the same instance), what cancelling or failing the job cancels, and how a lost container is
 * noticed (an operation recorded here that the processor no longer knows).
 */
import { asc, eq } from 'drizzle-orm';
import { processorOperations } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';

export type ProcessorOperationRow = typeof processorOperations.$inferSelect;

/** Records an operation the processor accepted (a second record of the same id changes nothing). */
export async function recordProcessorOperation(
  scope: ProfileScope,
  row: Omit<ProcessorOperationRow, 'profileId'>,
): Promise<void> {
  await scope.db.insert(processorOperations).values(stamped(scope, row)).onConflictDoNothing();
}

export async function forgetProcessorOperation(scope: ProfileScope, jobId: string, id: string): Promise<void> {
  await scope.db
    .delete(processorOperations)
    .where(owned(processorOperations, scope, eq(processorOperations.jobId, jobId), eq(processorOperations.id, id)));
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
