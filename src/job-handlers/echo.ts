/** `echo`: exercises the queue machinery end to end (progress, retry, failure) without media. */
import type { JobHandler } from '../jobs/context.ts';
import { PermanentJobError, TransientJobError } from '../jobs/errors.ts';

export const echoHandler: JobHandler<'echo'> = {
  async run(ctx) {
    await ctx.progress(50, 'Echoing', true);
    await ctx.throwIfCancelled();
    if (ctx.input.fail_with === 'permanent') throw new PermanentJobError('echo_failed', 'Asked to fail');
    if (ctx.input.fail_with === 'transient') throw new TransientJobError('echo_unavailable', 'Asked to fail transiently', 1);
    return { result: { message: ctx.input.message } };
  },
};
