/**
 * Requests for the workerd attack cases (built by support/requests.ts from the document), sent as
 * some caller, and the checks every answer must pass (the one error shape, no 5xx, no id the
 * caller did not send).
 */
import { expect } from 'vitest';
import { type ApiResponse, call } from '../../helpers/worker/api.ts';
import { type OpenApiDocument, type Operation, idsIn, operationsOf } from '../support/openapi.ts';
import type { BuiltRequest } from '../support/requests.ts';

export { type BuiltRequest, buildRequest } from '../support/requests.ts';

export interface Caller {
  token: string;
  profileId?: string;
}

export function send(caller: Caller, req: BuiltRequest): Promise<ApiResponse> {
  return call(req.path, {
    method: req.method,
    token: caller.token,
    profileId: caller.profileId,
    json: req.json,
    headers: req.headers,
    redirect: 'manual',
  });
}

/** The one error shape: `{error:{code,message,request_id}}`, and the request id in the header too. */
export function expectErrorShape(res: ApiResponse, what: string): void {
  expect(res.headers.get('content-type') ?? '', `${what}: content type`).toContain('application/json');
  expect(res.body?.error, `${what}: error body ${res.text.slice(0, 200)}`).toMatchObject({
    code: expect.any(String),
    message: expect.any(String),
    request_id: expect.any(String),
  });
  expect(res.headers.get('X-Request-Id'), `${what}: X-Request-Id`).toBe(res.body.error.request_id);
}

/** Ids of `secret` in the answer that the request did not itself carry. */
export function leakedIds(res: ApiResponse, req: BuiltRequest, secret: ReadonlySet<string>): string[] {
  const sent = new Set(idsIn(`${req.path} ${JSON.stringify(req.json ?? null)}`));
  const location = res.headers.get('Location') ?? '';
  return idsIn(`${res.text} ${location}`).filter((id) => secret.has(id) && !sent.has(id));
}

/** The API's operations as its own /openapi.json lists them. */
export async function documentedOperations(): Promise<{ doc: OpenApiDocument; operations: Operation[] }> {
  const res = await call<OpenApiDocument>('/openapi.json');
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  return { doc: res.body, operations: operationsOf(res.body) };
}
