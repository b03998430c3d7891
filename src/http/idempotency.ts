/**
 * `Idempotency-Key` for job-creating POSTs. The first request with a key runs and its successful
 * response is stored for 24 h; a retry with the same key and the same input gets that response back
 * (header `Idempotent-Replayed: true`) and creates nothing; the same key with a different input is
 * 422; the same key while the first request is still running is 409. A failed first attempt
 * releases the key, so a corrected retry can go through.
 *
 * The fingerprint is the route plus the validated input (canonical JSON), so formatting differences
 * in the body do not matter.
 */
import { sha256Hex } from '../../shared/encoding.ts';
import { ApiError } from '../core/errors.ts';
import { claimKey, completeKey, findKey, releaseKey } from '../db/repos/idempotency-keys.ts';
import type { ProfileScope } from '../db/scope.ts';
import type { TenantContext } from './context.ts';
import { withoutGrammars } from './route-paths.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function runIdempotent(
  scope: ProfileScope,
  key: string | undefined,
  fingerprint: { route: string; input: unknown },
  run: () => Promise<{ status: number; body: unknown }>,
): Promise<StoredResponse> {
  if (key === undefined) return { ...(await run()), replayed: false };
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(400, 'bad_request', `${IDEMPOTENCY_HEADER} must be 1–255 visible ASCII characters`);
  }
  const hash = await sha256Hex(`${fingerprint.route}\n${canonical(fingerprint.input)}`);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await claimKey(scope, key, hash)) {
      try {
        const response = await run();
        if (response.status >= 200 && response.status < 300) {
          await completeKey(scope, key, response.status, JSON.stringify(response.body));
        } else {
          await releaseKey(scope, key);
        }
        return { ...response, replayed: false };
      } catch (err) {
        await releaseKey(scope, key);
        throw err;
      }
    }
    const existing = await findKey(scope, key);
    if (!existing) continue; // released between our insert and read: try to claim again
    if (existing.expiresAt < new Date().toISOString()) {
      await releaseKey(scope, key);
      continue;
    }
    if (existing.requestHash !== hash) {
      throw new ApiError(
        422,
        'idempotency_mismatch',
        `${IDEMPOTENCY_HEADER} was already used with a different request`,
      );
    }
    if (existing.state === 'in_flight' || existing.responseStatus === null) {
      throw new ApiError(
        409,
        'idempotency_conflict',
        `A request with this ${IDEMPOTENCY_HEADER} is still being processed`,
        {
          headers: { 'Retry-After': '1' },
        },
      );
    }
    return { status: existing.responseStatus, body: JSON.parse(existing.responseBody ?? 'null'), replayed: true };
  }
  throw new ApiError(409, 'idempotency_conflict', `A request with this ${IDEMPOTENCY_HEADER} is still being processed`);
}

/** Route helper: runs `run` under the request's Idempotency-Key and answers with JSON. */
export async function idempotentJson(
  c: TenantContext,
  input: unknown,
  run: () => Promise<{ status: number; body: unknown }>,
): Promise<Response> {
  const result = await runIdempotent(
    c.get('scope'),
    c.req.header(IDEMPOTENCY_HEADER),
    // The route as written (`/jobs/:job_id`): keys stored before routes carried id grammars still match.
    { route: `${c.req.method} ${withoutGrammars(c.req.routePath)}`, input },
    run,
  );
  const res = new Response(JSON.stringify(result.body), {
    status: result.status,
    headers: { 'Content-Type': 'application/json' },
  });
  if (result.replayed) res.headers.set('Idempotent-Replayed', 'true');
  return res;
}
