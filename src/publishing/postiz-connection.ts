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
import { type PostizClient, createPostizClient, normalizePostizBaseUrl } from '../providers/postiz.ts';
import { isProviderError } from '../providers/provider-error.ts';
import { type OutboundSettings, checkOutboundUrl, guardedFetch, outboundPolicy } from '../core/outbound-url.ts';

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

/**
 * The client for a connection. A profile's URL is a user-supplied URL: every request goes through
 * the outbound checks (src/core/outbound-url.ts: the URL, then where its name resolves), never
 * following redirects. The deployment's own
 * POSTIZ_API_URL is operator configuration and is called as it is.
 */
export function postizClientFor(
  env: OutboundSettings,
  connection: { apiUrl: string; apiKey: string; source?: PostizSource },
  options: { timeoutMs?: number } = {},
): PostizClient {
  return createPostizClient({
    baseUrl: connection.apiUrl,
    apiKey: connection.apiKey,
    ...(connection.source === 'deployment' ? {} : { fetch: guardedFetch(outboundPolicy(env)) }),
    ...options,
  });
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
  return { connection, client: postizClientFor(env, connection) };
}

/**
 * The base URL a user may save: a valid http(s) URL without credentials to a public host (see
 * src/core/outbound-url.ts; private hosts only with OUTBOUND_ALLOW_PRIVATE), normalised to
 * `…/public/v1`. 400 saying what is wrong with the URL; nothing is fetched.
 */
export function validatePostizUrl(env: OutboundSettings, raw: string): string {
  const invalid = (message: string) =>
    new ApiError(400, 'validation_failed', `Invalid request body: api_url: ${message}`, {
      details: [{ path: 'api_url', message }],
    });
  let normalized: string;
  try {
    normalized = normalizePostizBaseUrl(raw);
    checkOutboundUrl(normalized, outboundPolicy(env));
  } catch (err) {
    throw invalid(err instanceof Error ? err.message.replace(/^Postiz URL /, '') : 'invalid URL');
  }
  return normalized;
}

export const CONNECTION_TEST_FAILED =
  'Postiz connection test failed: no Postiz API at this URL accepted this key; check the URL and the key';

/**
 * Asks Postiz whether the key works (`GET /is-connected`). Every failure is the same 422 with the
 * same message, whatever happened (refused key, closed port, a server that is not Postiz, a
 * timeout): the answer never carries what the URL sent back, and does not tell an open port from a
 * closed one.
 */
export async function testPostizConnection(env: OutboundSettings, apiUrl: string, apiKey: string): Promise<void> {
  let connected = false;
  try {
    connected = await postizClientFor(env, { apiUrl, apiKey }, { timeoutMs: 15_000 }).isConnected();
  } catch (err) {
    if (!isProviderError(err)) throw err;
  }
  if (!connected) throw new ApiError(422, 'postiz_connection_failed', CONNECTION_TEST_FAILED);
}
