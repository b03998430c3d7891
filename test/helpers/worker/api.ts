/** Calls the Worker under test in-process, the way a client would over HTTP. */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { Bindings } from '../../../src/core/env.ts';
import worker from './test-worker.ts';

/** Bindings to replace for one call (a var's production setting, a queue that holds its messages). */
export type EnvOverrides = Partial<Record<keyof Bindings, unknown>>;

export interface CallOptions {
  method?: string;
  token?: string;
  profileId?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** `manual` to see a 302 instead of following it. */
  redirect?: 'follow' | 'manual' | 'error';
  /** Bindings to override for this call: the same Worker, handed the test env plus these. */
  env?: EnvOverrides;
  /** The origin the request is sent to (default http://cutroom.test, the tests' PUBLIC_URL). */
  origin?: string;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const request = requestOf(path, opts);
  if (!opts.env) return respond<T>(await exports.default.fetch(request));
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    request as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...opts.env } as Bindings,
    ctx,
  );
  const answer = await respond<T>(res);
  await waitOnExecutionContext(ctx);
  return answer;
}

/** `call` with some bindings replaced for this request. */
export function callWithEnv<T = any>(overrides: EnvOverrides, path: string, opts: CallOptions = {}) {
  return call<T>(path, { ...opts, env: { ...opts.env, ...overrides } });
}

function requestOf(path: string, opts: CallOptions): Request {
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`);
  if (opts.profileId) headers.set('X-Profile-Id', opts.profileId);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(opts.json);
  }
  return new Request(`${opts.origin ?? 'http://cutroom.test'}${path}`, {
    method: opts.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
    redirect: opts.redirect,
  });
}

async function respond<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}
