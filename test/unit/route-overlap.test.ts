/**
 * Route registration order cannot matter: no concrete request path is matched by two routes of the
 * same method. Every registered route of the app is instantiated with sample values (the literal
 * segments of every route, a sample id of every kind, arbitrary text) and the app's own router is
 * asked which routes match each path. And tenancy rests on the routers, not on paths: every API
 * route refuses a caller without a token, and exactly the routes outside the profiles API verify
 * the profile (a malformed X-Profile-Id answers 400 there and is ignored by the profiles API).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { idPrefixes } from '../../src/core/ids.ts';
import { createPublicRouter, createTenantRouter } from '../../src/http/router.ts';
import { signToken } from '../helpers/worker/tokens.ts';

interface Route {
  method: string;
  path: string;
}

/** What the overlap check needs of an app: its registered routes and its router. */
interface Routed {
  routes: readonly Route[];
  router: { match(method: string, path: string): unknown };
}

const app = createApp();

/** Path segments; a parameter's `{regex}` may itself contain `/`. */
function segmentsOf(path: string): string[] {
  return path.match(/(?<=\/)(:\w+(\{[^}]*\})?|[^/]*)/g) ?? [];
}

type Segment = { literal: string } | { param: string; pattern: RegExp };

function parse(path: string): Segment[] {
  return segmentsOf(path).map((s) => {
    if (s === '*') return { param: '*', pattern: /^.*$/ };
    const m = /^:(\w+)(?:\{(.*)\})?$/.exec(s);
    return m ? { param: m[1]!, pattern: new RegExp(`^(?:${m[2] ?? '[^/]+'})$`) } : { literal: s };
  });
}

/** Every route (method + routing path) once, parsed; `use()` middleware (ALL on `/*`) left out. */
function routesOf(target: Routed) {
  const seen = new Map<string, Route>();
  for (const r of target.routes) {
    if (r.method === 'ALL' && r.path === '/*') continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()].map((r) => ({ ...r, segments: parse(r.path) }));
}

const sampleIds = Object.values(idPrefixes).map((p) => `${p}_${'0'.repeat(26)}`);

/** Sample values for parameters: every literal segment of every route, an id of every kind, text. */
function candidatesOf(routes: ReturnType<typeof routesOf>): string[] {
  const literals = routes.flatMap((r) => r.segments.flatMap((s) => ('literal' in s ? [s.literal] : [])));
  return [...new Set([...literals, ...sampleIds, 'x', 'sample-name.mp4'])];
}

/** Concrete paths a route matches, built from every candidate its parameters accept. */
function instances(segments: Segment[], candidates: string[]): string[] {
  let paths = [''];
  for (const s of segments) {
    const values = 'literal' in s ? [s.literal] : candidates.filter((v) => s.pattern.test(v));
    paths = paths.flatMap((p) => values.map((v) => `${p}/${v}`));
    if (paths.length > 50_000) throw new Error('too many samples');
  }
  return paths.map((p) => p || '/');
}

/** The routes (by routing path) of `method` the router matches for `path`. */
function matching(target: Routed, method: string, path: string): string[] {
  const result = target.router.match(method, path) as [[[unknown, Route], unknown][], unknown];
  return [
    ...new Set(
      result[0]
        .map(([[, r]]) => r)
        .filter((r) => r.method !== 'ALL')
        .map((r) => r.path),
    ),
  ].sort();
}

/** Every concrete path matched by more than one route of a method (or not by its own route). */
function overlapsIn(target: Routed): { overlaps: string[]; checked: number } {
  const routes = routesOf(target);
  const candidates = candidatesOf(routes);
  const overlaps: string[] = [];
  let checked = 0;
  for (const route of routes) {
    for (const path of instances(route.segments, candidates)) {
      checked++;
      const found = matching(target, route.method, path);
      if (!found.includes(route.path))
        overlaps.push(`${route.method} ${path}: not matched by its own route ${route.path}`);
      else if (found.length > 1) overlaps.push(`${route.method} ${path}: ${found.join(' | ')}`);
    }
  }
  return { overlaps: [...new Set(overlaps)], checked };
}

const parsed = routesOf(app);

describe('routing', () => {
  it('has the routes of every module', () => {
    expect(parsed.length).toBeGreaterThan(80);
    expect(parsed.filter((r) => r.method === 'ALL')).toEqual([]);
  });

  it('matches every concrete path with at most one route per method, so mount order cannot matter', () => {
    const { overlaps, checked } = overlapsIn(app);
    expect(overlaps).toEqual([]);
    expect(checked).toBeGreaterThan(parsed.length);
  });

  it('keeps paths that once depended on mount order apart', () => {
    expect(matching(app, 'GET', '/api/v1/segments/source-videos')).toEqual(['/api/v1/segments/source-videos']);
    expect(matching(app, 'GET', `/api/v1/segments/seg_${'0'.repeat(26)}`)).toEqual(['/api/v1/segments/:id{seg_[^/]+}']);
    expect(matching(app, 'POST', '/api/v1/segments/source-videos/uploads')).toEqual([
      '/api/v1/segments/source-videos/uploads',
    ]);
    expect(matching(app, 'POST', '/api/v1/jobs/multi-video')).toEqual(['/api/v1/jobs/multi-video']);
  });

  it('the overlap check catches a planted overlap', () => {
    const planted = createPublicRouter();
    planted.get('/segments/:id', (c) => c.text('one'));
    planted.get('/segments/source-videos', (c) => c.text('list'));
    planted.post('/segments/:id', (c) => c.text('other method'));
    expect(overlapsIn(planted).overlaps).toEqual([
      'GET /segments/source-videos: /segments/:id | /segments/source-videos',
    ]);
  });
});

describe('tenancy by router', () => {
  const api = parsed.filter((r) => r.path === '/api/v1' || r.path.startsWith('/api/v1/'));
  const candidates = candidatesOf(parsed);
  const request = (route: (typeof api)[number], headers: Record<string, string>) =>
    app.request(instances(route.segments, candidates)[0]!, { method: route.method, headers }, env);

  it('answers 401 without a token on every API route', async () => {
    const open: string[] = [];
    for (const route of api) {
      const res = await request(route, {});
      if (res.status !== 401) open.push(`${route.method} ${route.path} → ${res.status}`);
    }
    expect(api.length).toBeGreaterThan(70);
    expect(open).toEqual([]);
  });

  it('verifies the profile on every route but the profiles API', async () => {
    const token = await signToken({ sub: `routing-${crypto.randomUUID()}` });
    const headers = { Authorization: `Bearer ${token}`, 'X-Profile-Id': 'not-a-profile' };
    const wrong: string[] = [];
    for (const route of api) {
      const profilesApi = route.path === '/api/v1/profiles' || route.path.startsWith('/api/v1/profiles/');
      // GET /api/v1/profiles/{id} and friends reach the handler: give them nothing to find.
      const res = await request(route, headers);
      const body = (await res.json()) as { error?: { message?: string } };
      const refusedProfile = res.status === 400 && body.error?.message === 'X-Profile-Id is not a valid profile id';
      if (refusedProfile === profilesApi) wrong.push(`${route.method} ${route.path} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses to register a route that could escape its guards or overlap another', () => {
    const router = createTenantRouter();
    expect(() => router.get('/:id', (c) => c.text('x'))).toThrow(/no id grammar/);
    expect(() => router.use('*', async (_c, next) => next())).toThrow(/not available on a guarded router/);
    expect(() => router.all('/x', (c) => c.text('x'))).toThrow(/not available on a guarded router/);
  });
});
