/**
 * Publishing test helpers: a tenant connected to its own organisation on the fake Postiz (so tests
 * never share throttles, channels or posts), rendered clips whose video is a real MP4 in R2, and the
 * fake's `/__fake/…` controls.
 */
import { sha256Hex as sha256HexOf } from '../../../shared/encoding.ts';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { updateClip } from '../../../src/db/repos/clips.ts';
import { storageKeys } from '../../../src/storage/keys.ts';
import tinyClipUrl from '../../fixtures/tiny-clip.mp4?inline';
import { type ApiResponse, type CallOptions, call } from './api.ts';
import { scopeOf, seedClips } from './seed.ts';
import { type Tenant, as, seedUser } from './tenants.ts';

/** `test/fixtures/tiny-clip.mp4`: 1 s, 160×90 H.264 + AAC, made once with ffmpeg lavfi. */
export async function tinyClipBytes(): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(tinyClipUrl)).arrayBuffer());
}

export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  return sha256HexOf(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
}

/** A key the fake accepts, i.e. a fresh Postiz organisation with the default channels. */
export const newPostizKey = () => `pz_test_${crypto.randomUUID().replace(/-/g, '')}`;

export const fakeBase = () => env.POSTIZ_API_URL;
const fakeOrigin = () => new URL(env.POSTIZ_API_URL).origin;

export interface FakeRecorded {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  chunked: boolean;
  content_length: number | null;
  json?: any;
  status?: number;
  extra: {
    file?: { size: number; sha256: string; field: string; filename: string };
    created?: { postId: string; integration: string }[];
  };
}

export const postizFake = {
  async requests(apiKey: string, filter: { method?: string; path?: string } = {}): Promise<FakeRecorded[]> {
    const q = new URLSearchParams({ api_key: apiKey, ...filter });
    const res = await fetch(`${fakeOrigin()}/__fake/requests?${q}`);
    return ((await res.json()) as { requests: FakeRecorded[] }).requests;
  },
  creates(apiKey: string) {
    return postizFake.requests(apiKey, { method: 'POST', path: '/public/v1/posts' });
  },
  uploads(apiKey: string) {
    return postizFake.requests(apiKey, { method: 'POST', path: '/public/v1/upload' });
  },
  async org(apiKey: string): Promise<{ posts: any[]; media: any[] }> {
    const res = await fetch(`${fakeOrigin()}/__fake/orgs/${encodeURIComponent(apiKey)}`);
    if (res.status === 404) return { posts: [], media: [] };
    return (await res.json()) as { posts: any[]; media: any[] };
  },
  async failNext(rule: Record<string, unknown>) {
    const res = await fetch(`${fakeOrigin()}/__fake/fail-next`, { method: 'POST', body: JSON.stringify(rule) });
    expect(res.status).toBe(200);
  },
  async config(body: Record<string, unknown>) {
    const res = await fetch(`${fakeOrigin()}/__fake/config`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  },
  async setPostState(postId: string, body: Record<string, unknown>) {
    const res = await fetch(`${fakeOrigin()}/__fake/posts/${encodeURIComponent(postId)}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  },
};

/** Writes a real MP4 at the clip's final key and marks the render completed (what the render job does). */
export async function renderClip(t: Tenant, clipId: string, bytes?: Uint8Array): Promise<Uint8Array> {
  const scope = scopeOf(t);
  const video = bytes ?? (await tinyClipBytes());
  const key = storageKeys.clipFinal(scope, clipId, 'tiktok');
  await env.MEDIA.put(key, video, { httpMetadata: { contentType: 'video/mp4' } });
  await updateClip(scope, clipId, { finalKey: key, finalStatus: 'completed', finalPreset: 'tiktok' });
  return video;
}

/** Writes a raw variant video only (a clip that was generated but never rendered). */
export async function putRawClip(t: Tenant, clipId: string, bytes?: Uint8Array): Promise<Uint8Array> {
  const scope = scopeOf(t);
  const video = bytes ?? (await tinyClipBytes());
  const key = storageKeys.clipRaw(scope, clipId);
  await env.MEDIA.put(key, video);
  await updateClip(scope, clipId, { rawKey: key });
  return video;
}

export interface Publisher {
  user: Tenant;
  api: ReturnType<typeof as>;
  apiKey: string;
  projectId: string;
  clips: string[];
}

/** A tenant connected to its own fake Postiz organisation, with `clipCount` clips (rendered unless told otherwise). */
export async function seedPublisher(clipCount = 1, opts: { render?: boolean } = {}): Promise<Publisher> {
  const user = await seedUser('publisher');
  const api = as(user);
  const apiKey = newPostizKey();
  const put = await api('/api/v1/postiz/config', { method: 'PUT', json: { api_url: fakeBase(), api_key: apiKey } });
  expect(put.status, put.text).toBe(200);
  const projectId = (await api('/api/v1/library/projects', { json: { name: 'Publishing' } })).body.id as string;
  const clips = await seedClips(user, projectId, clipCount);
  if (opts.render !== false) for (const id of clips) await renderClip(user, id);
  return { user, api, apiKey, projectId, clips };
}

/**
 * Calls the app with the deployment-wide Postiz fallback removed from the bindings (the test
 * project sets POSTIZ_API_URL/KEY to the fake for every test).
 */
export function callWithoutDeploymentPostiz<T = any>(
  t: Tenant,
  path: string,
  opts: CallOptions = {},
): Promise<ApiResponse<T>> {
  return call<T>(path, {
    ...opts,
    token: t.token,
    profileId: t.profileId,
    env: { ...opts.env, POSTIZ_API_URL: '', POSTIZ_API_KEY: '' },
  });
}
