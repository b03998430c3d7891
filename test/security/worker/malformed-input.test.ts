/**
 * Malformed input on every JSON route and every query string, generated from the document
 * (support/malformed.ts), sent by the owner of real resources (so each request reaches the route's
 * own validation, not a 404): a variant the document forbids answers 4xx in the one error shape,
 * a name with control characters is refused or stored without them, any other answers below 500;
 * none may hang (each case has a bounded time). Path ids that are too long or carry path tricks
 * answer 4xx too.
 */
import { beforeAll, expect } from 'vitest';
import { call } from '../../helpers/worker/api.ts';
import { casesOf } from '../support/cases.ts';
import { type Fixture, referenceKind } from '../support/fill.ts';
import { type Variant, bodyVariants, keepsControls, queryVariants } from '../support/malformed.ts';
import { labelOf } from '../support/openapi.ts';
import { type FixtureTenant, SRT, fixtureIdOf, seedFixtureTenant } from './fixture-tenant.ts';
import { buildRequest, documentedOperations, expectErrorShape } from './requests.ts';

const attack = casesOf('malformed input');
const { operations } = await documentedOperations();
const authenticated = operations.filter((op) => op.authenticated);

let owner: FixtureTenant;
beforeAll(async () => {
  owner = await seedFixtureTenant('malformed-owner');
}, 120_000);

const fixture = (): Fixture => ({
  named: { srt_content: SRT, caption: 'A caption', tts_text: 'Words', text: 'Words', integration_ids: ['int-x'] },
  idOf: (kind, op, name) => fixtureIdOf(owner, kind, op, name),
});

/** The placeholder fixture used at collection time, to know which variants an operation has. */
const placeholder: Fixture = { named: fixture().named, idOf: (kind) => `${kind.slice(0, 3)}_${'0'.repeat(26)}` };

async function sendVariant(op: (typeof authenticated)[number], variant: Variant, path?: string) {
  const req = buildRequest(op, fixture());
  const target = path ?? (variant.query ? `${req.path.split('?')[0]}?${variant.query}` : req.path);
  const headers: Record<string, string> = { ...req.headers };
  if (variant.body !== undefined) headers['Content-Type'] = variant.contentType ?? 'application/json';
  return call(target, {
    method: op.method,
    token: owner.owner.token,
    profileId: owner.owner.profileId,
    body: variant.body,
    headers,
    redirect: 'manual',
  });
}

async function check(op: (typeof authenticated)[number], variant: Variant, path?: string) {
  const res = await sendVariant(op, variant, path);
  const what = `${op.method} ${op.path} (${variant.name}) → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  if (variant.expect === 'refused' || (variant.expect === 'clean' && res.status >= 300)) {
    expect(res.status, what).toBeGreaterThanOrEqual(400);
    expectErrorShape(res, what);
  } else if (variant.expect === 'clean') {
    expect(keepsControls(res.text), `${what}: the name keeps its control characters`).toBe(false);
  }
}

for (const op of authenticated) {
  // Named at collection time with placeholder ids; each case rebuilds its variant with the owner's ids.
  const named = [...(op.jsonBody ? bodyVariants(op, buildRequest(op, placeholder).json) : []), ...queryVariants(op)];
  for (const { name } of named) {
    attack(`${labelOf(op)} › ${name}`, async () => {
      const real = [...(op.jsonBody ? bodyVariants(op, buildRequest(op, fixture()).json) : []), ...queryVariants(op)];
      await check(op, real.find((v) => v.name === name)!);
    });
  }
  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    for (const [name, mangle] of Object.entries({
      'an over-long id': (id: string) => `${id}${'0'.repeat(60)}`,
      'dot segments': (id: string) => `${id.slice(0, 4)}..%2F..%2F${id.slice(4)}`,
      'a NUL byte': (id: string) => `${id}%00`,
    })) {
      attack(`${labelOf(op)} › path {${p.name}} with ${name}`, async () => {
        const path = buildRequest(op, fixture()).path.split('?')[0]!;
        const id = fixtureIdOf(owner, referenceKind(p.name, p.schema)!, op, p.name);
        await check(op, { name, expect: 'refused' }, path.replace(id, mangle(id)));
      });
    }
  }
}
