/**
 * Worst-case input per route that loops over user data, on the running stack: every operation whose
 * JSON body holds a list or a long text (support/worst-case.ts finds them in the document) gets the
 * biggest body the document allows, from a tenant whose library makes that costly (a segment with
 * 50 keywords of 100 characters for the SRT matcher). The request must answer below 500 within a
 * bound, and `/health`, polled all along, must keep answering: one request may not hold the Worker.
 *
 * The bounds are generous on purpose (a loaded two-core machine runs this): the issue asks for well
 * under a second, the figures measured are printed in the summary, and the bounds only catch work
 * that grows without limit.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { idPrefixes } from '../../../src/core/ids.ts';
import { makeVideo, readWhole } from '../../helpers/node/media-fixtures.ts';
import { startStack, type Tenant } from '../../e2e/helpers/stack.ts';
import { casesOf } from '../support/cases.ts';
import type { Fixture, RefKind } from '../support/fill.ts';
import { knownFindingOf } from '../support/known-findings.ts';
import { type OpenApiDocument, labelOf, operationsOf } from '../support/openapi.ts';
import { buildRequest } from '../support/requests.ts';
import { longKeywords, loopingInputs, maximalBody } from '../support/worst-case.ts';

const attack = casesOf('worst case');
/** Longest a request may take, and longest /health may wait meanwhile. */
const REQUEST_BOUND_MS = 15_000;
const HEALTH_BOUND_MS = 5_000;

const stack = await startStack();
afterAll(() => stack.stop());
const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as OpenApiDocument;

let tenant: Tenant;
const ids: Partial<Record<RefKind, string>> = {};

beforeAll(async () => {
  tenant = await stack.newTenant('worst-case');
  const api = stack.api(tenant);
  const bytes = await readWhole(await makeVideo({ duration: 2 }));
  const created = await api('/api/v1/segments/source-videos/uploads', {
    json: { name: 'Worst case', size_bytes: bytes.length, content_type: 'video/mp4' },
  });
  const video = created.body.source_video.id as string;
  await stack.fetchUrl(created.body.upload.upload_url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'video/mp4' },
  });
  const probe = await api(`/api/v1/segments/source-videos/${video}/complete`, { method: 'POST' });
  expect((await stack.waitForJob(tenant, probe.body.job_id)).status).toBe('completed');
  const segment = await api(`/api/v1/segments/source-videos/${video}/segments`, {
    json: { start_time: 0, end_time: 1.5, keywords: longKeywords(50, 100) },
  });
  expect(segment.status, segment.text).toBe(201);
  const project = await api('/api/v1/library/projects', { json: { name: 'Worst case' } });
  Object.assign(ids, {
    sourceVideo: video,
    any: video,
    segment: segment.body.id,
    project: project.body.id,
    job: probe.body.job_id,
    profile: tenant.profileId,
  });
}, 180_000);

/** The tenant's ids; kinds it has none of (clips come only from generation jobs) get ids that do not exist. */
const fixture = (): Fixture => ({
  // Segment edits keep the library at its costliest (so the SRT matcher's case stays the worst).
  named: {
    caption: 'Worst case',
    integration_ids: ['int-x'],
    keywords: longKeywords(50, 100),
    start_time: 0,
    end_time: 1.5,
  },
  idOf: (kind) => ids[kind] ?? `${idPrefixes[kind === 'any' ? 'sourceVideo' : kind]}_${'0'.repeat(26)}`,
});

interface Timed {
  status: number;
  ms: number;
  body: any;
}

async function timed(path: string, init: RequestInit, timeoutMs: number): Promise<Timed> {
  const started = performance.now();
  try {
    const res = await fetch(`${stack.url}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const ms = performance.now() - started;
    return {
      status: res.status,
      ms,
      body: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
    };
  } catch {
    return { status: 0, ms: performance.now() - started, body: null };
  }
}

const operations = operationsOf(doc)
  .filter((op) => op.authenticated && loopingInputs(op).length > 0)
  // Cases a known finding stalls go last: the stall must not slow the others.
  .sort(
    (a, b) =>
      Number(!!knownFindingOf(`worst case › ${labelOf(a)}`)) - Number(!!knownFindingOf(`worst case › ${labelOf(b)}`)),
  );

for (const op of operations) {
  attack(
    `${labelOf(op)} with its biggest input (${loopingInputs(op).join('; ')})`,
    async ({ task }) => {
      const req = buildRequest(op, fixture());
      const body = JSON.stringify(maximalBody(op, fixture()));
      const headers = {
        Authorization: `Bearer ${tenant.token}`,
        'X-Profile-Id': tenant.profileId,
        'Content-Type': 'application/json',
      };
      let done = false;
      const request = timed(req.path, { method: op.method, headers, body }, REQUEST_BOUND_MS + 5_000).finally(() => {
        done = true;
      });
      const health: number[] = [];
      while (!done) {
        health.push((await timed('/health', {}, HEALTH_BOUND_MS + 5_000)).ms);
        await new Promise((r) => setTimeout(r, 200));
      }
      const res = await request;
      for (const id of [res.body?.job_id, ...(res.body?.job_ids ?? [])].filter(Boolean))
        await stack.api(tenant)(`/api/v1/jobs/${id}/cancel`, { method: 'POST' });
      const worstHealth = Math.max(0, ...health);
      const refusal = res.body?.error
        ? ` (${res.body.error.code}: ${String(res.body.error.message).slice(0, 80)})`
        : '';
      task.meta.measured = `${(body.length / 1024).toFixed(0)} KiB body answered ${res.status || 'nothing (aborted)'}${refusal} in ${res.ms.toFixed(0)} ms; /health at most ${worstHealth.toFixed(0)} ms over ${health.length} polls`;
      expect(res.status, task.meta.measured).toBeGreaterThan(0);
      expect(res.status, JSON.stringify(res.body)?.slice(0, 300)).toBeLessThan(500);
      expect(res.ms, task.meta.measured).toBeLessThanOrEqual(REQUEST_BOUND_MS);
      expect(worstHealth, task.meta.measured).toBeLessThanOrEqual(HEALTH_BOUND_MS);
    },
    REQUEST_BOUND_MS + 30_000,
  );
}
