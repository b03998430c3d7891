/** GET /api/v1/postiz/status: is Postiz configured and reachable? Always 200, with the reason. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { isProviderError } from '../../providers/provider-error.ts';
import {
  NOT_CONFIGURED_MESSAGE,
  postizClientFor,
  resolvePostizConnection,
} from '../../publishing/postiz-connection.ts';
import { tags, toConfigResponse } from './presenter.ts';

const StatusResponse = z
  .object({
    configured: z.boolean(),
    connected: z.boolean(),
    api_url: z.string().nullable(),
    integrations_count: z.number().int(),
    error: z.string().nullable(),
    source: z.enum(['profile', 'deployment']).nullable(),
  })
  .openapi('PostizStatus');

export function postizStatusRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getPostizStatus',
      path: '/status',
      tags,
      security,
      summary: 'Is Postiz configured and reachable?',
      description: 'Always 200; `error` says what is wrong (not configured, key refused, unreachable).',
      responses: { 200: jsonContent(StatusResponse, 'Status'), ...errorResponses },
    }),
    async (c) => {
      const connection = await resolvePostizConnection(c.env, c.get('scope'));
      if (connection.state === 'missing') {
        return c.json(
          {
            configured: false,
            connected: false,
            api_url: null,
            integrations_count: 0,
            error: NOT_CONFIGURED_MESSAGE,
            source: null,
          },
          200,
        );
      }
      if (connection.state === 'unreadable') {
        return c.json(
          {
            configured: false,
            connected: false,
            api_url: connection.apiUrl,
            integrations_count: 0,
            error: toConfigResponse(connection).error,
            source: connection.source,
          },
          200,
        );
      }
      const client = postizClientFor(connection);
      try {
        const connected = await client.isConnected();
        const integrations = connected ? await client.listIntegrations() : [];
        return c.json(
          {
            configured: true,
            connected,
            api_url: connection.apiUrl,
            integrations_count: integrations.length,
            error: connected ? null : 'Postiz answered connected=false',
            source: connection.source,
          },
          200,
        );
      } catch (err) {
        const error = isProviderError(err) ? `Postiz: ${err.message}` : 'Postiz could not be reached';
        return c.json(
          {
            configured: true,
            connected: false,
            api_url: connection.apiUrl,
            integrations_count: 0,
            error,
            source: connection.source,
          },
          200,
        );
      }
    },
  );
}
