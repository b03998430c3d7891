/**
 * /api/v1/webhooks/{webhook_id}/deliveries: an endpoint's delivery log (status, attempts, last
 * response code and latency), one delivery, and replay: the same event (same id and body, freshly
 * signed) sent again to the endpoint as a new delivery.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../../core/errors.ts';
import { idSchema, newId } from '../../core/ids.ts';
import { pageQuery } from '../../db/pagination.ts';
import { insertReplay, listDeliveries } from '../../db/repos/webhooks.ts';
import { webhookDeliveryStatuses } from '../../db/schema.ts';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { ownedWebhookDelivery, ownedWebhookEndpoint } from '../../http/owned.ts';
import { idParam } from '../../http/route-paths.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { sendDeliveries } from '../../webhooks/messages.ts';
import { WebhookDeliveryResponse, WebhookIdParam, tags, toDeliveryResponse } from './presenter.ts';

const DeliveryParams = WebhookIdParam.extend(idParam('delivery_id', 'webhookDelivery').shape);

const ListQuery = pageQuery.extend({
  status: z.enum(webhookDeliveryStatuses).optional(),
  event_id: idSchema('webhookEvent', 'must be an event id (evt_…)').optional().openapi({
    description: 'Only the deliveries of this event (its `id` in the delivered body).',
  }),
});

export function webhookDeliveryRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listWebhookDeliveries',
        path: '/{webhook_id}/deliveries',
        tags,
        security,
        summary: "An endpoint's delivery log",
        description: 'Newest first, kept 30 days. `next_cursor` (also in `X-Next-Cursor`) fetches the next page.',
        request: { params: WebhookIdParam, query: ListQuery },
        responses: {
          200: jsonContent(
            z.object({ deliveries: z.array(WebhookDeliveryResponse), next_cursor: z.string().nullable() }),
            'Deliveries',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const endpoint = await ownedWebhookEndpoint(scope, c.req.valid('param').webhook_id);
        const query = c.req.valid('query');
        const page = await listDeliveries(scope, endpoint.id, query, query);
        setNextPage(c, page.nextCursor, query.limit);
        return c.json({ deliveries: page.items.map(toDeliveryResponse), next_cursor: page.nextCursor }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getWebhookDelivery',
        path: '/{webhook_id}/deliveries/{delivery_id}',
        tags,
        security,
        summary: 'Get one delivery',
        request: { params: DeliveryParams },
        responses: { 200: jsonContent(WebhookDeliveryResponse, 'Delivery'), ...errorResponses },
      }),
      async (c) => {
        const { webhook_id, delivery_id } = c.req.valid('param');
        return c.json(toDeliveryResponse(await ownedWebhookDelivery(c.get('scope'), webhook_id, delivery_id)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'replayWebhookDelivery',
        path: '/{webhook_id}/deliveries/{delivery_id}/replay',
        tags,
        security,
        summary: 'Send a delivered (or failed) event again',
        description:
          'A new delivery of the same event (same `id` and body, a fresh signature) to this endpoint, attempted at once and retried like any other. The endpoint must be enabled.',
        request: { params: DeliveryParams },
        responses: {
          202: jsonContent(WebhookDeliveryResponse, 'The new delivery, queued'),
          ...errorResponses,
          ...conflictResponse,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { webhook_id, delivery_id } = c.req.valid('param');
        const endpoint = await ownedWebhookEndpoint(scope, webhook_id);
        const original = await ownedWebhookDelivery(scope, endpoint.id, delivery_id);
        if (!endpoint.enabled) throw new ApiError(409, 'conflict', 'The endpoint is disabled; enable it to replay');
        const replay = await insertReplay(scope, original, newId('webhookDelivery'));
        // Recorded either way: if the message cannot go now, the hourly sweep sends it.
        await sendDeliveries(c.env.JOBS, scope.profileId, [replay.id]).catch((err: unknown) =>
          console.error(JSON.stringify({ level: 'error', msg: 'replay message not sent', error: String(err) })),
        );
        return c.json(toDeliveryResponse({ ...replay, eventType: original.eventType }), 202);
      },
    );
}
