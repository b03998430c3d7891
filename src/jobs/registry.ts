/**
 * The job types a consumer runs: for each, the schema its stored input is re-parsed with and its
 * handler. The production registry is built from every handler in src/job-handlers/index.ts and
 * wired in src/index.ts; the tests' worker adds its own self-test type to it.
 */
import type { z } from 'zod';
import type { JobRow } from '../db/repos/jobs.ts';
import type { JobHandler, JobHandlerOf } from './context.ts';
import { type JobType, jobInputSchemas, jobTypes } from './job-types.ts';

export interface RegisteredJob<I extends Record<string, unknown>> {
  input: z.ZodType<I>;
  handler: JobHandlerOf<I>;
}

export type JobRegistry = Readonly<Record<string, RegisteredJob<Record<string, unknown>>>>;

/** Every job type of job-types.ts with its handler. */
export function jobRegistry(handlers: { readonly [T in JobType]: JobHandler<T> }): JobRegistry {
  return Object.fromEntries(
    jobTypes.map((type) => [type, { input: jobInputSchemas[type], handler: handlers[type] }]),
  ) as JobRegistry;
}

/** The handler of a stored job with its re-parsed input; null when the registry cannot run it. */
export function registeredRun(
  jobs: JobRegistry,
  job: JobRow,
): { handler: JobHandlerOf<Record<string, unknown>>; input: Record<string, unknown> } | null {
  const registered = Object.hasOwn(jobs, job.type) ? jobs[job.type] : undefined;
  const input = registered?.input.safeParse(job.input);
  if (!registered || !input?.success) return null;
  return { handler: registered.handler, input: input.data };
}
