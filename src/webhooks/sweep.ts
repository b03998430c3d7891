/**
 * The hourly safety net (src/housekeeping/run.ts): events still in the outbox and deliveries still
 * due well after they should have moved lost their queue message (a failed send, an isolate that
 * died between commit and send); they get a fresh one. And events (with their delivery logs) past
 * the retention period are removed. Sending twice is harmless: fan-out and attempts are idempotent.
 */
import type { Bindings } from '../core/env.ts';
import { WEBHOOK_LOG_RETENTION_SECONDS, WEBHOOK_STALLED_SECONDS } from '../core/limits.ts';
import { createDb } from '../db/client.ts';
import { deleteEventsBefore, profilesWithStalledEvents, stalledDeliveries } from '../db/repos/webhooks.ts';
import { sendDeliveries, sendDispatch } from './messages.ts';

const SWEEP_LIMIT = 1000;
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

export async function sweepWebhooks(env: Bindings): Promise<{ dispatched: number; resent: number; removed: number }> {
  const db = createDb(env.DB);
  const stalledBefore = ago(WEBHOOK_STALLED_SECONDS);
  const profiles = await profilesWithStalledEvents(db, stalledBefore, SWEEP_LIMIT);
  for (const profileId of profiles) await sendDispatch(env.JOBS, profileId);

  const byProfile = new Map<string, string[]>();
  const due = await stalledDeliveries(db, stalledBefore, SWEEP_LIMIT);
  for (const d of due) byProfile.set(d.profileId, [...(byProfile.get(d.profileId) ?? []), d.id]);
  for (const [profileId, ids] of byProfile) await sendDeliveries(env.JOBS, profileId, ids);

  const removed = await deleteEventsBefore(db, ago(WEBHOOK_LOG_RETENTION_SECONDS), SWEEP_LIMIT);
  return { dispatched: profiles.length, resent: due.length, removed };
}
