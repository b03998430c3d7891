/**
 * The webhook queue messages (kind `webhook`, on the jobs queue). Like job messages they carry ids
 * only: the event's body lives in D1, so a message stays far below the 128 KB limit whatever the
 * event holds.
 * - `dispatch`: fan the profile's recorded events out into deliveries;
 * - `deliver`: make one attempt of one delivery.
 */
import { z } from 'zod';
import { idSchema } from '../core/ids.ts';

export const webhookMessage = z.discriminatedUnion('task', [
  z.object({ kind: z.literal('webhook'), task: z.literal('dispatch'), profile_id: idSchema('profile') }),
  z.object({
    kind: z.literal('webhook'),
    task: z.literal('deliver'),
    profile_id: idSchema('profile'),
    delivery_id: idSchema('webhookDelivery'),
  }),
]);
export type WebhookMessage = z.infer<typeof webhookMessage>;

/** The largest number of messages one `sendBatch` takes. */
const SEND_BATCH_MAX = 100;

/** Sends `deliver` messages for deliveries of one profile, `delaySeconds` from now. */
export async function sendDeliveries(
  queue: Queue,
  profileId: string,
  deliveryIds: readonly string[],
  delaySeconds = 0,
): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += SEND_BATCH_MAX) {
    await queue.sendBatch(
      deliveryIds.slice(i, i + SEND_BATCH_MAX).map((id) => ({
        body: { kind: 'webhook', task: 'deliver', profile_id: profileId, delivery_id: id } satisfies WebhookMessage,
        contentType: 'json' as const,
        ...(delaySeconds > 0 ? { delaySeconds } : {}),
      })),
    );
  }
}

export async function sendDispatch(queue: Queue, profileId: string): Promise<void> {
  const message: WebhookMessage = { kind: 'webhook', task: 'dispatch', profile_id: profileId };
  await queue.send(message, { contentType: 'json' });
}
