/** Worker entry: wires HTTP, the queue consumers, the cron and the Container class. Nothing else. */
import { createApp } from './app.ts';
import type { Bindings } from './core/env.ts';
import { handleDeadLetterBatch, handleJobsBatch } from './jobs/consumer.ts';
import { runHousekeeping } from './housekeeping/run.ts';

export { MediaProcessor } from './processor/container.ts';

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue.endsWith('-dlq')) await handleDeadLetterBatch(batch, env);
    else await handleJobsBatch(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runHousekeeping(env));
  },
} satisfies ExportedHandler<Bindings>;
