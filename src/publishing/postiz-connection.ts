/**
 * Which Postiz a profile publishes to: its own connection (URL + sealed key on the profile row) or,
 * when it has none, the deployment's `POSTIZ_API_URL` + `POSTIZ_API_KEY`. Also the checks a new
 * connection must pass before it is saved.
 */
import type { Bindings } from '../core/env.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { ProfileScope } from '../db/scope.ts';
import { ApiError } from '../core/errors.ts';
import { SecretBoxError, maskSecret, openSecret } from '../core/secret-box.ts';
import { isLoopbackHost } from '../core/urls.ts';
import { type PostizClient, createPostizClient, normalizePostizBaseUrl } from '../providers/postiz.ts';
import { isProviderError } from '../providers/provider-error.ts';

export type PostizSource = 'profile' | 'deployment';

export type PostizConnection =
  | { state: 'configured'; source: PostizSource; apiUrl: string; apiKey: string; integrationIds: string[] }
  /** The profile has a connection but its key cannot be opened (ENCRYPTION_KEY rotated or missing). */
  | { state: 'unreadable'; source: 'profile'; apiUrl: string; reason: string }
  | { state: 'missing' };

export async function resolvePostizConnection(env: Bindings, scope: ProfileScope): Promise<PostizConnection> {
  const profile = await getScopeProfile(scope);
  if (profile.postizApiUrl && profile.postizApiKeyEncrypted) {
    try {
      const apiKey = await openSecret(env.ENCRYPTION_KEY, scope.profileId, profile.postizApiKeyEncrypted);
      return {
        state: 'configured',
        source: 'profile',
        apiUrl: profile.postizApiUrl,
        apiKey,
        integrationIds: profile.postizIntegrationIds,
      };
    } catch (err) {
      const reason = err instanceof SecretBoxError ? err.message : 'secret could not be decrypted';
      return { state: 'unreadable', source: 'profile', apiUrl: profile.postizApiUrl, reason };
    }
  }
  const url = env.POSTIZ_API_URL?.trim();
  const key = env.POSTIZ_API_KEY?.trim();
  if (url && key) {
    try {
      return {
        state: 'configured',
        source: 'deployment',
        apiUrl: normalizePostizBaseUrl(url),
        apiKey: key,
        integrationIds: profile.postizIntegrationIds,
      };
    } catch {
      return { state: 'missing' };
    }
  }
  return { state: 'missing' };
}

export const NOT_CONFIGURED_MESSAGE =
  'Postiz is not configured for this profile: set it with PUT /api/v1/postiz/config {api_url, api_key} (or configure POSTIZ_API_URL and POSTIZ_API_KEY for the deployment)';

/** The connection's hint for display: never more than the last four characters of the key. */
export function keyHint(connection: PostizConnection): string | null {
  return connection.state === 'configured' ? maskSecret(connection.apiKey) : null;
}

export function postizClientFor(connection: { apiUrl: string; apiKey: string }): PostizClient {
  return createPostizClient({ baseUrl: connection.apiUrl, apiKey: connection.apiKey });
}

/** A usable connection and its client, or 409 `not_configured` with what to do about it. */
export async function requirePostiz(env: Bindings, scope: ProfileScope) {
  const connection = await resolvePostizConnection(env, scope);
  if (connection.state === 'missing') throw new ApiError(409, 'not_configured', NOT_CONFIGURED_MESSAGE);
  if (connection.state === 'unreadable') {
    throw new ApiError(
      409,
      'not_configured',
      `The profile's stored Postiz key cannot be read (${connection.reason}); set it again with PUT /api/v1/postiz/config`,
    );
  }
  return { connection, client: postizClientFor(connection) };
}

/**
 * The base URL a user may save: a valid http(s) URL without credentials, normalised to
 * `…/public/v1`. Plain http only for loopback hosts (local Postiz, the fake): the API key travels in
 * every request header.
 */
export function validatePostizUrl(raw: string): string {
  let normalized: string;
  try {
    normalized = normalizePostizBaseUrl(raw);
  } catch (err) {
    throw new ApiError(
      400,
      'validation_failed',
      `Invalid request body: api_url: ${err instanceof Error ? err.message : 'invalid URL'}`,
      {
        details: [{ path: 'api_url', message: err instanceof Error ? err.message : 'invalid URL' }],
      },
    );
  }
  const url = new URL(normalized);
  if (url.protocol === 'http:' && !isLoopbackHost(url)) {
    const message = 'must use https (plain http is accepted only for localhost)';
    throw new ApiError(400, 'validation_failed', `Invalid request body: api_url: ${message}`, {
      details: [{ path: 'api_url', message }],
    });
  }
  return normalized;
}

/** Asks Postiz whether the key works (`GET /is-connected`); 422 with Postiz's own words if not. */
export async function testPostizConnection(apiUrl: string, apiKey: string): Promise<void> {
  const client = createPostizClient({ baseUrl: apiUrl, apiKey, timeoutMs: 15_000 });
  try {
    if (await client.isConnected()) return;
  } catch (err) {
    if (!isProviderError(err)) throw err;
    throw new ApiError(422, 'postiz_connection_failed', `Postiz connection test failed: ${err.message}`, {
      details: { provider_kind: err.kind, provider_status: err.status, provider_message: err.message },
    });
  }
  throw new ApiError(
    422,
    'postiz_connection_failed',
    'Postiz connection test failed: Postiz answered connected=false for this key',
  );
}
