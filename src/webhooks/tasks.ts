/** What the queue consumer runs for a `webhook` message (src/jobs/consumer.ts hands them here). */
import type { Bindings } from '../core/env.ts';
import { deliverOnce } from './deliver.ts';
import { type EventDataRenderer, dispatchProfileEvents } from './dispatch.ts';
import type { WebhookMessage } from './messages.ts';

export type WebhookTaskRunner = (env: Bindings, message: WebhookMessage) => Promise<{ retryAfter?: number }>;

export function webhookTasks(render: EventDataRenderer): WebhookTaskRunner {
  return async (env, message) => {
    if (message.task === 'deliver') return deliverOnce(env, message);
    await dispatchProfileEvents(env, message.profile_id, render);
    return {};
  };
}
