/**
 * BOLA matrix, generated from /openapi.json. For every authenticated operation, with the fixture
 * tenant's real ids in every reference (path, body, reference filters, the Idempotency-Key it used),
 * three intruders call it:
 * - another profile of the same user (tenant data is per profile),
 * - another user,
 * - another user naming the owner's profile in X-Profile-Id;
 * and for operations with several references, another user with their own ids everywhere but one.
 * An operation naming a resource must answer 404/403 in the one error shape; every answer must be
 * below 500 and carry no id of the owner that the request did not carry (lists leak nothing); and
 * afterwards the owner's view of every resource is what it was. Routes of the app missing from the
 * document, and operations whose inputs no table can fill, fail the run.
 */
import { beforeAll, expect } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { seedProfile, type Tenant } from '../../helpers/worker/tenants.ts';
import { casesOf } from '../support/cases.ts';
import { type Fixture, alternativesOf, referencesOf, slotOf, unfillable } from '../support/fill.ts';
import { type Operation, idsIn, labelOf } from '../support/openapi.ts';
import { type FixtureTenant, SRT, fixtureIdOf, seedFixtureTenant } from './fixture-tenant.ts';
import {
  type BuiltRequest,
  type Caller,
  buildRequest,
  documentedOperations,
  expectErrorShape,
  leakedIds,
  send,
} from './requests.ts';

const attack = casesOf('bola');
const { operations } = await documentedOperations();

/** Operations without a bearer token, and the section that attacks them instead. */
const PUBLIC_OPERATIONS: Record<string, string> = {
  'GET /': 'the service banner (name, version, links)',
  'GET /openapi.json': 'the document itself',
  'GET /docs': 'the reference page rendering the document',
  'GET /health': 'no tenant data (checked for leaks below)',
  'GET /health/ready': 'the same report as /health (checked for leaks below)',
  'GET /media/{token}': 'signed URLs: signed-urls.test.ts',
  'GET /media/{token}/{filename}': 'signed URLs: signed-urls.test.ts',
  'PUT /media/{token}': 'signed URLs: signed-urls.test.ts',
  'GET /dev/sign-in': 'dev only, 404 unless DEV_SIGN_IN and a loopback PUBLIC_URL: test/routes/dev-sign-in.test.ts',
  'POST /dev/sign-in': 'dev only, 404 unless DEV_SIGN_IN and a loopback PUBLIC_URL: test/routes/dev-sign-in.test.ts',
};

/** Routes the app serves but does not document, and why they need no case. */
const UNDOCUMENTED_ROUTES: Record<string, string> = {
  'GET /': 'the service banner (name, version, links)',
  'GET /openapi.json': 'the document itself',
  'GET /docs': 'the reference page rendering the document',
  'GET /media/{token}/{filename}': 'GET /media/{token} with a download file name (same handler)',
};

/** Parts of an answer that are the deployment's, not the tenant's: every tenant's work moves them. */
const DEPLOYMENT_WIDE: Record<string, string> = {
  'GET /api/v1/usage': 'elevenlabs', // the deployment's ElevenLabs account (characters used by everyone)
};

/** Content every request needs to get past validation to the ownership check. */
const NAMED_VALUES: Record<string, unknown> = {
  srt_content: SRT,
  caption: 'Intruder caption',
  tts_text: 'Intruder voice-over',
  text: 'Intruder speech',
  api_url: 'https://postiz.invalid/public/v1',
  api_key: 'pz_test_intruder',
  integration_ids: ['int-x'],
  url: 'https://hooks.example.com/intruder',
  secondary_keywords_1: ['alpha'],
  secondary_keywords_2: ['alpha'],
  secondary_keywords_3: ['alpha'],
  // Subtitle settings name a font the renderer has.
  fontFamily: 'DejaVu Sans',
};

const isProfileRoute = (op: Operation) => op.path.startsWith('/api/v1/profiles');
const modifies = (op: Operation) => op.method === 'PATCH' || op.method === 'PUT';

function fixtureOf(tenant: FixtureTenant, target?: { name: string; owner: FixtureTenant }): Fixture {
  return {
    named: NAMED_VALUES,
    idOf: (kind, op, name) =>
      fixtureIdOf(target && slotOf(name) === target.name ? target.owner : tenant, kind, op, name),
  };
}

