/**
 * The three routers every route is registered on. Which one a route module uses decides what its
 * handlers get (context.ts) and which checks run first; no path string or mount order does:
 * - `createPublicRouter()`: no authentication (health, signed media, the docs);
 * - `createUserRouter()`: `requireUser` (and the user's rate limit) in front of every route it
 *   registers;
 * - `createTenantRouter()`: `requireUser` and `requireProfile` (and the user's, then the
 *   profile's rate limit) in front of every route it registers, so its handlers always have a
 *   verified `scope`.
 * The guards are attached per route, never with `use()`: a sub-router's `use('*')` would run for
 * every request under its mount prefix, including other routers' routes. Guarded routers also
 * route every path parameter on its id grammar (route-paths.ts), so their routes never overlap.
 *
 * Every router turns validation failures into the same 400 `validation_failed` error with field
 * paths, and trailing slashes are optional (`/api/v1/profiles/` and `/api/v1/profiles` are the
 * same route, as in the original).
 */
import { OpenAPIHono, type RouteConfig, type RouteConfigToTypedResponse, z } from '@hono/zod-openapi';
import type { Env, Handler, MiddlewareHandler, Schema, ToSchema } from 'hono';
import type { MergePath } from 'hono/types';
import { type ErrorStatus, validationError } from '../core/errors.ts';
import { requireProfile, requireUser } from './auth.ts';
import type { PublicEnv, TenantEnv, UserEnv } from './context.ts';
import { errorResponse, profileHeader, security } from './openapi.ts';
import { limitUser } from './rate-limit.ts';
import { type HonoPath, idKindsOf, routingPath } from './route-paths.ts';

const targetNames: Record<string, string> = {
  json: 'request body',
  form: 'form data',
  query: 'query parameters',
  param: 'path parameters',
  header: 'headers',
  cookie: 'cookies',
};

/** How a router documents and routes what is registered on it. */
interface RouterKind {
  /** Error statuses every route of the router can answer (its guards' and the error handler's). */
  errors: readonly ErrorStatus[];
  /** The documented security of its routes: a bearer token on guarded routers, none on the public one. */
  security: NonNullable<RouteConfig['security']>;
  /** Headers every route of the router reads (documented on each). */
  headers?: z.ZodObject;
  /** The routing path of a documented path (`/{id}` → `/:id{seg_[^/]+}` on guarded routers). */
  routed: (route: RouteConfig) => string;
}

const kinds = new WeakMap<object, RouterKind>();

function baseRouter<E extends Env>(kind: RouterKind): OpenAPIHono<E> {
  const router = new OpenAPIHono<E>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, targetNames[result.target]);
    },
  });
  kinds.set(router, kind);
  // Documented with its `{id}` path and every error it can answer; routed on `kind.routed`.
  const baseOpenapi = router.openapi as unknown as (route: RouteConfig, ...rest: unknown[]) => OpenAPIHono<E>;
  const openapi = (route: RouteConfig, ...rest: unknown[]) => {
    documentRoute(router, route);
    return baseOpenapi({ ...route, hide: true, path: kind.routed(route) }, ...rest);
  };
  router.openapi = openapi as unknown as OpenAPIHono<E>['openapi'];
  return router;
}

export function createPublicRouter(): OpenAPIHono<PublicEnv> {
  return baseRouter<PublicEnv>({ errors: [500], security: [], routed: (route) => route.path });
}

/** Every parameter of a guarded router's route is an id, routed on its grammar. */
const idRouted = (route: RouteConfig) => routingPath(route.path, idKindsOf(route.request?.params));

export function createUserRouter(): OpenAPIHono<UserEnv> {
  return guarded(baseRouter<UserEnv>({ errors: [401, 429, 500], security, routed: idRouted }), [
    requireUser,
    limitUser as MiddlewareHandler,
  ]);
}

export function createTenantRouter(): OpenAPIHono<TenantEnv> {
  // The active profile: a malformed X-Profile-Id is a 400, another user's profile 403, an unknown one 404.
  return guarded(
    baseRouter<TenantEnv>({
      errors: [400, 401, 403, 404, 429, 500],
      security,
      headers: profileHeader,
      routed: idRouted,
    }),
    // requireProfile counts the user's and the profile's rate limits too (auth.ts).
    [requireUser, requireProfile as MiddlewareHandler],
  );
}

/** The error statuses a route can answer because of what it reads. */
function inputErrors(route: RouteConfig): ErrorStatus[] {
  const request = route.request ?? {};
  const statuses: ErrorStatus[] = [];
  if (request.params || request.query || request.headers || request.body) statuses.push(400);
  if (request.params) statuses.push(404);
  // Bodies are bounded (app.ts), and a body of a type the route does not declare is refused.
  if (request.body) statuses.push(413, 415);
  return statuses;
}

/**
 * Puts `route` into the router's OpenAPI document (unless hidden), with an error response for every
 * status its router and its input can produce; the route's own responses take precedence.
 */
