/** Calls the Worker under test in-process, the way a client would over HTTP. */
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createApp } from '../../../src/app.ts';

export interface CallOptions {
  method?: string;
  token?: string;
  profileId?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** `manual` to see a 302 instead of following it. */
  redirect?: 'follow' | 'manual' | 'error';
  /** Bindings to override for this call (the app then runs with the test env plus these). */
  env?: Record<string, string>;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`);
  if (opts.profileId) headers.set('X-Profile-Id', opts.profileId);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(opts.json);
  }
  const request = new Request(`http://cutroom.test${path}`, {
    method: opts.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
    redirect: opts.redirect,
  });
  const res = opts.env
    ? await createApp().fetch(request, { ...env, ...opts.env }, createExecutionContext())
    : await exports.default.fetch(request);
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}
