/**
 * The OpenAPI document is good enough to generate a client from: the document the running Worker
 * serves goes through openapi-typescript, a program written against the generated types with
 * openapi-fetch (test/fixtures/openapi-usage.ts) compiles under strict TypeScript with zero errors,
 * a planted mistake does not, and the program then works against the Worker. The studio's checked-in
 * types (studio/src/api/openapi.d.ts, `npm run studio:api-types`) are those of the served document.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUDIO_API_TYPES, studioApiTypes } from '../../scripts/studio-api-types.ts';
import { ROOT, type Stack, startStack } from './helpers/stack.ts';

const usageFile = join(ROOT, 'test/fixtures/openapi-usage.ts');

let stack: Stack;
let typesDir: string;
let served: OpenAPI3;

beforeAll(async () => {
  stack = await startStack({ withoutProcessor: true });
  const res = await fetch(`${stack.url}/openapi.json`);
  expect(res.status).toBe(200);
  served = (await res.json()) as OpenAPI3;
  typesDir = mkdtempSync(join(tmpdir(), 'cutroom-openapi-'));
  writeFileSync(join(typesDir, 'openapi.d.ts'), astToString(await openapiTS(structuredClone(served))));
});

afterAll(async () => {
  await stack?.stop();
  if (typesDir) rmSync(typesDir, { recursive: true, force: true });
});

/** Diagnostics of compiling `files` against the generated types (imported as `cutroom-openapi`). */
function compile(files: string[]): string[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
    paths: { 'cutroom-openapi': [join(typesDir, 'openapi.d.ts')] },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('a client generated from the OpenAPI document', () => {
  it('compiles a typed program with zero errors, and refuses a wrong field, path or error code', () => {
    expect(compile([usageFile])).toEqual([]);
    const planted = join(typesDir, 'planted.ts');
    writeFileSync(
      planted,
      [
        "import type { components, paths } from 'cutroom-openapi';",
        "type Segment = paths['/api/v1/segments/{id}']['get']['responses'][200]['content']['application/json'];",
        "export const a: Segment['start_time'] = 'not a number';",
        "export const b: Segment['no_such_field'] = 1;",
        "export const c: components['schemas']['Error']['error']['code'] = 'no_such_code';",
        "export type D = paths['/api/v1/no-such-route'];",
      ].join('\n'),
    );
    expect(compile([planted])).toHaveLength(4);
  });

  it('works against the Worker', async () => {
    // Imported by its path: the fixture compiles only against the generated types (see compile()).
    const { run } = (await import(usageFile)) as { run: (baseUrl: string, token: string) => Promise<unknown> };
    const tenant = await stack.newTenant('openapi-client');
    expect(await run(stack.url, tenant.token)).toEqual({
      profileNames: ['Default Profile', 'Generated client brand'],
      videoName: 'Generated',
      hasUploadUrl: true,
      missing: { status: 404, code: 'not_found' },
      unauthenticated: { status: 401, code: 'unauthorized' },
    });
  });

  it("is the studio's checked-in contract (regenerate with `npm run studio:api-types`)", async () => {
    expect(readFileSync(STUDIO_API_TYPES, 'utf8')).toBe(await studioApiTypes(served));
  });
});
