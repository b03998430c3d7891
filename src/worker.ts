/**
 * The Worker's handlers for a given set of job types: HTTP (the app), the queue consumers (jobs,
 * housekeeping and webhook messages) and the cron. src/index.ts wires it with the production job types; the tests' worker adds its own.
 */
import { createApp } from './app.ts';
import type { Bindings } from './core/env.ts';
import { runHousekeeping } from './housekeeping/run.ts';
import { type JobConsumer, createJobConsumer } from './jobs/consumer.ts';
import type { JobRegistry } from './jobs/registry.ts';
import { renderEventData } from './routes/webhooks/events.ts';
import { isDevStorageRequest, serveDevStorageRoute } from './storage/processor-gateway.ts';
import { webhookTasks } from './webhooks/tasks.ts';

function isStudioPageRequest(request: Request): boolean {
  return (
    request.method === 'GET' &&
    new URL(request.url).pathname === '/' &&
    /\btext\/html\b/i.test(request.headers.get('Accept') ?? '')
  );
}

/**
 * URLs in responses (signed media, upload steps) name the Worker's public origin: PUBLIC_URL when
 * the deployment sets it, else the origin this request came in on (a workers.dev or custom domain
 * deployment works without the setting).
 */
function withPublicUrl(env: Bindings, request: Request): Bindings {
  return env.PUBLIC_URL ? env : { ...env, PUBLIC_URL: new URL(request.url).origin };
}

/** The every-minute cron of wrangler.toml: the stranded-job sweep. Any other is the hourly housekeeping. */
export const STRANDED_SWEEP_CRON = '* * * * *';

/**
 * Two sweeps a minute, 30 s apart (a cron fires at most once a minute): a job that lost its
 * message is sent one within STRANDED_GRACE_SECONDS + 30 s of its creation.
 */
async function sweepStrandedTwice(consumer: JobConsumer, env: Bindings): Promise<void> {
  await consumer.sweepStrandedJobs(env);
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  await consumer.sweepStrandedJobs(env);
}

export function createWorker(jobs: JobRegistry) {
  const app = createApp({ jobs });
  // Webhook events carry their resource as the API presents it: the routes' presenters render it.
  const consumer = createJobConsumer(jobs, { webhooks: webhookTasks(renderEventData) });
  return {
    fetch(request, env, ctx) {
      // A local processor (PROCESSOR_URL) reaches its storage host here; in production the
      // Container's outbound handler answers it and this path does not exist.
      if (env.PROCESSOR_URL && isDevStorageRequest(request)) return serveDevStorageRoute(request, env);
      // `/` reaches the Worker first (wrangler.toml run_worker_first): a browser gets the studio's
      // page from the static assets, an API client the app's service info.
      if (env.ASSETS && isStudioPageRequest(request)) return env.ASSETS.fetch(request);
      return app.fetch(request, withPublicUrl(env, request), ctx);
    },
    async queue(batch, env) {
      if (batch.queue.endsWith('-dlq')) await consumer.handleDeadLetterBatch(batch, env);
      else await consumer.handleJobsBatch(batch, env);
    },
    async scheduled(controller, env, ctx) {
      if (controller.cron === STRANDED_SWEEP_CRON) ctx.waitUntil(sweepStrandedTwice(consumer, env));
      else ctx.waitUntil(runHousekeeping(env));
    },
  } satisfies ExportedHandler<Bindings>;
}
