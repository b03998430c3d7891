/**
 * The OpenAPI document as a contract SDK generators can rely on: every route the app registers is
 * in it (and nothing else), every operation has a stable operationId, a summary and defined tags,
 * and every error response uses the one error schema, whose `code` enum and per-status code lists
 * come from `codeToStatus`. docs/api.md's error table is checked against the same map.
 * (`npm run lint:openapi` lints the same document with Redocly; test/e2e/openapi-client.test.ts
 * generates a client from it.)
 */
import { describe, expect, it } from 'vitest';
import apiDoc from '../../docs/api.md?raw';
import { createApp } from '../../src/app.ts';
import { codeToStatus, codesOf, errorCodes } from '../../src/core/errors.ts';
import { call } from '../helpers/worker/api.ts';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Document {
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any> };
}

const document = (await call<Document>('/openapi.json')).body;
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ key: `${method} ${path}`, op })),
);

/** `/api/v1/segments/:id{seg_[^/]+}` → `/api/v1/segments/{id}`. */
const documentedPath = (routePath: string) => routePath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');

describe('the OpenAPI document', () => {
  it('documents every registered route, including the service info, the document, the reference and media downloads', () => {
    const registered = new Set(
      createApp()
        .routes.filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${documentedPath(r.path)}`),
    );
    expect(operations.map((o) => o.key).sort()).toEqual([...registered].sort());
    for (const key of ['get /', 'get /docs', 'get /openapi.json', 'get /media/{token}/{filename}'])
      expect(registered).toContain(key);
  });

  it('gives every operation a unique camelCase operationId, a summary and defined tags', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.filter((id) => !id || !/^[a-z][a-zA-Z0-9]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(document.tags.map((t) => t.name));
    for (const { key, op } of operations) {
      expect(op.summary, key).toBeTruthy();
      expect(op.tags?.length, key).toBeGreaterThan(0);
      for (const tag of op.tags ?? []) expect(tags, `${key}: tag ${tag}`).toContain(tag);
    }
    // A few stable names clients are generated with.
    const byId = new Map(operations.map((o) => [o.op.operationId, o.key]));
    expect(byId.get('listSegments')).toBe('get /api/v1/segments');
    expect(byId.get('getSegment')).toBe('get /api/v1/segments/{id}');
    expect(byId.get('createSourceVideoUpload')).toBe('post /api/v1/segments/source-videos/uploads');
    expect(byId.get('processVideo')).toBe('post /api/v1/jobs');
  });

  it('has one error schema whose code is the enum of the codes the API emits', () => {
    const code = document.components.schemas.Error.properties.error.properties.code;
    expect(code.enum).toEqual(errorCodes);
    expect(Object.keys(codeToStatus)).toEqual(errorCodes);
  });

  it('documents the errors each operation can answer, with the error schema and the codes of each status', () => {
    for (const { key, op } of operations) {
      const authenticated = (op.security ?? []).length > 0;
      const tenant = (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'x-profile-id');
      const expected = ['500', ...(authenticated ? ['401'] : []), ...(tenant ? ['400', '403', '404'] : [])];
      for (const status of expected) expect(Object.keys(op.responses), key).toContain(status);
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || key === 'get /health') continue; // /health answers 503 with its report
        expect(response.content?.['application/json']?.schema.$ref, `${key} ${status}`).toBe(
          '#/components/schemas/Error',
        );
        const listed = [...response.description.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
        expect(listed.length, `${key} ${status}`).toBeGreaterThan(0);
        for (const c of listed) expect(codesOf(Number(status)), `${key} ${status}: ${c}`).toContain(c);
      }
    }
    const tenantOps = operations.filter((o) => o.key.startsWith('get /api/v1/jobs'));
    expect(tenantOps.length).toBeGreaterThan(0);
    for (const { op } of tenantOps) expect(op.parameters?.map((p) => p.name)).toContain('x-profile-id');
  });

  it('documents in docs/api.md exactly the codes and statuses of the map', () => {
    const rows = [...apiDoc.matchAll(/^\| `([a-z_]+)` \| ([\d, ]+) \|/gm)].map((m) => [
      m[1],
      m[2]!.split(',').map((s: string) => Number(s.trim())),
    ]);
    expect(rows).toEqual(Object.entries(codeToStatus).map(([code, statuses]) => [code, [...statuses]]));
  });
});
