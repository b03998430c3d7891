/**
 * What the Postiz routes share: the connection's API shape (key masked), the clip id they take,
 * and Postiz failures during a request as the API's error shape.
 */
import { z } from '@hono/zod-openapi';
import { maskSecret } from '../../core/secret-box.ts';
import type { PublicationRow } from '../../db/repos/publications.ts';
import { publicationStatuses } from '../../db/schema.ts';
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

/** A publication of a clip through Postiz: its state, per-channel posts and release URL. */
export const PublicationResponse = z
  .object({
    id: z.string(),
    clip_id: z.string(),
    job_id: z.string().nullable(),
    status: z.enum(publicationStatuses),
    integration_ids: z.array(z.string()),
    platforms: z.array(z.string()),
    caption: z.string(),
    scheduled_at: z.string().nullable(),
    published_at: z.string().nullable(),
    postiz_post_ids: z.array(z.string()),
    posts: z.array(
      z.object({
        post_id: z.string(),
        integration_id: z.string(),
        platform: z.string().nullable(),
        state: z.string(),
        release_url: z.string().nullable(),
      }),
    ),
    release_url: z.string().nullable(),
    channel_overrides: z
      .record(z.string(), z.object({ caption: z.string().optional(), first_comment: z.string().optional() }))
      .openapi({ description: 'Captions and first comments that differ per channel (by integration id).' }),
    draft: z
      .boolean()
      .openapi({ description: 'Created as Postiz drafts for approval (approved once `approved_at` is set).' }),
    approved_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Publication');

export function toPublicationResponse(p: PublicationRow): z.infer<typeof PublicationResponse> {
  return {
    id: p.id,
    clip_id: p.clipId,
    job_id: p.jobId,
    status: p.status,
    integration_ids: p.integrationIds,
    platforms: p.platforms,
    caption: p.caption,
    scheduled_at: p.scheduledAt,
    published_at: p.publishedAt,
    postiz_post_ids: p.postizPostIds,
    posts: p.postizPosts,
    release_url: p.releaseUrl,
    channel_overrides: p.channelOverrides,
    draft: p.draft,
    approved_at: p.approvedAt,
    cancelled_at: p.cancelledAt,
    error: p.errorMessage,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}
