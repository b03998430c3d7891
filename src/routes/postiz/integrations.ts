/** GET /api/v1/postiz/integrations: the enabled Postiz channels with their caption limits. */
import { createRoute, z } from '@hono/zod-openapi';
import { conflictResponse, errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { listChannels } from '../../publishing/postiz-channels.ts';
import { requirePostiz } from '../../publishing/postiz-connection.ts';
import { callingPostiz, tags } from './presenter.ts';

const IntegrationResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string().openapi({
      description: 'Postiz provider identifier (as the original): `x`, `youtube`, `instagram-standalone`, …',
    }),
    identifier: z
      .string()
      .nullable()
      .openapi({ description: "The channel's handle on the platform (as the original)." }),
    picture: z.string().nullable(),
    disabled: z.boolean(),
    provider: z.string(),
    max_caption_length: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "From Postiz's integration settings when it reports one, else our platform table." }),
  })
  .openapi('PostizIntegration');

export function postizIntegrationRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'listPostizIntegrations',
      path: '/integrations',
      tags,
      security,
      summary: 'Enabled Postiz channels with their caption limits',
      responses: { 200: jsonContent(z.array(IntegrationResponse), 'Channels'), ...conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const { connection, client } = await requirePostiz(c.env, c.get('scope'));
      const channels = await callingPostiz(() => listChannels(client, connection));
      return c.json(
        channels.map((ch) => ({
          id: ch.id,
          name: ch.name,
          type: ch.provider,
          identifier: ch.handle,
          picture: ch.picture,
          disabled: ch.disabled,
          provider: ch.provider,
          max_caption_length: ch.maxCaptionLength,
        })),
        200,
      );
    },
  );
}
