/**
 * The reusable cross-profile check every route test calls. Given resources owned by one profile,
 * it asserts that two kinds of intruder get 404 for every request naming them (never 2xx, never
 * 403, which would confirm the id exists) and that lists never show them:
 * - the same user acting in another of their profiles (X-Profile-Id), and
 * - a different user.
 */
import { expect } from 'vitest';
import { call } from './api.ts';
import { type Tenant, seedProfile, seedUser } from './tenants.ts';

export interface ForeignRequest {
  method: string;
  path: string;
  json?: unknown;
  body?: BodyInit | (() => BodyInit);
  headers?: Record<string, string>;
}

export interface ListCheck {
  path: string;
  /** Ids that must not appear in the intruder's list. */
  ids: string[];
  /** Pulls ids out of a list response body. */
  extract?: (body: any) => string[];
}

export async function intrudersOf(owner: Tenant): Promise<{ sameUserOtherProfile: Tenant; otherUser: Tenant }> {
  return { sameUserOtherProfile: await seedProfile(owner, 'Intruding brand'), otherUser: await seedUser('intruder') };
}

const defaultExtract = (body: any): string[] => {
  const list = Array.isArray(body) ? body : (Object.values(body ?? {}).find(Array.isArray) ?? []);
  return (list as any[]).map((item) => item.id ?? item.job_id ?? item.segment_id);
};

export async function expectCrossProfileIsolation(
  owner: Tenant,
  requests: ForeignRequest[],
  lists: ListCheck[] = [],
): Promise<void> {
  const intruders = await intrudersOf(owner);
  for (const [label, intruder] of Object.entries(intruders)) {
    for (const req of requests) {
      const res = await call(req.path, {
        method: req.method,
        token: intruder.token,
        profileId: intruder.profileId,
        json: req.json,
        body: typeof req.body === 'function' ? req.body() : req.body,
        headers: req.headers,
      });
      expect(res.status, `${label}: ${req.method} ${req.path} → ${res.status} ${res.text.slice(0, 200)}`).toBe(404);
      expect(res.body?.error?.code, `${label}: ${req.method} ${req.path}`).toBe('not_found');
    }
    for (const list of lists) {
      const res = await call(list.path, { token: intruder.token, profileId: intruder.profileId });
      expect(res.status, `${label}: GET ${list.path}`).toBe(200);
      const seen = (list.extract ?? defaultExtract)(res.body);
      for (const id of list.ids) expect(seen, `${label}: ${list.path} leaks ${id}`).not.toContain(id);
    }
  }
}
