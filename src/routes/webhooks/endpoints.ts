/**
 * /api/v1/webhooks: the profile's webhook endpoints (docs/webhooks.md). Create (the signing secret
 * is in that response only), list, get, update (URL, event types, enabled, description), delete,
 * and rotate the secret with an overlap during which deliveries carry both signatures. URLs are
 * checked when saved (and again before every attempt): https, public hosts only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import {
  MAX_WEBHOOK_ENDPOINTS_PER_PROFILE,
  MAX_WEBHOOK_SECRET_OVERLAP_SECONDS,
  WEBHOOK_SECRET_OVERLAP_SECONDS,
} from '../../core/limits.ts';
import { DnsUnavailableError, OutboundUrlError, checkOutboundTarget, outboundPolicy } from '../../core/outbound-url.ts';
import type { Bindings } from '../../core/env.ts';
import {
  deleteEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from '../../db/repos/webhooks.ts';
import { conflictResponse, errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { ownedWebhookEndpoint } from '../../http/owned.ts';
import { createTenantRouter } from '../../http/router.ts';
import { newSigningSecret, sealSigningSecret } from '../../webhooks/secrets.ts';
import {
  EventTypeSchema,
  WebhookEndpointResponse,
  WebhookEndpointWithSecret,
  WebhookIdParam,
  tags,
  toEndpointResponse,
} from './presenter.ts';

const eventTypes = z
  .array(z.union([EventTypeSchema, z.literal('*')]))
  .min(1)
  .max(20)
  .refine((types) => new Set(types).size === types.length, 'must not repeat a type')
  .openapi({ description: 'Event types to deliver; `["*"]` for every type (present and future).' });

const url = z.string().trim().min(1).max(2048).openapi({
  description: 'https URL of a public host (docs/webhooks.md#endpoint-urls).',
  example: 'https://hooks.example.com/cutroom',
});

const description = z.string().trim().max(500).nullable();

const EndpointCreate = z
  .object({ url, event_types: eventTypes, description: description.optional(), enabled: z.boolean().default(true) })
  .strict()
  .openapi('WebhookEndpointCreate');

const EndpointUpdate = z
  .object({ url, event_types: eventTypes, description, enabled: z.boolean() })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .openapi('WebhookEndpointUpdate');

const RotateBody = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_WEBHOOK_SECRET_OVERLAP_SECONDS)
      .default(WEBHOOK_SECRET_OVERLAP_SECONDS)
      .openapi({
        description: `How long the old secret keeps signing deliveries next to the new one (default ${WEBHOOK_SECRET_OVERLAP_SECONDS} s; 0 retires it now).`,
      }),
  })
  .strict()
  .openapi('WebhookSecretRotation');

/** The URL as it will be stored, or a 400 saying why not (503 when DNS cannot tell right now). */
async function acceptedUrl(env: Bindings, raw: string): Promise<string> {
  try {
    return (await checkOutboundTarget(raw, outboundPolicy(env))).href;
  } catch (err) {
    if (err instanceof OutboundUrlError) {
      const message = `url ${err.message}`;
      throw new ApiError(400, 'validation_failed', message, { details: [{ path: 'url', message }] });
    }
    if (err instanceof DnsUnavailableError)
      throw new ApiError(503, 'unavailable', `The endpoint URL could not be checked now (${err.message}); try again`);
    throw err;
  }
}

