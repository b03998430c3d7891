/**
 * The processor's storage host (src/storage/processor-gateway.ts), through both ways production and
 * dev reach it: the handler as the Container's outbound handler calls it (a request to the storage
 * host's URL), and the dev Worker's storage route a local processor uses.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  STORAGE_DEV_PATH,
  STORAGE_MIN_PART_BYTES,
  STORAGE_ORIGIN,
  STORAGE_PART_BYTES,
} from '../../shared/processor/storage.ts';
import { newId } from '../../src/core/ids.ts';
import type { ProfileScope } from '../../src/db/scope.ts';
import { mediaInput, mediaOutput } from '../../src/processor/io.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { handleStorageRequest } from '../../src/storage/processor-gateway.ts';
import { type MediaTarget, signedMediaUrl, signedUploadUrl } from '../../src/storage/signed-urls.ts';
import { createWorker } from '../../src/worker.ts';
import { testJobs } from '../helpers/worker/jobs.ts';
import { callUrl, scopeOf } from '../helpers/worker/source-videos.ts';
import { seedUser } from '../helpers/worker/tenants.ts';

const MiB = 1024 * 1024;
const VIDEO = 'video/mp4';

/** The dev Worker's route standing in for a storage host URL (what STORAGE_URL maps it to). */
const devRoute = (url: string) => {
  const u = new URL(url);
  return `${env.PUBLIC_URL}${STORAGE_DEV_PATH}${u.pathname}${u.search}`;
};

/** A request as the Container's outbound handler receives it (over HTTP/1.1: with its Content-Length). */
async function outbound(url: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  const sent = init.body;
  const length =
    typeof sent === 'string' ? new TextEncoder().encode(sent).length : sent instanceof Uint8Array ? sent.length : null;
  if (length !== null && !headers.has('Content-Length')) headers.set('Content-Length', String(length));
  const res = await handleStorageRequest(new Request(url, { ...init, headers }), env);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const body = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, bytes, body };
}

const pattern = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % 251);

function withQuery(url: string, query: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.href;
}

async function owner(label = 'gateway') {
  const tenant = await seedUser(label);
  const scope = scopeOf(tenant);
  const id = newId('segment');
  const target: MediaTarget = { kind: 'segment_extract', id };
  return { scope, target, key: storageKeys.segmentExtract(scope, id) };
}

async function writeCapability(scope: ProfileScope, target: MediaTarget, maxBytes = 64 * MiB) {
  return (await signedUploadUrl(env, scope, target, { surface: 'storage', maxBytes, contentType: VIDEO })).url;
}

