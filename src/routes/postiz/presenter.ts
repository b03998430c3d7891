/**
 * What the Postiz routes share: the connection's API shape (key masked), the clip id they take,
 * and Postiz failures during a request as the API's error shape.
 */
import { z } from '@hono/zod-openapi';
import { maskSecret } from '../../core/secret-box.ts';
import { errorResponse } from '../../http/openapi.ts';
import { providerErrorToApiError } from '../../providers/error-mapping.ts';
import { isProviderError } from '../../providers/provider-error.ts';
import type { PostizConnection } from '../../publishing/postiz-connection.ts';

export const tags = ['Postiz'];

export const unprocessable = {
  422: errorResponse(422, 'Not publishable / connection test failed', ['not_publishable', 'postiz_connection_failed']),
};

export const ConfigResponse = z
  .object({
    configured: z.boolean(),
    source: z
      .enum(['profile', 'deployment'])
      .nullable()
      .openapi({ description: 'Where the connection comes from: the profile, or the deployment-wide fallback.' }),
    api_url: z.string().nullable().openapi({ example: 'https://api.postiz.com/public/v1' }),
    api_key_hint: z.string().nullable().openapi({ example: '••••1234' }),
    integration_ids: z
      .array(z.string())
      .openapi({ description: 'Default channels of the profile, used when a publish request names none.' }),
    error: z.string().nullable(),
  })
  .openapi('PostizConfig');

export function toConfigResponse(connection: PostizConnection): z.infer<typeof ConfigResponse> {
  if (connection.state === 'configured') {
    return {
      configured: true,
      source: connection.source,
      api_url: connection.apiUrl,
      api_key_hint: maskSecret(connection.apiKey),
      integration_ids: connection.integrationIds,
      error: null,
    };
  }
  if (connection.state === 'unreadable') {
    return {
      configured: false,
      source: 'profile',
      api_url: connection.apiUrl,
      api_key_hint: null,
      integration_ids: [],
      error: `The stored key cannot be read (${connection.reason}); set it again`,
    };
  }
  return { configured: false, source: null, api_url: null, api_key_hint: null, integration_ids: [], error: null };
}

export const ClipId = z.string().min(1).max(64);

/** Provider failures during a synchronous call become the API's error shape. */
export async function callingPostiz<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isProviderError(err)) throw providerErrorToApiError(err);
    throw err;
  }
}