export function webhookEndpointRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'listWebhookEndpoints',
        path: '/',
        tags,
        security,
        summary: "List this profile's webhook endpoints",
        description: `Oldest first; a profile has at most ${MAX_WEBHOOK_ENDPOINTS_PER_PROFILE}.`,
        responses: {
          200: jsonContent(z.object({ webhooks: z.array(WebhookEndpointResponse) }), 'Endpoints'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const rows = await listEndpoints(c.get('scope'), MAX_WEBHOOK_ENDPOINTS_PER_PROFILE);
        return c.json({ webhooks: rows.map(toEndpointResponse) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'createWebhookEndpoint',
        path: '/',
        tags,
        security,
        summary: 'Register a webhook endpoint',
        description:
          'Events of the chosen types in this profile are POSTed to `url`, signed with the secret returned here (only here: store it). See docs/webhooks.md.',
        request: { body: jsonBody(EndpointCreate) },
        responses: {
          201: jsonContent(WebhookEndpointWithSecret, 'Created; `secret` is shown only now'),
          ...errorResponses,
          ...conflictResponse,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const body = c.req.valid('json');
        const secret = newSigningSecret();
        const row = await insertEndpoint(
          scope,
          {
            id: newId('webhook'),
            url: await acceptedUrl(c.env, body.url),
            description: body.description ?? null,
            eventTypes: body.event_types,
            enabled: body.enabled,
            secretSealed: await sealSigningSecret(c.env, scope.profileId, secret),
          },
          MAX_WEBHOOK_ENDPOINTS_PER_PROFILE,
        );
        if (!row)
          throw new ApiError(
            409,
            'conflict',
            `This profile already has ${MAX_WEBHOOK_ENDPOINTS_PER_PROFILE} webhook endpoints; delete one first`,
          );
        return c.json({ ...toEndpointResponse(row), secret }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getWebhookEndpoint',
        path: '/{webhook_id}',
        tags,
        security,
        summary: 'Get a webhook endpoint',
        request: { params: WebhookIdParam },
        responses: { 200: jsonContent(WebhookEndpointResponse, 'Endpoint'), ...errorResponses },
      }),
      async (c) =>
        c.json(toEndpointResponse(await ownedWebhookEndpoint(c.get('scope'), c.req.valid('param').webhook_id)), 200),
    )
    .openapi(
      createRoute({
        method: 'patch',
        operationId: 'updateWebhookEndpoint',
        path: '/{webhook_id}',
        tags,
        security,
        summary: 'Change a webhook endpoint',
        description:
          'URL, event types, description, or `enabled` (a disabled endpoint gets no new deliveries; due retries to it fail).',
        request: { params: WebhookIdParam, body: jsonBody(EndpointUpdate) },
        responses: { 200: jsonContent(WebhookEndpointResponse, 'Updated'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const existing = await ownedWebhookEndpoint(scope, c.req.valid('param').webhook_id);
        const body = c.req.valid('json');
        const row = await updateEndpoint(scope, existing.id, {
          ...(body.url !== undefined ? { url: await acceptedUrl(c.env, body.url) } : {}),
          ...(body.event_types !== undefined ? { eventTypes: body.event_types } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        });
        if (!row) throw notFound('Webhook endpoint');
        return c.json(toEndpointResponse(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deleteWebhookEndpoint',
        path: '/{webhook_id}',
        tags,
        security,
        summary: 'Delete a webhook endpoint and its delivery log',
        request: { params: WebhookIdParam },
        responses: {
          200: jsonContent(z.object({ status: z.literal('deleted'), webhook_id: z.string() }), 'Deleted'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const row = await deleteEndpoint(c.get('scope'), c.req.valid('param').webhook_id);
        if (!row) throw notFound('Webhook endpoint');
        return c.json({ status: 'deleted' as const, webhook_id: row.id }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        operationId: 'rotateWebhookSecret',
        path: '/{webhook_id}/rotate-secret',
        tags,
        security,
        summary: "Replace an endpoint's signing secret",
        description:
          'Returns the new secret (only here). Until `previous_secret_expires_at` every delivery carries a signature with each secret, so receivers can switch without missing one.',
        request: { params: WebhookIdParam, body: jsonBody(RotateBody) },
        responses: {
          200: jsonContent(WebhookEndpointWithSecret, 'Rotated; `secret` is shown only now'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = c.get('scope');
        const existing = await ownedWebhookEndpoint(scope, c.req.valid('param').webhook_id);
        const overlap = c.req.valid('json').overlap_seconds;
        const secret = newSigningSecret();
        const row = await rotateEndpointSecret(scope, existing.id, {
          sealed: await sealSigningSecret(c.env, scope.profileId, secret),
          previousSealed: overlap > 0 ? existing.secretSealed : null,
          previousExpiresAt: overlap > 0 ? new Date(Date.now() + overlap * 1000).toISOString() : null,
        });
        if (!row) throw notFound('Webhook endpoint');
        return c.json({ ...toEndpointResponse(row), secret }, 200);
      },
    );
}
