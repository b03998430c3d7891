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
import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Env, MiddlewareHandler } from 'hono';
import { validationError } from '../core/errors.ts';
import { requireProfile, requireUser } from './auth.ts';
import type { PublicEnv, TenantEnv, UserEnv } from './context.ts';
import { limitProfile, limitUser } from './rate-limit.ts';
import { idKindsOf, routingPath } from './route-paths.ts';

const targetNames: Record<string, string> = {
  json: 'request body',
  form: 'form data',
  query: 'query parameters',
  param: 'path parameters',
  header: 'headers',
  cookie: 'cookies',
};

function baseRouter<E extends Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, targetNames[result.target]);
    },
  });
}

export function createPublicRouter(): OpenAPIHono<PublicEnv> {
  return baseRouter<PublicEnv>();
}

export function createUserRouter(): OpenAPIHono<UserEnv> {
  return guarded(baseRouter<UserEnv>(), [requireUser, limitUser as MiddlewareHandler]);
}

export function createTenantRouter(): OpenAPIHono<TenantEnv> {
  return guarded(baseRouter<TenantEnv>(), [
    requireUser,
    limitUser as MiddlewareHandler,
    requireProfile as MiddlewareHandler,
    limitProfile as MiddlewareHandler,
  ]);
}

/** A routing path may hold parameters only with an id grammar (`:id{seg_[^/]+}`). */
function checkedPath(path: unknown): string {
  if (typeof path !== 'string') throw new Error('Routes on a guarded router are registered with their path');
  for (const m of path.matchAll(/:(\w+)(\{[^}]+\})?/g)) {
    if (!m[2]) throw new Error(`${path}: path parameter :${m[1]} has no id grammar (use routingPath)`);
  }
  return path;
}

type Handler = MiddlewareHandler;

/**
 * Puts `guards` in front of every route the router registers. Every way of registering goes
 * through `on` (Hono's `openapi()` calls it too); the ways that would register without a guard or
 * for a whole prefix (`use`, `all`, `route`, …) are refused.
 */
function guarded<E extends Env>(router: OpenAPIHono<E>, guards: Handler[]): OpenAPIHono<E> {
  const baseOn = router.on as unknown as (
    method: string | string[],
    path: string | string[],
    ...handlers: Handler[]
  ) => OpenAPIHono<E>;
  const on = (method: string | string[], path: string | string[], ...handlers: Handler[]) =>
    baseOn(method, [path].flat().map(checkedPath), ...guards, ...handlers);
  router.on = on as unknown as OpenAPIHono<E>['on'];
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
    router[method] = ((path: unknown, ...handlers: Handler[]) =>
      on(method, checkedPath(path), ...handlers)) as unknown as OpenAPIHono<E>[typeof method];
  }
  for (const refused of ['use', 'all', 'options', 'route', 'mount', 'basePath'] as const) {
    router[refused] = (() => {
      throw new Error(`${refused}() is not available on a guarded router: register each route with its own method`);
    }) as never;
  }

  // Documented with its `{id}` path; routed on the id grammar of each parameter.
  const baseOpenapi = router.openapi as unknown as (route: RouteConfig, ...rest: unknown[]) => OpenAPIHono<E>;
  const openapi = (route: RouteConfig, ...rest: unknown[]) => {
    const { middleware: _middleware, hide, ...documented } = route;
    if (!hide) router.openAPIRegistry.registerPath(documented);
    return baseOpenapi(
      { ...route, hide: true, path: routingPath(route.path, idKindsOf(route.request?.params)) },
      ...rest,
    );
  };
  router.openapi = openapi as unknown as OpenAPIHono<E>['openapi'];
  return router;
}
