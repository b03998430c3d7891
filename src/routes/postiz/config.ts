/**
 * /api/v1/postiz/config (docs/compatibility.md#routes-postiz, docs/compatibility.md#postiz-publish): the profile's Postiz connection. The key is sealed
 * at rest and tested before saving; without one the deployment's POSTIZ_API_URL/POSTIZ_API_KEY apply.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Bindings } from '../../core/env.ts';
import { ApiError } from '../../core/errors.ts';
import { SecretBoxError, sealSecret } from '../../core/secret-box.ts';
import { clearPostizMedia } from '../../db/repos/clips.ts';
import { clearPostizConfig, savePostizConfig } from '../../db/repos/profile-postiz.ts';
import type { ProfileScope } from '../../db/scope.ts';
import { errorResponses, jsonBody, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import {
  postizClientFor,
  resolvePostizConnection,
  testPostizConnection,
  validatePostizUrl,
} from '../../publishing/postiz-connection.ts';
import { ConfigResponse, callingPostiz, tags, toConfigResponse, unprocessable } from './presenter.ts';

const ConfigUpdate = z
  .object({
    api_url: z.string().trim().min(1).max(2048).openapi({
      description:
        'Postiz public API base: `https://api.postiz.com/public/v1`, a self-hosted `https://host/api/public/v1`, or a bare host.',
      example: 'https://api.postiz.com/public/v1',
    }),
    api_key: z.string().trim().min(1).max(512).openapi({
      description: 'Organisation API key (Settings → Developers → Public API). Stored encrypted, never returned.',
    }),
    integration_ids: z.array(z.string().min(1).max(200)).max(50).optional(),
  })
  .strict()
  .openapi('PostizConfigUpdate');

async function sealKey(env: Bindings, scope: ProfileScope, key: string): Promise<string> {
  try {
    return await sealSecret(env.ENCRYPTION_KEY, scope.profileId, key);
  } catch (err) {
    if (err instanceof SecretBoxError)
      throw new ApiError(503, 'unavailable', `Credentials cannot be stored on this server: ${err.message}`);
    throw err;
  }
}

export function postizConfigRoutes() {
  return createTenantRouter()
    .openapi(
      createRoute({
        method: 'get',
        operationId: 'getPostizConfig',
        path: '/config',
        tags,
        security,
        summary: "The profile's Postiz connection (key masked)",
        description:
          "The profile's own connection, else the deployment-wide fallback (`source`). The key is never returned, only `••••` and its last four characters.",
        responses: { 200: jsonContent(ConfigResponse, 'Connection'), ...errorResponses },
      }),
      async (c) => c.json(toConfigResponse(await resolvePostizConnection(c.env, c.get('scope'))), 200),
    )

    .openapi(
      createRoute({
        method: 'put',
        operationId: 'setPostizConfig',
        path: '/config',
        tags,
        security,
        summary: "Set and test the profile's Postiz connection",
        description:
          "Tests the key with Postiz (`GET /is-connected`) before saving anything: a rejected key or an unreachable URL answers 422 `postiz_connection_failed` with Postiz's message, and nothing changes. Saved with the key encrypted (AES-GCM, bound to the profile). Plain http only for localhost.",
        request: { body: jsonBody(ConfigUpdate) },
        responses: { 200: jsonContent(ConfigResponse, 'Saved'), ...unprocessable, ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        const input = c.req.valid('json');
        const apiUrl = validatePostizUrl(input.api_url);
        await testPostizConnection(apiUrl, input.api_key);
        if (input.integration_ids?.length) {
          const channels = await callingPostiz(() =>
            postizClientFor({ apiUrl, apiKey: input.api_key }).listIntegrations(),
          );
          const unknown = input.integration_ids.filter((id) => !channels.some((ch) => ch.id === id));
          if (unknown.length) {
            const message = `no enabled Postiz channel has the id ${unknown.join(', ')}`;
            throw new ApiError(400, 'validation_failed', `Invalid request body: integration_ids: ${message}`, {
              details: [{ path: 'integration_ids', message }],
            });
          }
        }
        const before = await resolvePostizConnection(c.env, scope);
        const sealed = await sealKey(c.env, scope, input.api_key);
        await savePostizConfig(scope, { apiUrl, apiKeySealed: sealed, integrationIds: input.integration_ids });
        // Media uploaded to another Postiz organisation cannot be attached to this one's posts.
        if (before.state !== 'configured' || before.apiUrl !== apiUrl || before.apiKey !== input.api_key)
          await clearPostizMedia(scope);
        return c.json(toConfigResponse(await resolvePostizConnection(c.env, scope)), 200);
      },
    )

    .openapi(
      createRoute({
        method: 'delete',
        operationId: 'deletePostizConfig',
        path: '/config',
        tags,
        security,
        summary: "Remove the profile's Postiz connection",
        description: 'Afterwards the deployment-wide connection applies, if there is one (see `source`).',
        responses: { 200: jsonContent(ConfigResponse, 'What applies now'), ...errorResponses },
      }),
      async (c) => {
        const scope = c.get('scope');
        await clearPostizConfig(scope);
        await clearPostizMedia(scope);
        return c.json(toConfigResponse(await resolvePostizConnection(c.env, scope)), 200);
      },
    );
}