/** Create → parts (in the order given) → complete, each through `send`. */
async function multipart(
  send: (url: string, init?: RequestInit) => Promise<{ status: number; body: any }>,
  url: string,
  parts: Uint8Array[],
  order = parts.map((_, i) => i),
): Promise<{ status: number; body: any }> {
  const created = await send(withQuery(url, { uploads: '' }), { method: 'POST' });
  expect(created.status).toBe(200);
  const uploadId = created.body.upload_id as string;
  const stored: { part_number: number; etag: string }[] = [];
  for (const i of order) {
    const res = await send(withQuery(url, { upload_id: uploadId, part_number: String(i + 1) }), {
      method: 'PUT',
      body: parts[i],
      headers: { 'Content-Type': VIDEO },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.part_number).toBe(i + 1);
    stored.push(res.body);
  }
  stored.sort((a, b) => a.part_number - b.part_number);
  return send(withQuery(url, { upload_id: uploadId }), {
    method: 'POST',
    body: JSON.stringify({ parts: stored }),
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('capabilities the Worker hands the processor', () => {
  it('name objects on the storage host, never the public URL', async () => {
    const { scope, target } = await owner();
    const input = await mediaInput(env, scope, target);
    const output = await mediaOutput(env, scope, target, VIDEO);
    for (const url of [input.url, output.url]) {
      expect(new URL(url).origin).toBe(STORAGE_ORIGIN);
      expect(url).not.toContain(env.PUBLIC_URL);
    }
    expect(output.content_type).toBe(VIDEO);
  });

  it('serve ranged reads, on the outbound handler and the dev route alike', async () => {
    const { scope, target, key } = await owner();
    const content = pattern(100_000, 3);
    await env.MEDIA.put(key, content, { httpMetadata: { contentType: VIDEO } });
    const { url } = await mediaInput(env, scope, target);
    for (const send of [outbound, (u: string, init?: RequestInit) => callUrl(devRoute(u), init)]) {
      const whole = await send(url);
      expect(whole.status).toBe(200);
      expect(whole.bytes).toEqual(content);
      const part = await send(url, { headers: { Range: 'bytes=1000-1999' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('Content-Range')).toBe('bytes 1000-1999/100000');
      expect(part.bytes).toEqual(content.subarray(1000, 2000));
      const head = await send(url, { method: 'HEAD' });
      expect(head.headers.get('Content-Length')).toBe('100000');
      expect((await send(url, { headers: { Range: 'bytes=100000-' } })).status).toBe(416);
    }
  });

  it('are refused on the public /media route, and public links on the storage host', async () => {
    const { scope, target, key } = await owner();
    await env.MEDIA.put(key, pattern(100, 1));
    const capability = (await mediaInput(env, scope, target)).url;
    const token = new URL(capability).pathname.split('/').at(-1)!;
    const onPublic = await callUrl(`${env.PUBLIC_URL}/media/${token}`);
    expect(onPublic.status).toBe(403);
    expect(onPublic.body.error.code).toBe('forbidden');
    const publicUrl = (await signedMediaUrl(env, scope, target)).url;
    const publicToken = new URL(publicUrl).pathname.split('/').at(-1)!;
    const onStorage = await outbound(`${STORAGE_ORIGIN}/v1/objects/${publicToken}`);
    expect(onStorage.status).toBe(403);
    // The public link itself still works where it belongs.
    expect((await callUrl(publicUrl)).status).toBe(200);
  });

  it('refuse tampered, spliced and expired tokens with 403', async () => {
    const a = await owner('gw-a');
    const b = await owner('gw-b');
    await env.MEDIA.put(a.key, pattern(100, 1));
    const urlA = (await mediaInput(env, a.scope, a.target)).url;
    const urlB = (await mediaInput(env, b.scope, a.target)).url;
    const [bodyA, macA] = new URL(urlA).pathname.split('/').at(-1)!.split('.') as [string, string];
    const [bodyB] = new URL(urlB).pathname.split('/').at(-1)!.split('.') as [string, string];
    const expired = (
      await signedMediaUrl(env, a.scope, a.target, { surface: 'storage', ttlSeconds: 60, now: Date.now() - 3600_000 })
    ).url;
    for (const url of [
      `${STORAGE_ORIGIN}/v1/objects/${bodyB}.${macA}`,
      `${STORAGE_ORIGIN}/v1/objects/${bodyA}.${macA.slice(0, -1)}${macA.at(-1) === 'A' ? 'B' : 'A'}`,
      expired,
    ]) {
      const res = await outbound(url);
      expect(res.status, url).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await outbound(`${STORAGE_ORIGIN}/elsewhere`)).status).toBe(404);
  });

  it('keep reading and writing apart', async () => {
    const { scope, target, key } = await owner();
    await env.MEDIA.put(key, pattern(100, 1));
    const read = (await mediaInput(env, scope, target)).url;
    const write = await writeCapability(scope, target);
    const put = await outbound(read, { method: 'PUT', body: new Uint8Array(5), headers: { 'Content-Type': VIDEO } });
    expect(put.status).toBe(403);
    expect((await outbound(withQuery(read, { uploads: '' }), { method: 'POST' })).status).toBe(403);
    expect((await outbound(write)).status).toBe(403);
  });
});

describe('writing an output', () => {
  it('stores a body up to the part size in one PUT, and a second write replaces it', async () => {
    const { scope, target, key } = await owner();
    const url = await writeCapability(scope, target);
    for (const seed of [1, 2]) {
      const content = pattern(50_000 + seed, seed);
      const res = await callUrl(devRoute(url), { method: 'PUT', body: content, headers: { 'Content-Type': VIDEO } });
      expect(res.status).toBe(200);
      expect(res.body.size_bytes).toBe(content.length);
      const stored = await env.MEDIA.get(key);
      expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(content);
      expect(stored!.httpMetadata?.contentType).toBe(VIDEO);
    }
  });

  it('refuses a body over the part size before reading it, and chunked or mistyped bodies', async () => {
    const { scope, target, key } = await owner();
    const url = await writeCapability(scope, target, 1024 * MiB);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const over = await outbound(url, {
      method: 'PUT',
      body: endless,
      headers: { 'Content-Type': VIDEO, 'Content-Length': String(STORAGE_PART_BYTES + 1) },
      duplex: 'half',
    } as RequestInit);
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('payload_too_large');
    expect(pulled).toBeLessThanOrEqual(2);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.close();
      },
    });
    const noLength = await outbound(url, {
      method: 'PUT',
      body: chunked,
      headers: { 'Content-Type': VIDEO },
      duplex: 'half',
    } as RequestInit);
    expect(noLength.status).toBe(411);
    const wrongType = await outbound(url, {
      method: 'PUT',
      body: new Uint8Array(10),
      headers: { 'Content-Type': 'text/html' },
    });
    expect(wrongType.status).toBe(415);
    expect(await env.MEDIA.head(key)).toBeNull();
  });

  it('assembles a multipart upload of bounded parts, sent in any order, byte for byte', async () => {
    const { scope, target, key } = await owner();
    const url = await writeCapability(scope, target);
    const parts = [pattern(STORAGE_MIN_PART_BYTES, 1), pattern(STORAGE_MIN_PART_BYTES, 2), pattern(MiB + 17, 3)];
    const send = (u: string, init?: RequestInit) => callUrl(devRoute(u), init);
    const done = await multipart(send, url, parts, [2, 0, 1]);
    expect(done.status).toBe(200);
    const size = parts.reduce((n, p) => n + p.length, 0);
    expect(done.body.size_bytes).toBe(size);
    const read = (await mediaInput(env, scope, target)).url;
    const back = await outbound(read);
    const expected = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      expected.set(p, at);
      at += p.length;
    }
    expect(back.bytes.length).toBe(size);
    expect(back.bytes).toEqual(expected);
    expect((await env.MEDIA.head(key))!.httpMetadata?.contentType).toBe(VIDEO);
  });

  it('refuses parts that could not belong to the signed size, and objects that came out larger', async () => {
    const { scope, target, key } = await owner();
    const url = await writeCapability(scope, target, STORAGE_MIN_PART_BYTES + MiB);
    const created = await outbound(withQuery(url, { uploads: '' }), { method: 'POST' });
    const beyond = await outbound(withQuery(url, { upload_id: created.body.upload_id, part_number: '3' }), {
      method: 'PUT',
      body: new Uint8Array(10),
      headers: { 'Content-Type': VIDEO },
    });
    expect(beyond.status).toBe(413);
    const bad = await outbound(withQuery(url, { upload_id: created.body.upload_id, part_number: '0' }), {
      method: 'PUT',
      body: new Uint8Array(10),
      headers: { 'Content-Type': VIDEO },
    });
    expect(bad.status).toBe(400);
    // Two full parts fit the part-number bound but not the size: the assembled object is removed.
    const tooBig = await multipart(outbound, url, [
      pattern(STORAGE_MIN_PART_BYTES, 1),
      pattern(STORAGE_MIN_PART_BYTES, 2),
    ]);
    expect(tooBig.status).toBe(413);
    expect(await env.MEDIA.head(key)).toBeNull();
  });

  it('aborts an upload: nothing is stored and it cannot be completed afterwards', async () => {
    const { scope, target, key } = await owner();
    const url = await writeCapability(scope, target);
    const created = await outbound(withQuery(url, { uploads: '' }), { method: 'POST' });
    const uploadId = created.body.upload_id as string;
    const part = await outbound(withQuery(url, { upload_id: uploadId, part_number: '1' }), {
      method: 'PUT',
      body: pattern(1000, 1),
      headers: { 'Content-Type': VIDEO },
    });
    expect(part.status).toBe(200);
    expect((await outbound(withQuery(url, { upload_id: uploadId }), { method: 'DELETE' })).status).toBe(204);
    const late = await outbound(withQuery(url, { upload_id: uploadId }), {
      method: 'POST',
      body: JSON.stringify({ parts: [part.body] }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(late.status).toBe(409);
    expect(await env.MEDIA.head(key)).toBeNull();
    // Aborting again is harmless.
    expect((await outbound(withQuery(url, { upload_id: uploadId }), { method: 'DELETE' })).status).toBe(204);
  });

  it('stores no thumbnail for a source video that no longer exists', async () => {
    const tenant = await seedUser('gw-thumb');
    const scope = scopeOf(tenant);
    const id = 'vid_01jd2v4m8r0000000000000009';
    const output = await mediaOutput(env, scope, { kind: 'source_thumbnail', id }, 'image/jpeg');
    const put = await outbound(output.url, {
      method: 'PUT',
      body: new Uint8Array(10),
      headers: { 'Content-Type': 'image/jpeg' },
    });
    expect(put.status).toBe(404);
    expect((await outbound(withQuery(output.url, { uploads: '' }), { method: 'POST' })).status).toBe(404);
    expect(await env.MEDIA.head(storageKeys.sourceThumbnail(scope, id))).toBeNull();
  });
});

describe('the dev storage route', () => {
  it('exists only while the Worker talks to a local processor (PROCESSOR_URL)', async () => {
    const { scope, target, key } = await owner();
    await env.MEDIA.put(key, pattern(100, 1));
    const route = devRoute((await mediaInput(env, scope, target)).url);
    const worker = createWorker(testJobs);
    const withProcessor = await worker.fetch(new Request(route), env, createExecutionContext());
    expect(withProcessor.status).toBe(200);
    await withProcessor.arrayBuffer();
    const production = await worker.fetch(new Request(route), { ...env, PROCESSOR_URL: '' }, createExecutionContext());
    expect(production.status).toBe(404);
    await production.arrayBuffer();
  });
});
