/**
 * Source-video helpers for route tests inside workerd. Route tests have no media processor, so a
 * "ready" video is made by uploading real bytes through the API and then recording the metadata a
 * probe would have found (`markProbed`); the real probe runs in the e2e tests.
 */
import { env, exports } from 'cloudflare:workers';
import { createDb } from '../../../src/db/client.ts';
import { markSourceVideoReady } from '../../../src/db/repos/source-videos.ts';
import { sourceVideos } from '../../../src/db/schema.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../../../src/db/scope.ts';
import { eq } from 'drizzle-orm';
import type { ApiResponse } from './api.ts';
import { type Tenant, as } from './tenants.ts';

export const BASE = '/api/v1/segments/source-videos';

export function scopeOf(t: Tenant): ProfileScope {
  return scopeForVerifiedProfile(createDb(env.DB), { profileId: t.profileId });
}

/** Deterministic bytes that start like an MP4 (`ftyp` box) and then look like media data. */
export function fakeMp4(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  const header = [
    0,
    0,
    0,
    0x18,
    ...'ftypisom'.split('').map((c) => c.charCodeAt(0)),
    0,
    0,
    2,
    0,
    ...'isomiso2'.split('').map((c) => c.charCodeAt(0)),
  ];
  out.set(header.slice(0, Math.min(size, header.length)));
  return out;
}

/** Byte equality that stays fast for megabytes (deep equality is slow on big arrays). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): string | true {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return `first difference at byte ${i}`;
  return true;
}

/** Calls an absolute URL the Worker issued (a signed media URL) in-process. */
export async function callUrl(url: string, init: RequestInit = {}): Promise<ApiResponse & { bytes: Uint8Array }> {
  const res = await exports.default.fetch(new Request(url, init));
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text, bytes };
}

export function putBytes(url: string, bytes: Uint8Array, contentType?: string) {
  return callUrl(url, { method: 'PUT', body: bytes, headers: contentType ? { 'Content-Type': contentType } : {} });
}

/**
 * A PUT whose body the test sends in two steps: `started` resolves once the Worker has read the
 * first bytes (so it is past every check and writing), `finish()` sends the rest and gives the
 * answer. For races: another request can run in between.
 */
export async function slowPut(url: string, bytes: Uint8Array, contentType: string) {
  const { readable, writable } = new FixedLengthStream(bytes.length);
  const writer = writable.getWriter();
  const answer = callUrl(url, { method: 'PUT', body: readable, headers: { 'Content-Type': contentType } });
  // An identity stream's write resolves when the reader took the chunk: the Worker is reading.
  await writer.write(bytes.subarray(0, 1024));
  return {
    async finish() {
      await writer.write(bytes.subarray(1024));
      await writer.close();
      return answer;
    },
  };
}

export interface CreatedUpload {
  id: string;
  body: any;
}

export async function requestUpload(t: Tenant, json: Record<string, unknown>): Promise<CreatedUpload> {
  const res = await as(t)(`${BASE}/uploads`, { json: { name: 'Clip', content_type: 'video/mp4', ...json } });
  if (res.status !== 201) throw new Error(`upload request failed: ${res.status} ${res.text}`);
  return { id: res.body.source_video.id, body: res.body };
}

/** Uploads bytes with a single signed PUT and completes; returns the completed response. */
export async function uploadVideo(t: Tenant, bytes: Uint8Array, json: Record<string, unknown> = {}) {
  const { id, body } = await requestUpload(t, { size_bytes: bytes.length, ...json });
  const put = await putBytes(body.upload.upload_url, bytes, body.upload.headers['Content-Type']);
  if (put.status !== 200) throw new Error(`PUT failed: ${put.status} ${put.text}`);
  const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
  if (done.status !== 202) throw new Error(`complete failed: ${done.status} ${done.text}`);
  return { id, completed: done.body };
}

/** Records what the probe would have found, making the video `ready`. */
export async function markProbed(
  t: Tenant,
  id: string,
  overrides: Partial<Parameters<typeof markSourceVideoReady>[2]> = {},
) {
  const [row] = await createDb(env.DB).select().from(sourceVideos).where(eq(sourceVideos.id, id));
  const changed = await markSourceVideoReady(scopeOf(t), id, {
    duration: 4,
    width: 320,
    height: 240,
    fps: 25,
    rotation: 0,
    videoCodec: 'h264',
    audioCodec: 'aac',
    hasAudio: true,
    bitRate: 400_000,
    fileSizeBytes: row!.fileSizeBytes ?? row!.declaredSizeBytes,
    thumbnailKey: null,
    waveform: Array.from({ length: 4000 }, (_, i) => Math.sqrt((i % 400) / 399)),
    ...overrides,
  });
  if (!changed) throw new Error(`video ${id} was not processing`);
}

export async function readyVideo(t: Tenant, bytes: Uint8Array = fakeMp4(64 * 1024)) {
  const { id } = await uploadVideo(t, bytes);
  await markProbed(t, id);
  return id;
}
