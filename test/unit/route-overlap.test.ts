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
import { createTenantRouter } from '../../src/http/router.ts';
import { signToken } from '../helpers/worker/tokens.ts';

interface Route {
  method: string;
  path: string;
}

const app = createApp();

/** Every route (method + routing path), once; `use()` middleware (method ALL on `/*`) left out. */
function routesOf(): Route[] {
  const seen = new Map<string, Route>();
  for (const r of app.routes) {
    if (r.method === 'ALL' && r.path === '/*') continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

/** Path segments; a parameter's `{regex}` may itself contain `/`. */
function segmentsOf(path: string): string[] {
  return path.match(/(?<=\/)(:\w+(\{[^}]*\})?|[^/]*)/g) ?? [];
}

type Segment = { literal: string } | { param: string; pattern: RegExp };

function parse(path: string): Segment[] {
  return segmentsOf(path).map((s) => {
    const m = /^:(\w+)(?:\{(.*)\})?$/.exec(s);
    if (s === '*') return { param: '*', pattern: /^.*$/ };
    return m ? { param: m[1]!, pattern: new RegExp(`^(?:${m[2] ?? '[^/]+'})$`) } : { literal: s };
  });
}

const routes = routesOf();
const parsed = routes.map((r) => ({ ...r, segments: parse(r.path) }));
const sampleIds = Object.values(idPrefixes).map((p) => `${p}_${'0'.repeat(26)}`);
const literals = [...new Set(parsed.flatMap((r) => r.segments.flatMap((s) => ('literal' in s ? [s.literal] : []))))];
const candidates = [...new Set([...literals, ...sampleIds, 'x', 'sample-name.mp4'])];

/** Concrete paths this route matches, built from every candidate its parameters accept. */
function instances(segments: Segment[]): string[] {
  let paths = [''];
  for (const s of segments) {
    const values = 'literal' in s ? [s.literal] : candidates.filter((v) => s.pattern.test(v));
    paths = paths.flatMap((p) => values.map((v) => `${p}/${v}`));
    if (paths.length > 50_000) throw new Error('too many samples');
  }
  return paths.map((p) => p || '/');
}

/** The routes (by path) of `method` that the app's router matches for `path`. */
function matching(method: string, path: string): string[] {
  const result = app.router.match(method, path) as unknown as [[[unknown, Route], unknown][], unknown];
  return [...new Set(result[0].map(([[, r]]) => r).filter((r) => r.method !== 'ALL').map((r) => r.path))];
}

describe('routing', () => {
  it('has the routes of every module', () => {
    expect(routes.length).toBeGreaterThan(80);
    expect(routes.filter((r) => r.method === 'ALL')).toEqual([]);
  });

  it('matches every concrete path with at most one route per method, so mount order cannot matter', () => {
    const overlaps: string[] = [];
    let checked = 0;
    for (const route of parsed) {
      for (const path of instances(route.segments)) {
        checked++;
        const found = matching(route.method, path);
        if (!found.includes(route.path)) overlaps.push(`${route.method} ${path}: not matched by its own route ${route.path}`);
        else if (found.length > 1) overlaps.push(`${route.method} ${path}: ${found.join(' | ')}`);
      }
    }
    expect(overlaps).toEqual([]);
    expect(checked).toBeGreaterThan(routes.length);
  });

  it('keeps paths that once depended on mount order apart', () => {
    expect(matching('GET', '/api/v1/segments/source-videos')).toEqual(['/api/v1/segments/source-videos']);
    expect(matching('GET', `/api/v1/segments/seg_${'0'.repeat(26)}`)).toEqual(['/api/v1/segments/:id{seg_[^/]+}']);
    expect(matching('POST', '/api/v1/segments/source-videos/uploads')).toEqual(['/api/v1/segments/source-videos/uploads']);
    expect(matching('POST', '/api/v1/jobs/multi-video')).toEqual(['/api/v1/jobs/multi-video']);
  });
});

describe('tenancy by router', () => {
  const api = parsed.filter((r) => r.path === '/api/v1' || r.path.startsWith('/api/v1/'));
  const request = (route: (typeof api)[number], headers: Record<string, string>) =>
    app.request(instances(route.segments)[0]!, { method: route.method, headers }, env);

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
