/**
 * Test tenants: a user with a token and a profile. Every test makes fresh users (random ids), so
 * tests never see each other's data even though they share one database.
 */
import { call } from './api.ts';
import { signToken } from './tokens.ts';

export interface Tenant {
  userId: string;
  token: string;
  profileId: string;
  /** Headers for `fetch`-style calls. */
  headers: Record<string, string>;
}

let counter = 0;
export function uniqueUserId(label = 'user'): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

function tenant(userId: string, token: string, profileId: string): Tenant {
  return { userId, token, profileId, headers: { Authorization: `Bearer ${token}`, 'X-Profile-Id': profileId } };
}

/** A new user and their auto-created default profile. */
export async function seedUser(label?: string): Promise<Tenant> {
  const userId = uniqueUserId(label);
  const token = await signToken({ sub: userId });
  const res = await call<any[]>('/api/v1/profiles/', { token });
  if (res.status !== 200) throw new Error(`seedUser: ${res.status} ${res.text}`);
  return tenant(userId, token, res.body[0].id);
}

/** Another profile of the same user. */
export async function seedProfile(owner: Tenant, name = 'Second brand'): Promise<Tenant> {
  const res = await call('/api/v1/profiles/', { token: owner.token, json: { name } });
  if (res.status !== 201) throw new Error(`seedProfile: ${res.status} ${res.text}`);
  return tenant(owner.userId, owner.token, res.body.id);
}

/** Call helpers bound to a tenant. */
export function as(t: Tenant) {
  return <T = any>(path: string, opts: Parameters<typeof call>[1] = {}) =>
    call<T>(path, { token: t.token, profileId: t.profileId, ...opts });
}
