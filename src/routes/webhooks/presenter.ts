/**
 * The API shapes of a webhook endpoint (its signing secret only when it is made: at creation and at
 * rotation) and of a delivery in its log.
 */
import { z } from '@hono/zod-openapi';
import type { DeliveryWithEvent, WebhookEndpointRow } from '../../db/repos/webhooks.ts';
import { webhookDeliveryStatuses, webhookEventTypes } from '../../db/schema.ts';
import { idParam } from '../../http/route-paths.ts';

export const tags = ['Webhooks'];

export const WebhookIdParam = idParam('webhook_id', 'webhook');

export const EventTypeSchema = z.enum(webhookEventTypes).openapi('WebhookEventType');

export const WebhookEndpointResponse = z
  .object({
    id: z.string().openapi({ example: 'whk_01jd2v4m8r0000000000000000' }),
    url: z.string().openapi({ example: 'https://hooks.example.com/cutroom' }),
    description: z.string().nullable(),
    event_types: z
      .array(z.union([EventTypeSchema, z.literal('*')]))
      .openapi({ description: 'Event types delivered to this endpoint; `["*"]` is every type, present and future.' }),
    enabled: z.boolean(),
    previous_secret_expires_at: z.string().nullable().openapi({
      description: 'After a rotation: until when deliveries are also signed with the previous secret.',
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');

export const WebhookEndpointWithSecret = WebhookEndpointResponse.extend({
  secret: z.string().openapi({
    description: 'The signing secret. Shown only in this response: store it now (docs/webhooks.md).',
    example: 'whsec_9Yq3…',
  }),
}).openapi('WebhookEndpointWithSecret');

export function toEndpointResponse(row: WebhookEndpointRow): z.infer<typeof WebhookEndpointResponse> {
  const overlapping = row.previousSecretExpiresAt && Date.parse(row.previousSecretExpiresAt) > Date.now();
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.eventTypes as z.infer<typeof WebhookEndpointResponse>['event_types'],
    enabled: row.enabled,
    previous_secret_expires_at: overlapping ? row.previousSecretExpiresAt : null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export const WebhookDeliveryResponse = z
  .object({
    id: z.string().openapi({ example: 'whd_01jd2v4m8r0000000000000000' }),
    webhook_id: z.string(),
    event_id: z.string().openapi({ example: 'evt_01jd2v4m8r0000000000000000' }),
    event_type: EventTypeSchema,
    replay_of: z.string().nullable().openapi({ description: 'The delivery this one replays.' }),
    status: z.enum(webhookDeliveryStatuses).openapi({
      description:
        'pending → delivering → succeeded | retrying (→ delivering …) | failed. Retried with backoff for at least 24 h.',
    }),
    attempts: z.number().int(),
    next_attempt_at: z
      .string()
      .nullable()
      .openapi({ description: 'When the next attempt is due (pending, retrying).' }),
    last_status_code: z.number().int().nullable().openapi({ description: "The endpoint's HTTP status, last attempt." }),
    last_error: z.string().nullable(),
    last_latency_ms: z.number().int().nullable().openapi({ description: 'Time to the answer, last attempt.' }),
    last_response_excerpt: z.string().nullable().openapi({ description: "The start of the endpoint's last answer." }),
    first_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('WebhookDelivery');

export function toDeliveryResponse(row: DeliveryWithEvent): z.infer<typeof WebhookDeliveryResponse> {
  const waiting = row.status === 'pending' || row.status === 'retrying';
  return {
    id: row.id,
    webhook_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.eventType,
    replay_of: row.replayOf,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: waiting ? row.nextAttemptAt : null,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    last_latency_ms: row.lastLatencyMs,
    last_response_excerpt: row.lastResponseExcerpt,
    first_attempt_at: row.firstAttemptAt,
    last_attempt_at: row.lastAttemptAt,
    finished_at: row.finishedAt,
    created_at: row.createdAt,
  };
}
