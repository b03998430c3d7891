/**
 * Right after a state change that recorded webhook events (repos/webhook-events.ts counts them on
 * the scope), one `dispatch` message tells the dispatcher. Called where scopes end their work: after
 * each request of the tenant router (src/http/auth.ts), after each job message (src/jobs/consumer.ts)
 * and after the cron's work in a profile. If the message cannot be sent, the events stay in the
 * outbox and the hourly cron sends it (src/webhooks/sweep.ts): late, never lost.
 */
import type { Bindings } from '../core/env.ts';
import type { ProfileScope } from '../db/scope.ts';
import { sendDispatch } from './messages.ts';

export async function announceEvents(env: Bindings, scope: ProfileScope): Promise<void> {
  if (!scope.outbox.recorded) return;
  scope.outbox.recorded = 0;
  try {
    await sendDispatch(env.JOBS, scope.profileId);
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'webhook dispatch message not sent; the cron will send it',
        profile_id: scope.profileId,
        error: String(err),
      }),
    );
  }
}
