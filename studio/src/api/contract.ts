/**
 * API calls checked against the contract: `openapi.d.ts` is generated from the OpenAPI document the
 * Worker serves (`npm run studio:api-types`; a test fails while it is stale), and `call` takes a
 * documented path and method, so the path parameters, query and JSON body must have the documented
 * fields and the result is the documented 2xx body. Types only: at run time `call` is `api` with the
 * path filled in.
 */
import { type Page, type Query, type RequestOptions, api, apiPage } from './http.ts';
import type { components, paths } from './openapi.d.ts';

export type Schemas = components['schemas'];

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete' | 'head';
export type Path = keyof paths;

/** The methods a path documents (absent ones are `?: never` in the generated types). */
export type MethodOf<P extends Path> = {
  [M in Method]-?: [NonNullable<paths[P][M]>] extends [never] ? never : M;
}[Method];

export type Operation<P extends Path, M extends MethodOf<P>> = NonNullable<paths[P][M]>;

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Responses<O> = O extends { responses: infer R } ? R : never;

/** The JSON body of an operation's success (2xx) responses. */
export type Ok<P extends Path, M extends MethodOf<P>> = {
  [S in keyof Responses<Operation<P, M>>]: S extends 200 | 201 | 202 ? JsonOf<Responses<Operation<P, M>>[S]> : never;
}[keyof Responses<Operation<P, M>>];

/** The JSON request body an operation documents. */
export type Body<P extends Path, M extends MethodOf<P>> = JsonOf<NonNullable<Operation<P, M>['requestBody']>>;

/** The query parameters an operation documents. */
export type QueryOf<P extends Path, M extends MethodOf<P>> = NonNullable<Operation<P, M>['parameters']['query']>;

type Params<O> = O extends { parameters: { path: infer T } } ? { path: T } : { path?: never };
type Queries<O> = [NonNullable<O extends { parameters: { query?: infer T } } ? T : never>] extends [never]
  ? { query?: never }
  : { query?: NonNullable<O extends { parameters: { query?: infer T } } ? T : never> };
type Json<O> = O extends { requestBody: { content: { 'application/json': infer T } } }
  ? { json: T }
  : O extends { requestBody?: { content: { 'application/json': infer T } } }
    ? [T] extends [never]
      ? { json?: never }
      : { json?: T }
    : { json?: never };

export type CallOptions<P extends Path, M extends MethodOf<P>> = Omit<RequestOptions, 'method' | 'query' | 'json'> &
  Params<Operation<P, M>> &
  Queries<Operation<P, M>> &
  Json<Operation<P, M>>;

/** The options are optional unless the operation has path parameters or a required JSON body. */
type Args<P extends Path, M extends MethodOf<P>> =
  object extends CallOptions<P, M> ? [options?: CallOptions<P, M>] : [options: CallOptions<P, M>];

/** `/api/v1/segments/{id}` with `{ id }`: the URL path to request. */
export function pathOf(path: string, params: object | undefined): string {
  const values = (params ?? {}) as Record<string, string | number>;
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${path}: no value for {${name}}`);
    return encodeURIComponent(String(value));
  });
}

type Untyped = Omit<RequestOptions, 'query'> & { path?: object; query?: object };

function prepare(method: string, path: string, options: Untyped | undefined): [string, RequestOptions] {
  const { path: params, query, ...rest } = options ?? {};
  return [pathOf(path, params), { ...rest, method: method.toUpperCase(), query: query as Query | undefined }];
}

/** A documented operation's 2xx JSON body. */
export function call<P extends Path, M extends MethodOf<P>>(method: M, path: P, ...[options]: Args<P, M>) {
  return api<Ok<P, M>>(...prepare(method, path, options as Untyped | undefined));
}

/** A page of a documented list that answers a bare array (the cursor is in X-Next-Cursor). */
export function callPage<P extends Path, M extends MethodOf<P>>(
  method: M,
  path: P,
  ...[options]: Args<P, M>
): Promise<Page<Ok<P, M> extends readonly (infer Item)[] ? Item : never>> {
  return apiPage(...prepare(method, path, options as Untyped | undefined));
}
