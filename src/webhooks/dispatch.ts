/**
 * Fan-out: a profile's recorded events become one delivery per subscribed, enabled endpoint, and
 * one `deliver` message each. The event's body is rendered here, once, and stored with the event,
 * so every attempt and every replay of it sends the same bytes:
 * `{ id, type, created_at, profile_id, data }`, where `data` is the resource as the API returns it
 * (rendered by the resource's presenter, handed in by the Worker's wiring, src/worker.ts).
 * An event whose resource is gone by now (deleted moments after) is marked dispatched and dropped.
 */
import type { Bindings } from '../core/env.ts';
import { newId } from '../core/ids.ts';
import { MAX_WEBHOOK_ENDPOINTS_PER_PROFILE, WEBHOOK_EVENTS_PER_DISPATCH } from '../core/limits.ts';
import { createDb } from '../db/client.ts';
import { EVENT_SUBJECTS, type EventSubject } from '../db/repos/webhook-events.ts';
import { dispatchEvent, subscribedEndpoints, undispatchedEvents, verifyDispatchMessage } from '../db/repos/webhooks.ts';
import type { ProfileScope } from '../db/scope.ts';
import { sendDeliveries, sendDispatch } from './messages.ts';

/** The API shape of a resource (`data` of an event), or null when it no longer exists. */
export type EventDataRenderer = (
  env: Bindings,
  scope: ProfileScope,
  subject: EventSubject,
  id: string,
) => Promise<Record<string, unknown> | null>;

export async function dispatchProfileEvents(env: Bindings, profileId: string, render: EventDataRenderer) {
  const scope = await verifyDispatchMessage(createDb(env.DB), profileId);
  if (!scope) return;
  const events = await undispatchedEvents(scope, WEBHOOK_EVENTS_PER_DISPATCH + 1);
  for (const event of events.slice(0, WEBHOOK_EVENTS_PER_DISPATCH)) {
    const endpoints = await subscribedEndpoints(scope, event.type, MAX_WEBHOOK_ENDPOINTS_PER_PROFILE);
    const data = endpoints.length ? await render(env, scope, EVENT_SUBJECTS[event.type], event.resourceId) : null;
    const payload = data
      ? JSON.stringify({
          id: event.id,
          type: event.type,
          created_at: event.createdAt,
          profile_id: scope.profileId,
          data,
        })
      : null;
    const deliveries = payload ? endpoints.map((e) => ({ id: newId('webhookDelivery'), endpointId: e.id })) : [];
    const created = await dispatchEvent(scope, event.id, payload, deliveries);
    await sendDeliveries(
      env.JOBS,
      scope.profileId,
      created.map((d) => d.id),
    );
  }
  if (events.length > WEBHOOK_EVENTS_PER_DISPATCH) await sendDispatch(env.JOBS, scope.profileId);
}
