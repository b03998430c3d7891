/** The cancel hook of a job, run when it ends cancelled: by the consumer, or by the cancel route. */
import type { Bindings } from '../core/env.ts';
import type { JobRow } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';
import { createJobContext } from './context.ts';
import { type JobRegistry, registeredRun } from './registry.ts';

/** Lets the handler release what a cancelled job held; a failing hook is logged, never thrown. */
export async function runCancelHook(jobs: JobRegistry, env: Bindings, scope: ProfileScope, job: JobRow): Promise<void> {
  const run = registeredRun(jobs, job);
  if (!run?.handler.onCancelled) return;
  try {
    await run.handler.onCancelled(createJobContext(env, scope, job, run.input, job.attempts));
  } catch (err) {
    console.error(
      JSON.stringify({ level: 'error', msg: 'onCancelled hook failed', job_id: job.id, error: String(err) }),
    );
  }
}