/** The reference slots a request for `op` fills (path parameters, body fields; aliases once). */
function slotsOf(op: Operation, alternative: number): string[] {
  const slots = new Set<string>();
  const recorder: Fixture = {
    named: NAMED_VALUES,
    idOf: (kind, _op, name) => {
      slots.add(slotOf(name));
      return `${kind.slice(0, 3)}_${'0'.repeat(26)}`;
    },
  };
  buildRequest(op, recorder, { allProperties: modifies(op), alternative });
  return [...slots];
}

let owner: FixtureTenant;
let other: FixtureTenant;
let sameUser: Tenant;
/** Every id the owner can see (minus ids every tenant sees). */
let ownerIds: Set<string>;
let viewBefore: Map<string, string>;

const authenticated = operations.filter((op) => op.authenticated);
const viewOps = authenticated.filter((op) => op.method === 'GET');

/** The owner's view of every GET operation, with what changes on its own (URLs, clocks, job progress) left out. */
async function viewOf(tenant: FixtureTenant): Promise<Map<string, string>> {
  const volatile = /(url|_at|_unix|expires|progress|step|status|attempts|error|result|checked|cached|latency|count)$/;
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => !volatile.test(k))
          .map(([k, v]) => [k, strip(v)]),
      );
    return value;
  };
  // A Server-Sent Events answer (job events) is judged by its events' data, stripped the same way.
  const eventsOf = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => {
        try {
          return JSON.parse(line.slice(5));
        } catch {
          return line;
        }
      });
  const view = new Map<string, string>();
  for (const op of viewOps) {
    const req = buildRequest(op, fixtureOf(tenant));
    const res = await send(tenant.owner, req);
    const shared = DEPLOYMENT_WIDE[`${op.method} ${op.path}`];
    const answer = (res.headers.get('content-type') ?? '').includes('text/event-stream')
      ? eventsOf(res.text)
      : res.body;
    const body = shared && answer && typeof answer === 'object' ? { ...answer, [shared]: 'deployment' } : answer;
    view.set(labelOf(op), `${res.status} ${JSON.stringify(strip(body))}`);
  }
  return view;
}

