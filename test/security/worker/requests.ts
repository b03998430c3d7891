/**
 * Requests built from the document for the workerd attack cases: an operation's path, query,
 * headers and JSON body filled from a fixture (support/fill.ts), sent as some caller, and the
 * checks every answer must pass (the one error shape, no 5xx, no id the caller did not send).
 */
import { expect } from 'vitest';
import { type ApiResponse, call } from '../../helpers/worker/api.ts';
import { type Fixture, referenceKind, sampleBody, sampleValue } from '../support/fill.ts';
import { type OpenApiDocument, type Operation, fillPath, idsIn, operationsOf } from '../support/openapi.ts';

export interface BuiltRequest {
  method: string;
  path: string;
  json?: unknown;
  headers: Record<string, string>;
}

export interface BuildOptions {
  /** Fill every optional body property (a modification attempt), not only required ones. */
  allProperties?: boolean;
  /** Fill query parameters that reference resources. */
  referenceQuery?: boolean;
  /** Which field of each exclusive group the body sends (support/fill.ts). */
  alternative?: number;
  /** Value of an `Idempotency-Key` header parameter. */
  idempotencyKey?: string;
}

export function buildRequest(op: Operation, fixture: Fixture, options: BuildOptions = {}): BuiltRequest {
  const pathValues: Record<string, string> = {};
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const kind = referenceKind(p.name, p.schema);
    if (p.in === 'path')
      pathValues[p.name] = kind ? fixture.idOf(kind, op, p.name) : String(sampleValue(p.schema, p.name, fixture, op));
    else if (p.in === 'query' && ((kind && options.referenceQuery) || (!kind && p.required)))
      query.set(p.name, String(kind ? fixture.idOf(kind, op, p.name) : sampleValue(p.schema, p.name, fixture, op)));
    else if (p.in === 'header' && p.name.toLowerCase() === 'idempotency-key' && options.idempotencyKey)
      headers['Idempotency-Key'] = options.idempotencyKey;
  }
  const search = query.size ? `?${query}` : '';
  return {
    method: op.method,
    path: fillPath(op.path, pathValues) + search,
    json: sampleBody(op, fixture, { allProperties: options.allProperties, alternative: options.alternative }),
    headers,
  };
}

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
