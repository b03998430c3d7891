/**
 * The typed client for front-end developers: `hc<App>` from `hono/client`, with the bearer token and
 * the active profile on every request. Paths, params, query, JSON bodies and responses all come from
 * the app's own route definitions (`App`), so a renamed field or a removed route fails the
 * caller's typecheck. Only types are imported from the app: a front end bundling this module gets
 * `hono/client` and nothing of the Worker.
 *
 * ```ts
 * const api = createClient('https://cutroom.example', { token, profileId });
 * const res = await api.api.v1.segments[':id'].$get({ param: { id: 'seg_…' } });
 * if (res.ok) console.log((await res.json()).start_time);
 * ```
 */
import { hc } from 'hono/client';
import type { App } from './app.ts';

export type { App };

export interface ClientOptions {
  /** The user's bearer token, or a function returning the current one (called for every request). */
  token?: string | (() => string | Promise<string>);
  /** The active profile (`X-Profile-Id`); without it the user's default profile. */
  profileId?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

/** The client type, computed once here (so editors do not recompute the whole app type per use). */
export type Client = ReturnType<typeof hc<App>>;

export function createClient(baseUrl: string, { token, profileId, headers, fetch }: ClientOptions = {}): Client {
  return hc<App>(baseUrl, {
    ...(fetch ? { fetch } : {}),
    headers: async () => ({
      ...headers,
      ...(token ? { Authorization: `Bearer ${typeof token === 'function' ? await token() : token}` } : {}),
      ...(profileId ? { 'X-Profile-Id': profileId } : {}),
    }),
  });
}