/** Waits for the fixture's publish job, which changes what the owner sees when it ends. */
async function settled(tenant: FixtureTenant) {
  const path = `/api/v1/postiz/publish/${tenant.ids.publishJob}/progress`;
  for (let i = 0; i < 200; i++) {
    const res = await send(tenant.owner, { method: 'GET', path, headers: {} });
    if (res.body?.status !== 'in_progress') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the fixture publish job did not finish');
}

beforeAll(async () => {
  owner = await seedFixtureTenant('bola-owner');
  other = await seedFixtureTenant('bola-intruder');
  sameUser = await seedProfile(owner.owner, 'Intruding brand');
  await settled(owner);
  // Twice: a first read may start work of its own (a voice detection), the second is the baseline.
  await viewOf(owner);
  viewBefore = await viewOf(owner);
  const everyone = new Set(idsIn([...(await viewOf(other)).values()].join(' ')));
  ownerIds = new Set(
    [...idsIn([...viewBefore.values()].join(' ')), ...Object.values(owner.ids)].filter((id) => !everyone.has(id)),
  );
}, 180_000);

attack('every route the app serves is in the document', () => {
  const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
  const served = new Set(
    createApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/(.)\/$/, '$1')}`),
  );
  const missing = [...served].filter((r) => !documented.has(r) && !(r in UNDOCUMENTED_ROUTES));
  expect(missing, 'routes served but not documented (so no generated case attacks them)').toEqual([]);
  expect(served.size).toBeGreaterThan(80);
});

attack('every operation is authenticated or listed as public with the section that covers it', () => {
  const open = operations.filter((op) => !op.authenticated).map((op) => `${op.method} ${op.path}`);
  expect(open.filter((k) => !(k in PUBLIC_OPERATIONS))).toEqual([]);
});

attack('every operation’s inputs can be filled from the tables', () => {
  const problems = authenticated.flatMap((op) => unfillable(op).map((p) => `${labelOf(op)}: ${p}`));
  expect(problems).toEqual([]);
});

for (const path of ['/health', '/health/ready']) {
  attack(`GET ${path} shows no tenant data`, async () => {
    const res = await send({ token: '' }, { method: 'GET', path, headers: {} });
    expect(res.status).toBeLessThan(600);
    expect(idsIn(res.text).filter((id) => ownerIds.has(id))).toEqual([]);
  });
}

for (const op of viewOps.filter((o) => referencesOf(o).path.length)) {
  attack(`${labelOf(op)} › the owner reaches its resource (the matrix uses real ids)`, () => {
    const seen = viewBefore.get(labelOf(op)) ?? '';
    const status = Number(seen.slice(0, 3));
    expect(status, seen.slice(0, 300)).not.toBe(404);
    // A route that asks the processor while the request waits (a poster, a storyboard) documents 503
    // for a processor that cannot answer, which is all the workerd suite's stand-in does: past the
    // ownership check, so the owner did reach the resource.
    if (status === 503 && op.statuses.includes(503)) return;
    expect(status, seen.slice(0, 300)).toBeLessThan(500);
  });
}

interface Intruder {
  label: string;
  caller: () => Caller;
  /** Whether the caller is an intruder for this operation (a user's profiles belong to the user). */
  appliesTo: (op: Operation) => boolean;
}

const INTRUDERS: Intruder[] = [
  {
    label: 'another profile of the same user',
    caller: () => sameUser,
    appliesTo: (op) => !isProfileRoute(op),
  },
  { label: 'another user', caller: () => other.owner, appliesTo: () => true },
  {
    label: 'another user naming the owner’s profile',
    caller: () => ({ token: other.owner.token, profileId: owner.owner.profileId }),
    appliesTo: () => true,
  },
];

async function expectRefused(caller: Caller, req: BuiltRequest, names: boolean, what: string) {
  const res = await send(caller, req);
  expect(res.status, `${what} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(leakedIds(res, req, ownerIds), `${what}: ids of the owner in the answer`).toEqual([]);
  expect(res.headers.get('Idempotent-Replayed'), `${what}: replayed the owner's stored response`).toBeNull();
  if (names) {
    expect([403, 404], `${what} → ${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
    expectErrorShape(res, what);
  }
}

for (const op of authenticated) {
  const refs = referencesOf(op);
  const variants = alternativesOf(op);
  for (let alternative = 0; alternative < variants; alternative++) {
    const label = `${labelOf(op)}${variants > 1 ? ` (body alternative ${alternative + 1} of ${variants})` : ''}`;
    const options = { allProperties: modifies(op), alternative };
    const slots = slotsOf(op, alternative);
    // An alternative whose body names no resource (match-srt with `srt_content`, not `transcript_id`)
    // is a request of the intruder's own, judged like any other answer.
    const names = refs.path.length > 0 || (refs.body && slots.length > 0);
    for (const intruder of INTRUDERS.filter((i) => i.appliesTo(op))) {
      attack(`${label} › as ${intruder.label}`, async () => {
        expect(unfillable(op)).toEqual([]);
        const req = buildRequest(op, fixtureOf(owner), {
          ...options,
          referenceQuery: true,
          idempotencyKey: owner.idempotencyKey,
        });
        await expectRefused(intruder.caller(), req, names, `${intruder.label}: ${req.method} ${req.path}`);
      });
    }
    if (slots.length < 2) continue;
    for (const slot of slots) {
      attack(`${label} › as another user with their own ids but the owner’s ${slot || 'list'}`, async () => {
        const req = buildRequest(op, fixtureOf(other, { name: slot, owner }), options);
        await expectRefused(other.owner, req, true, `mixed ${slot}: ${req.method} ${req.path}`);
      });
    }
  }
}

attack('the owner’s resources are as they were after every intruder request', async () => {
  const after = await viewOf(owner);
  const changed = [...viewBefore.keys()].filter((k) => viewBefore.get(k) !== after.get(k));
  expect(
    changed.map((k) => `${k}\n  before ${viewBefore.get(k)?.slice(0, 300)}\n  after  ${after.get(k)?.slice(0, 300)}`),
  ).toEqual([]);
});