export function documentRoute(router: { openAPIRegistry: OpenAPIHono['openAPIRegistry'] }, route: RouteConfig): void {
  const { middleware: _middleware, hide, ...documented } = route;
  if (hide) return;
  const kind = kinds.get(router);
  const statuses = [...new Set([...(kind?.errors ?? []), ...inputErrors(route)])].sort((a, b) => a - b);
  const errors = Object.fromEntries(statuses.map((status) => [status, errorResponse(status)]));
  const own = documented.request?.headers;
  const headers = kind?.headers && own instanceof z.ZodObject ? kind.headers.extend(own.shape) : (own ?? kind?.headers);
  router.openAPIRegistry.registerPath({
    ...(kind ? { security: kind.security } : {}),
    ...documented,
    ...(headers ? { request: { ...documented.request, headers } } : {}),
    responses: { ...errors, ...documented.responses },
  });
}

/** `{ [key]: T }`, or nothing when there is no `T`. */
type InputPart<K extends string, T> = [T] extends [never] ? Record<never, never> : { [P in K]: T };
type InputOf<T> = T extends z.ZodType ? z.input<T> : never;
type JsonBodyOf<R extends RouteConfig> = NonNullable<R['request']>['body'] extends { content: infer C }
  ? C extends { 'application/json': { schema: infer B } }
    ? InputOf<B>
    : never
  : never;

/** What a client sends to a plain route: its params, query and JSON body, as `route` documents them. */
export type PlainRouteInput<R extends RouteConfig> = {
  in: InputPart<'param', InputOf<NonNullable<R['request']>['params']>> &
    InputPart<'query', InputOf<NonNullable<R['request']>['query']>> &
    InputPart<'json', JsonBodyOf<R>>;
  out: Record<never, never>;
};

/** The router with `route` in its type, as `openapi(route, …)` would have added it. */
export type WithRoute<Router, R extends RouteConfig> =
  Router extends OpenAPIHono<infer E, infer S, infer B>
    ? OpenAPIHono<
        E,
        S & ToSchema<R['method'], MergePath<B, HonoPath<R['path']>>, PlainRouteInput<R>, RouteConfigToTypedResponse<R>>,
        B
      >
    : never;

/**
 * A route whose handler reads the request itself (a streamed upload, a body in several encodings),
 * so no validator runs before it. It is routed and documented like an `openapi()` route, and its
 * type (params, query, JSON body, responses) comes from the same `route`, so clients see it too.
 */
export function plainRoute<E extends Env, S extends Schema, B extends string, R extends RouteConfig>(
  router: OpenAPIHono<E, S, B>,
  route: R,
  handler: Handler<E, HonoPath<R['path']>>,
): WithRoute<OpenAPIHono<E, S, B>, R> {
  const kind = kinds.get(router);
  if (!kind) throw new Error('plainRoute() needs a router from createPublicRouter/createUserRouter/createTenantRouter');
  documentRoute(router, route);
  const on = router.on as unknown as (method: string, path: string, handler: Handler<E>) => unknown;
  on(route.method.toUpperCase(), kind.routed(route), handler as Handler<E>);
  return router as never;
}

/** A routing path may hold parameters only with an id grammar (`:id{seg_[^/]+}`). */
function checkedPath(path: unknown): string {
  if (typeof path !== 'string') throw new Error('Routes on a guarded router are registered with their path');
  for (const m of path.matchAll(/:(\w+)(\{[^}]+\})?/g)) {
    if (!m[2]) throw new Error(`${path}: path parameter :${m[1]} has no id grammar (use routingPath)`);
  }
  return path;
}

/**
 * Puts `guards` in front of every route the router registers. Every way of registering goes
 * through `on` (Hono's `openapi()` calls it too); the ways that would register without a guard or
 * for a whole prefix (`use`, `all`, `route`, …) are refused.
 */
function guarded<E extends Env>(router: OpenAPIHono<E>, guards: MiddlewareHandler[]): OpenAPIHono<E> {
  const baseOn = router.on as unknown as (
    method: string | string[],
    path: string | string[],
    ...handlers: MiddlewareHandler[]
  ) => OpenAPIHono<E>;
  const on = (method: string | string[], path: string | string[], ...handlers: MiddlewareHandler[]) =>
    baseOn(method, [path].flat().map(checkedPath), ...guards, ...handlers);
  router.on = on as unknown as OpenAPIHono<E>['on'];
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
    router[method] = ((path: unknown, ...handlers: MiddlewareHandler[]) =>
      on(method, checkedPath(path), ...handlers)) as unknown as OpenAPIHono<E>[typeof method];
  }
  for (const refused of ['use', 'all', 'options', 'route', 'mount', 'basePath'] as const) {
    router[refused] = (() => {
      throw new Error(`${refused}() is not available on a guarded router: register each route with its own method`);
    }) as never;
  }

  return router;
}
