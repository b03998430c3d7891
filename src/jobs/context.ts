/** What a job handler gets: its verified scope, its parsed input, and ways to report progress. */
import type { Bindings } from '../core/env.ts';
import { Timings } from '../core/timings.ts';
import { type JobRow, addOutputKeys, isCancelRequested, setProgress } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { JobCancelledError } from './errors.ts';
import { announceJob } from './job-events.ts';
import type { JobInput, JobType } from './job-types.ts';

/** What a handler of jobs whose input is `I` gets. */
export interface JobContextOf<I> {
  env: Bindings;
  scope: ProfileScope;
  job: JobRow;
  input: I;
  /** 1-based attempt: failed deliveries so far + 1 (a handed-off job keeps its count). */
  attempt: number;
  /**
   * When this delivery stops following processor operations (ms since the epoch): an operation
   * still running then goes on, and the job is handed to the next delivery (job-processor.ts).
   */
  deadline: number;
  /** Where this delivery's time goes (logged by the consumer; see src/core/timings.ts). */
  timings: Timings;
  /**
   * Persists progress (0–100) and the current step, at most every 500 ms unless `force`, and tells
   * the job's watchers. Resolves at once: the write goes on beside the work (`progressSaved`).
   */
  progress(percent: number, step?: string, force?: boolean): Promise<void>;
  /** Resolves when the progress reported so far is written. */
  progressSaved(): Promise<void>;
  /** Throws JobCancelledError when the job was cancelled; call between steps. */
  throwIfCancelled(): Promise<void>;
  /** Records R2 keys this job produced, so deleting the job removes them. */
  recordOutputs(keys: string[]): Promise<void>;
}

export interface JobOutcome {
  result: Record<string, unknown>;
  outputKeys?: string[];
  /** Seconds of media processed, counted against the profile's daily processing minutes. */
  processingSeconds?: number;
  step?: string;
}

export type JobContext<T extends JobType> = JobContextOf<JobInput<T>>;

export interface JobHandlerOf<I> {
  run(ctx: JobContextOf<I>): Promise<JobOutcome>;
  /** Called when the job fails for good (after retries), to leave its resource in a clear state. */
  onFailure?(ctx: Omit<JobContextOf<I>, 'progress'>, code: string, message: string): Promise<void>;
  /** Called when the job ends cancelled (before or while running), to release its resource. */
  onCancelled?(ctx: Omit<JobContextOf<I>, 'progress'>): Promise<void>;
}

export type JobHandler<T extends JobType> = JobHandlerOf<JobInput<T>>;

export function createJobContext<I>(
  env: Bindings,
  scope: ProfileScope,
  job: JobRow,
  input: I,
  attempt: number,
  /** Hooks (onFailure, onCancelled) follow no operation: they get no time for it. */
  deadline = Date.now(),
  timings = new Timings(),
): JobContextOf<I> {
  let lastWrite = 0;
  // Progress is written beside the work, never in its way: one write in flight at a time, and
  // while it runs only the latest report waits (a write after the job ended changes nothing:
  // setProgress only touches running jobs).
  let writing: Promise<void> | null = null;
  let next: { percent: number; step?: string } | null = null;
  async function drain() {
    while (next) {
      const { percent, step } = next;
      next = null;
      try {
        const row = await setProgress(scope, job.id, percent, step);
        await timings.timed('announce', () => announceJob(env, scope, row));
      } catch (err) {
        console.error(
          JSON.stringify({ level: 'error', msg: 'progress not saved', job_id: job.id, error: String(err) }),
        );
      }
    }
    writing = null;
  }
  return {
    env,
    scope,
    job,
    input,
    attempt,
    deadline,
    timings,
    async progress(percent, step, force = false) {
      const now = Date.now();
      if (!force && now - lastWrite < 500) return;
      lastWrite = now;
      next = { percent, step: step ?? next?.step };
      writing ??= drain();
    },
    async progressSaved() {
      await writing;
    },
    async throwIfCancelled() {
      if (await isCancelRequested(scope, job.id)) throw new JobCancelledError();
    },
    async recordOutputs(keys) {
      await addOutputKeys(scope, job.id, keys);
    },
  };
}
