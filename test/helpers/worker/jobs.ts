/**
 * The job types the tests' worker runs: production's, plus `echo`, a self-test of the queue
 * machinery (progress, retry, failure, hand-off) that needs no media and exists only here. The queue tests
 * drive the same consumer the test worker is wired with (test-worker.ts).
 */
import { z } from 'zod';
import type { Bindings } from '../../../src/core/env.ts';
import type { JobRow } from '../../../src/db/repos/jobs.ts';
import type { ProfileScope } from '../../../src/db/scope.ts';
import { productionJobs } from '../../../src/job-handlers/index.ts';
import { createJobConsumer } from '../../../src/jobs/consumer.ts';
import type { JobHandlerOf } from '../../../src/jobs/context.ts';
import { OperationPendingError, PermanentJobError, TransientJobError } from '../../../src/jobs/errors.ts';
import type { JobInput, JobType } from '../../../src/jobs/job-types.ts';
import {
  type EnqueueOptions,
  enqueueJob as enqueueProductionJob,
  enqueueParsedJob,
} from '../../../src/jobs/producer.ts';
import type { JobRegistry } from '../../../src/jobs/registry.ts';

export { MAX_ATTEMPTS, MAX_WAIT_SECONDS, RUNNING_LEASE_SECONDS } from '../../../src/jobs/consumer.ts';

export const echoInput = z.object({
  message: z.string(),
  fail_with: z.enum(['transient', 'permanent']).optional(),
  /** Acts as a step still running at the end of each delivery, until the job was handed off this often. */
  hand_offs: z.number().int().min(0).max(10).optional(),
  /** After its progress step, waits until the test calls `openGate(job id)`. */
  gated: z.boolean().optional(),
  /** Each run of the handler stores an object under `echoRunsPrefix(job id)`, so a test can count them. */
  count_runs: z.boolean().optional(),
});
export type EchoInput = z.infer<typeof echoInput>;

/** Where a `count_runs` echo job leaves one object per run (outside every profile's prefix). */
export const echoRunsPrefix = (jobId: string) => `test/echo-runs/${jobId}/`;

const gates = new Map<string, { opened: Promise<void>; open: () => void }>();

function gate(jobId: string) {
  let entry = gates.get(jobId);
  if (!entry) {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    entry = { opened, open };
    gates.set(jobId, entry);
  }
  return entry;
}

/** Lets a `gated` echo job (run in this isolate, e.g. by `processJobMessage`) go past its progress step. */
export function openGate(jobId: string): void {
  gate(jobId).open();
}

export const echoHandler: JobHandlerOf<EchoInput> = {
  async run(ctx) {
    if (ctx.input.count_runs) await ctx.env.MEDIA.put(`${echoRunsPrefix(ctx.job.id)}${crypto.randomUUID()}`, '');
    await ctx.progress(50, 'Echoing', true);
    if (ctx.input.gated) await gate(ctx.job.id).opened;
    await ctx.throwIfCancelled();
    if (ctx.input.fail_with === 'permanent') throw new PermanentJobError('echo_failed', 'Asked to fail');
    if (ctx.input.fail_with === 'transient')
      throw new TransientJobError('echo_unavailable', 'Asked to fail transiently', 1);
    if (ctx.job.handoffs < (ctx.input.hand_offs ?? 0)) throw new OperationPendingError('echo');
    return { result: { message: ctx.input.message } };
  },
};

export const testJobs: JobRegistry = { ...productionJobs, echo: { input: echoInput, handler: echoHandler } };

export const { handleJobsBatch, handleDeadLetterBatch, processJobMessage, sweepStrandedJobs } =
  createJobConsumer(testJobs);

/** The producer's `enqueueJob`, which here also takes the tests' `echo` type. */
export function enqueueJob(
  scope: ProfileScope,
  env: Bindings,
  type: 'echo',
  input: EchoInput,
  options?: EnqueueOptions,
): Promise<JobRow>;
export function enqueueJob<T extends JobType>(
  scope: ProfileScope,
  env: Bindings,
  type: T,
  input: JobInput<T>,
  options?: EnqueueOptions,
): Promise<JobRow>;
export function enqueueJob(
  scope: ProfileScope,
  env: Bindings,
  type: string,
  input: unknown,
  options: EnqueueOptions = {},
): Promise<JobRow> {
  if (type === 'echo') return enqueueParsedJob(scope, env, type, echoInput.parse(input), options);
  return enqueueProductionJob(scope, env, type as JobType, input as never, options);
}
