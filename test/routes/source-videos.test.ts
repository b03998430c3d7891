import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { setVoiceDetection } from '../../src/db/repos/source-videos.ts';
import { segments, sourceVideos } from '../../src/db/schema.ts';
import { newId } from '../../src/core/ids.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { expireAbandonedUploads, sweepOrphans, SWEEP_CURSOR_KEY } from '../../src/housekeeping/orphan-sweep.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { call } from '../helpers/worker/api.ts';
import { as, seedUser, type Tenant } from '../helpers/worker/tenants.ts';
import {
  BASE,
  callUrl,
  fakeMp4,
  putBytes,
  readyVideo,
  requestUpload,
  sameBytes,
  scopeOf,
  slowPut,
  uploadVideo,
} from '../helpers/worker/source-videos.ts';

const MiB = 1024 * 1024;
const db = createDb(env.DB);
const rowOf = async (id: string) => (await db.select().from(sourceVideos).where(eq(sourceVideos.id, id)))[0];
const objectOf = (t: Tenant, id: string) => env.MEDIA.head(storageKeys.sourceVideo(scopeOf(t), id));

/** Every string in a response body, to check that no storage key or path leaks. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}
const expectNoKeys = (body: unknown) => {
  for (const s of strings(body)) {
    expect(s).not.toMatch(/(^|[^A-Za-z0-9])p\/prf_/);
    expect(s).not.toMatch(/\/videos\/vid_[0-9a-z]{26}\/(source|thumbnail)/);
  }
};

describe('POST /uploads (request an upload)', () => {
  it('validates with field paths', async () => {
    const t = await seedUser('sv');
    const res = await as(t)(`${BASE}/uploads`, {
      json: { name: '', size_bytes: 0, content_type: 'text/plain', extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.details.map((d: any) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'size_bytes', 'content_type']));
    const huge = await as(t)(`${BASE}/uploads`, {
      json: { name: 'x', size_bytes: 60 * 1024 * 1024 * 1024, content_type: 'video/mp4' },
    });
    expect(huge.status).toBe(400);
    expect(huge.body.error.details[0].path).toBe('size_bytes');
  });

  it('names the request origin in upload URLs when the deployment sets no PUBLIC_URL', async () => {
    const t = await seedUser('sv');
    const origin = 'https://cutroom.example.com';
    const res = await as(t)(`${BASE}/uploads`, {
      origin,
      env: { PUBLIC_URL: '' },
      json: { name: 'Clip', content_type: 'video/mp4', size_bytes: 100 * MiB, multipart: true },
    });
    expect(res.status).toBe(201);
    const id = res.body.source_video.id;
    expect(res.body.upload).toMatchObject({
      complete_url: `${origin}${BASE}/${id}/complete`,
      parts_url: `${origin}${BASE}/${id}/upload/parts`,
    });
    const parts = await as(t)(res.body.upload.parts_url.slice(origin.length), { origin, env: { PUBLIC_URL: '' } });
    expect(parts.body.parts[0].url).toMatch(new RegExp(`^${origin}/media/`));
    // A deployment that sets PUBLIC_URL gets it whatever host the request came in on.
    const pinned = await as(t)(`${BASE}/uploads`, {
      origin,
      env: { PUBLIC_URL: 'https://studio.example.org' },
      json: { name: 'Clip', content_type: 'video/mp4', size_bytes: 1000 },
    });
    expect(pinned.body.upload.upload_url).toMatch(/^https:\/\/studio\.example\.org\/media\//);
  });

  it('plans a single PUT for small files and a multipart upload for large ones', async () => {
    const t = await seedUser('sv');
    const small = await requestUpload(t, { size_bytes: 1000, filename: 'a.mp4', description: 'd' });
    expect(small.body.source_video).toMatchObject({
      status: 'pending_upload',
      name: 'Clip',
      description: 'd',
      stream_url: null,
      original_filename: 'a.mp4',
    });
    expect(small.body.upload).toMatchObject({
      method: 'PUT',
      size_bytes: 1000,
      headers: { 'Content-Type': 'video/mp4' },
    });
    expect(small.body.upload.upload_url).toMatch(new RegExp(`^${env.PUBLIC_URL}/media/`));
    expectNoKeys(small.body);

    const large = await requestUpload(t, { size_bytes: 3 * 1024 * MiB, content_type: 'video/quicktime' });
    expect(large.body.upload).toMatchObject({ method: 'multipart', part_size: 16 * MiB, part_count: 192 });
    expect(large.body.upload.parts_url).toContain(`${BASE}/${large.id}/upload/parts`);
    const page = await as(t)(`${BASE}/${large.id}/upload/parts?limit=100`);
    expect(page.status).toBe(200);
    expect(page.body.parts).toHaveLength(100);
    expect(page.body.next_from).toBe(101);
    const last = await as(t)(`${BASE}/${large.id}/upload/parts?from=190`);
    expect(last.body.parts.map((p: any) => [p.part_number, p.size_bytes])).toEqual([
      [190, 16 * MiB],
      [191, 16 * MiB],
      [192, 3 * 1024 * MiB - 191 * 16 * MiB],
    ]);
    expect(last.body.next_from).toBeNull();
    expectNoKeys(page.body);
  });
});

describe('POST /uploads with Idempotency-Key', () => {
  it('answers a repeated request with the first upload and creates one video', async () => {
    const t = await seedUser('sv-idem-json');
    const json = { name: 'Clip', content_type: 'video/mp4', size_bytes: 1234 };
    const headers = { 'Idempotency-Key': 'upload-1' };
    const first = await as(t)(`${BASE}/uploads`, { json, headers });
    expect(first.status).toBe(201);
    const again = await as(t)(`${BASE}/uploads`, { json, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body.source_video.id).toBe(first.body.source_video.id);
    expect((await as(t)(`${BASE}?limit=100`)).body).toHaveLength(1);
    const changed = await as(t)(`${BASE}/uploads`, { json: { ...json, size_bytes: 99 }, headers });
    expect(changed.status).toBe(422);
    expect(changed.body.error.code).toBe('idempotency_mismatch');
  });
});

describe('single PUT upload', () => {
  it('stores the bytes, completes into processing with a probe job, and streams them back', async () => {
    const t = await seedUser('sv');
    const bytes = fakeMp4(200_000);
    const { id, body } = await requestUpload(t, { size_bytes: bytes.length });
    const put = await putBytes(body.upload.upload_url, bytes, 'video/mp4');
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ status: 'stored', size_bytes: bytes.length });

    const status = await as(t)(`${BASE}/${id}/upload`);
    expect(status.body).toMatchObject({ method: 'PUT', received_bytes: bytes.length, status: 'pending_upload' });

    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(202);
    expect(done.body).toMatchObject({ id, status: 'processing', file_size_bytes: bytes.length });
    expect(done.body.job_id).toMatch(/^job_/);
    const job = await as(t)(`/api/v1/jobs/${done.body.job_id}`);
    expect(job.body).toMatchObject({ type: 'probe_source_video', resource_id: id });

    // Completing again is harmless.
    const again = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body.job_id).toBeNull();

    const got = await callUrl(done.body.stream_url);
    expect(got.status).toBe(200);
    expect(got.bytes).toEqual(bytes);
    expect(got.headers.get('Content-Type')).toBe('video/mp4');
    expectNoKeys(done.body);

    // The upload is closed: the same URL cannot overwrite the video any more.
    expect((await putBytes(body.upload.upload_url, bytes, 'video/mp4')).status).toBe(409);
  });

  it('refuses wrong sizes (400/413) and wrong types (415), and completing without bytes (409)', async () => {
    const t = await seedUser('sv');
    const { id, body } = await requestUpload(t, { size_bytes: 5000 });
    expect((await putBytes(body.upload.upload_url, fakeMp4(4999), 'video/mp4')).status).toBe(400);
    const over = await putBytes(body.upload.upload_url, fakeMp4(5001), 'video/mp4');
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('payload_too_large');
    expect((await putBytes(body.upload.upload_url, fakeMp4(5000), 'video/webm')).status).toBe(415);
    expect(await objectOf(t, id)).toBeNull();
    const early = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(early.status).toBe(409);
    expect(early.body.error.details).toEqual({ received_bytes: 0 });
  });

  it('rejects a text file renamed .mp4: 400 invalid_media, object deleted, video failed', async () => {
    const t = await seedUser('sv');
    const text = new TextEncoder().encode('This is not a video, just text pretending to be clip.mp4\n'.repeat(50));
    const { id, body } = await requestUpload(t, { size_bytes: text.length, filename: 'clip.mp4' });
    expect((await putBytes(body.upload.upload_url, text, 'video/mp4')).status).toBe(200);
    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(400);
    expect(done.body.error.code).toBe('invalid_media');
    expect(done.body.error.message).toMatch(/not a video/);
    expect(await objectOf(t, id)).toBeNull();
    const video = await as(t)(`${BASE}/${id}`);
    expect(video.body).toMatchObject({ status: 'failed', error: { code: 'invalid_media' }, stream_url: null });
  });

  it('rejects bytes of another container family than declared', async () => {
    const t = await seedUser('sv');
    const bytes = fakeMp4(4000);
    const { id, body } = await requestUpload(t, { size_bytes: bytes.length, content_type: 'video/webm' });
    await putBytes(body.upload.upload_url, bytes, 'video/webm');
    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(400);
    expect(done.body.error.message).toContain('declared as video/webm but its content is MP4');
  });
});

describe('uploads receive their bytes once (what was checked is what is served)', () => {
  const text = new TextEncoder().encode('not a video, an hour long, whatever the row says '.repeat(200));

  it('refuses a replay of a used upload URL (409) and keeps the first bytes', async () => {
    const t = await seedUser('sv-once');
    const bytes = fakeMp4(text.length, 1);
    const { id, body } = await requestUpload(t, { size_bytes: bytes.length });
    expect((await putBytes(body.upload.upload_url, bytes, 'video/mp4')).status).toBe(200);
    const replay = await putBytes(body.upload.upload_url, text, 'video/mp4');
    expect(replay.status).toBe(409);
    expect(replay.body.error.message).toMatch(/already received its bytes/);
    // A fresh URL for the same upload is no way around it.
    const fresh = (await as(t)(`${BASE}/${id}/upload`)).body.upload.upload_url;
    expect((await putBytes(fresh, text, 'video/mp4')).status).toBe(409);
    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(202);
    expect((await callUrl(done.body.stream_url)).bytes).toEqual(bytes);
  });

  it('refuses a second PUT started before complete and finished after it: the probed bytes stay', async () => {
    const t = await seedUser('sv-race');
    const bytes = fakeMp4(text.length, 2);
    const { id, body } = await requestUpload(t, { size_bytes: bytes.length });
    // The swap: a second PUT is already writing when the first one lands and the upload completes.
    const swap = await slowPut(body.upload.upload_url, text, 'video/mp4');
    expect((await putBytes(body.upload.upload_url, bytes, 'video/mp4')).status).toBe(200);
    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(202);
    const late = await swap.finish();
    expect(late.status).toBe(409);
    const served = await callUrl(done.body.stream_url);
    expect(served.bytes).toEqual(bytes);
    expect(served.headers.get('Content-Type')).toBe('video/mp4');
    expect((await objectOf(t, id))?.size).toBe(bytes.length);
  });

  it('takes each multipart part once: a concurrent or replayed PUT of a part is 409, and the assembled file is the first', async () => {
    const t = await seedUser('sv-parts');
    const bytes = fakeMp4(6 * MiB, 4);
    const { id } = await requestUpload(t, { size_bytes: bytes.length, multipart: true, part_size_bytes: 5 * MiB });
    const parts = (await as(t)(`${BASE}/${id}/upload/parts`)).body.parts as { url: string; size_bytes: number }[];
    const other = new Uint8Array(5 * MiB).fill(7);
    const first = await slowPut(parts[0]!.url, bytes.subarray(0, 5 * MiB), 'application/octet-stream');
    const concurrent = await putBytes(parts[0]!.url, other);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error.message).toMatch(/Part 1 was already received \(or is being received\)/);
    // While part 1 is still arriving it is not received: completing is refused.
    expect((await as(t)(`${BASE}/${id}/upload`)).body.received_parts).toEqual([]);
    expect((await first.finish()).status).toBe(200);
    expect((await putBytes(parts[0]!.url, other)).status).toBe(409);
    expect((await putBytes(parts[1]!.url, bytes.subarray(5 * MiB))).status).toBe(200);
    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(202);
    expect(sameBytes((await callUrl(done.body.stream_url)).bytes, bytes)).toBe(true);
  });

  it('gives a part back when its body breaks, so the client can send it again', async () => {
    const t = await seedUser('sv-retry');
    const bytes = fakeMp4(6 * MiB, 5);
    const { id } = await requestUpload(t, { size_bytes: bytes.length, multipart: true, part_size_bytes: 5 * MiB });
    const parts = (await as(t)(`${BASE}/${id}/upload/parts`)).body.parts as { url: string }[];
    const { readable, writable } = new FixedLengthStream(5 * MiB);
    const writer = writable.getWriter();
    const broken = callUrl(parts[0]!.url, { method: 'PUT', body: readable });
    await writer.write(bytes.subarray(0, 1024));
    await writer.abort(new Error('connection lost'));
    expect((await broken).status).toBeGreaterThanOrEqual(400);
    expect((await putBytes(parts[0]!.url, bytes.subarray(0, 5 * MiB))).status).toBe(200);
    expect((await as(t)(`${BASE}/${id}/upload`)).body.received_parts).toEqual([1]);
  });
});

describe('multipart upload', () => {
  async function multipart(t: Tenant, bytes: Uint8Array) {
    const { id, body } = await requestUpload(t, {
      size_bytes: bytes.length,
      multipart: true,
      part_size_bytes: 5 * MiB,
    });
    expect(body.upload).toMatchObject({ method: 'multipart', part_size: 5 * MiB, part_count: 3 });
    const parts = await as(t)(`${BASE}/${id}/upload/parts`);
    return { id, parts: parts.body.parts as { part_number: number; size_bytes: number; url: string }[] };
  }
  const slice = (bytes: Uint8Array, n: number) => bytes.subarray((n - 1) * 5 * MiB, n * 5 * MiB);

  it('resumes: reports missing parts, refuses to complete early, takes the rest, then assembles the file', async () => {
    const t = await seedUser('sv');
    const bytes = fakeMp4(11 * MiB + 123, 7);
    const { id, parts } = await multipart(t, bytes);
    expect(parts.map((p) => p.size_bytes)).toEqual([5 * MiB, 5 * MiB, MiB + 123]);

    for (const n of [1, 3]) expect((await putBytes(parts[n - 1]!.url, slice(bytes, n))).status).toBe(200);
    const status = await as(t)(`${BASE}/${id}/upload`);
    expect(status.body).toMatchObject({
      method: 'multipart',
      received_parts: [1, 3],
      missing_parts: [2],
      received_bytes: 6 * MiB + 123,
    });

    const early = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(early.status).toBe(409);
    expect(early.body.error.details.missing_parts).toEqual([2]);

    // The client asks only for what is missing and sends it.
    const missing = await as(t)(`${BASE}/${id}/upload/parts?missing=true`);
    expect(missing.body.parts.map((p: any) => p.part_number)).toEqual([2]);
    expect((await putBytes(missing.body.parts[0].url, slice(bytes, 2))).status).toBe(200);

    const done = await as(t)(`${BASE}/${id}/complete`, { method: 'POST' });
    expect(done.status).toBe(202);
    expect(done.body.status).toBe('processing');
    const got = await callUrl(done.body.stream_url);
    expect(sameBytes(got.bytes, bytes)).toBe(true);
    const mid = await callUrl(done.body.stream_url, { headers: { Range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` } });
    expect(mid.status).toBe(206);
    expect(mid.bytes).toEqual(bytes.subarray(5 * MiB - 10, 5 * MiB + 10));
  });

  it('refuses a part of the wrong size and a part URL of an aborted upload', async () => {
    const t = await seedUser('sv');
    const bytes = fakeMp4(11 * MiB, 3);
    const { id, parts } = await multipart(t, bytes);
    expect((await putBytes(parts[0]!.url, bytes.subarray(0, 5 * MiB - 1))).status).toBe(400);
    expect((await putBytes(parts[0]!.url, bytes.subarray(0, 5 * MiB + 1))).status).toBe(413);
    expect((await as(t)(`${BASE}/${id}/abort`, { method: 'POST' })).body).toEqual({ status: 'aborted', id });
    expect((await as(t)(`${BASE}/${id}`)).status).toBe(404);
    expect((await putBytes(parts[1]!.url, slice(bytes, 2))).status).toBe(404);
  });
});

describe('POST / (form upload, original API)', () => {
  function form(fields: [string, string | Blob, string?][]) {
    const fd = new FormData();
    for (const [name, value, filename] of fields) {
      if (typeof value === 'string') fd.append(name, value);
      else fd.append(name, value, filename);
    }
    return fd;
  }
  const post = async (t: Tenant, body: FormData, headers: Record<string, string> = {}) => {
    // Serialise like a browser does, so the request has a Content-Length.
    const req = new Request('http://x/', { method: 'POST', body });
    const bytes = new Uint8Array(await req.arrayBuffer());
    return as(t)(`${BASE}`, {
      method: 'POST',
      body: bytes,
      headers: { 'Content-Type': req.headers.get('Content-Type')!, ...headers },
    });
  };

  it('honours Idempotency-Key: a repeated post answers the first video and stores nothing more', async () => {
    const t = await seedUser('sv-idem');
    const bytes = fakeMp4(50_000, 12);
    const body = () =>
      form([
        ['name', 'Once'],
        ['video', new Blob([bytes], { type: 'video/mp4' }), 'once.mp4'],
      ]);
    const key = { 'Idempotency-Key': 'form-upload-1' };
    const first = await post(t, body(), key);
    expect(first.status).toBe(201);
    const again = await post(t, body(), key);
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect((await as(t)(`${BASE}?limit=100`)).body.map((v: any) => v.id)).toEqual([first.body.id]);
    const objects = await env.MEDIA.list({ prefix: `p/${t.profileId}/videos/` });
    expect(objects.objects.filter((o) => o.key.endsWith('/source'))).toHaveLength(1);
    // The same key with other bytes is a different request.
    const other = form([
      ['name', 'Once'],
      ['video', new Blob([fakeMp4(50_000, 13)], { type: 'video/mp4' }), 'once.mp4'],
    ]);
    expect((await post(t, other, key)).status).toBe(422);
    expect((await as(t)(`${BASE}?limit=100`)).body).toHaveLength(1);
  });

  it('streams a multi-part-sized file into storage and starts the probe (fields in any order)', async () => {
    const t = await seedUser('sv');
    const bytes = fakeMp4(23 * MiB + 5, 11); // three 10 MiB storage parts
    const res = await post(
      t,
      form([
        ['video', new Blob([bytes], { type: 'application/octet-stream' }), 'holiday.mp4'],
        ['name', ' Holiday '],
        ['description', 'Beach'],
      ]),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Holiday',
      description: 'Beach',
      status: 'processing',
      original_filename: 'holiday.mp4',
      content_type: 'video/mp4',
      file_size_bytes: bytes.length,
    });
    expect(res.body.job_id).toMatch(/^job_/);
    const got = await callUrl(res.body.stream_url);
    expect(sameBytes(got.bytes, bytes)).toBe(true);
    expectNoKeys(res.body);
  });

  it('rejects a text file renamed .mp4 before storing anything', async () => {
    const t = await seedUser('sv');
    const res = await post(
      t,
      form([
        ['name', 'Fake'],
        ['video', new Blob(['just text\n'.repeat(1000)], { type: 'video/mp4' }), 'fake.mp4'],
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_media');
    expect((await as(t)(BASE)).body).toEqual([]);
    const listing = await env.MEDIA.list({ prefix: `p/${t.profileId}/` });
    expect(listing.objects).toHaveLength(0);
  });

  it('requires name and video, and a multipart body with a length', async () => {
    const t = await seedUser('sv');
    const noName = await post(t, form([['video', new Blob([fakeMp4(3000)]), 'a.mp4']]));
    expect(noName.status).toBe(400);
    expect(noName.body.error.details.map((d: any) => d.path)).toEqual(['name']);
    expect((await as(t)(BASE)).body).toEqual([]);
    expect((await env.MEDIA.list({ prefix: `p/${t.profileId}/` })).objects).toHaveLength(0);
    const noVideo = await post(t, form([['name', 'x']]));
    expect(noVideo.body.error.details.map((d: any) => d.path)).toEqual(['video']);
    const json = await as(t)(BASE, { json: { name: 'x' } });
    expect(json.status).toBe(415);
    const chunked = await as(t)(BASE, {
      method: 'POST',
      body: new ReadableStream({ start: (c) => c.close() }),
      headers: { 'Content-Type': 'multipart/form-data; boundary=abc' },
      duplex: 'half',
    } as never);
    expect(chunked.status).toBe(411);
  });
});

describe('library: list, get, patch, delete', () => {
  it('lists newest first with cursor pagination (X-Next-Cursor, Link) and a status filter', async () => {
    const t = await seedUser('sv');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await readyVideo(t, fakeMp4(2000 + i)));
    const pending = await requestUpload(t, { size_bytes: 10 });
    const first = await as(t)(`${BASE}?limit=2`);
    expect(first.status).toBe(200);
    expect(Array.isArray(first.body)).toBe(true);
    expect(first.body.map((v: any) => v.id)).toEqual([pending.id, ids[2]]);
    const cursor = first.headers.get('X-Next-Cursor')!;
    expect(first.headers.get('Link')).toBe(`<${BASE}?limit=2&cursor=${cursor}>; rel="next"`);
    const link = /<([^>]+)>; rel="next"/.exec(first.headers.get('Link')!)![1]!;
    const second = await as(t)(link);
    expect(second.body.map((v: any) => v.id)).toEqual([ids[1], ids[0]]);
    expect(second.headers.get('X-Next-Cursor')).toBeNull();
    const ready = await as(t)(`${BASE}?status=ready`);
    expect(ready.body.map((v: any) => v.id)).toEqual([...ids].reverse());
    expect((await as(t)(`${BASE}?status=nope`)).status).toBe(400);
  });

  it('returns the original fields without paths, plus status, codecs, orientation and signed URLs', async () => {
    const t = await seedUser('sv');
    const id = await readyVideo(t);
    await markProbedThumbnail(t, id);
    const res = await as(t)(`${BASE}/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id,
      name: 'Clip',
      status: 'ready',
      error: null,
      duration: 4,
      width: 320,
      height: 240,
      fps: 25,
      rotation: 0,
      orientation: 'landscape',
      video_codec: 'h264',
      audio_codec: 'aac',
      has_audio: true,
      segments_count: 0,
    });
    expect(res.body).not.toHaveProperty('file_path');
    expect(res.body).not.toHaveProperty('thumbnail_path');
    const thumb = await callUrl(res.body.thumbnail_url);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('Content-Type')).toBe('image/jpeg');
    const download = await callUrl(res.body.download_url, { method: 'HEAD' });
    expect(download.headers.get('Content-Disposition')).toContain('attachment; filename="Clip.mp4"');
    expectNoKeys(res.body);
  });

  it('patches name and description with validation', async () => {
    const t = await seedUser('sv');
    const id = await readyVideo(t);
    const res = await as(t)(`${BASE}/${id}`, { method: 'PATCH', json: { name: '  Renamed ', description: null } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', description: null });
    const bad = await as(t)(`${BASE}/${id}`, { method: 'PATCH', json: { name: '', status: 'ready' } });
    expect(bad.status).toBe(400);
  });

  it('deletes rows (with segments) and every object of the video and its segments', async () => {
    const t = await seedUser('sv');
    const id = await readyVideo(t);
    const scope = scopeOf(t);
    const segmentId = newId('segment');
    await db
      .insert(segments)
      .values({ id: segmentId, profileId: t.profileId, sourceVideoId: id, startTime: 1, endTime: 2 });
    await env.MEDIA.put(storageKeys.segmentExtract(scope, segmentId), new Uint8Array(10));
    await env.MEDIA.put(storageKeys.sourceThumbnail(scope, id), new Uint8Array(10));
    const streamUrl = (await as(t)(`${BASE}/${id}`)).body.stream_url;

    const res = await as(t)(`${BASE}/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'deleted', id });
    expect(await rowOf(id)).toBeUndefined();
    expect(await db.select().from(segments).where(eq(segments.id, segmentId))).toEqual([]);
    expect((await env.MEDIA.list({ prefix: `p/${t.profileId}/` })).objects).toEqual([]);
    expect((await callUrl(streamUrl)).status).toBe(404);
    expect((await as(t)(`${BASE}/${id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

async function markProbedThumbnail(t: Tenant, id: string) {
  const key = storageKeys.sourceThumbnail(scopeOf(t), id);
  await env.MEDIA.put(key, new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), { httpMetadata: { contentType: 'image/jpeg' } });
  await db.update(sourceVideos).set({ thumbnailKey: key }).where(eq(sourceVideos.id, id));
}

describe('GET /{id}/stream (Bearer)', () => {
  it('serves ranges like the signed URL does, and HEAD', async () => {
    const t = await seedUser('sv');
    const bytes = fakeMp4(50_000, 5);
    const id = await readyVideo(t, bytes);
    const whole = await as(t)(`${BASE}/${id}/stream`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('Accept-Ranges')).toBe('bytes');
    expect(whole.headers.get('Content-Type')).toBe('video/mp4');
    const part = await callUrl(`http://cutroom.test${BASE}/${id}/stream`, {
      headers: { ...t.headers, Range: 'bytes=-100' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('Content-Range')).toBe(`bytes 49900-49999/50000`);
    expect(part.bytes).toEqual(bytes.subarray(49_900));
    const past = await as(t)(`${BASE}/${id}/stream`, { headers: { Range: 'bytes=50000-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('Content-Range')).toBe('bytes */50000');
    const head = await callUrl(`http://cutroom.test${BASE}/${id}/stream?download=true`, {
      method: 'HEAD',
      headers: t.headers,
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe('50000');
    expect(head.headers.get('Content-Disposition')).toContain('attachment');
    expect(head.bytes.length).toBe(0);
  });

  it('requires a token and a video with bytes', async () => {
    const t = await seedUser('sv');
    const pending = await requestUpload(t, { size_bytes: 10 });
    expect((await call(`${BASE}/${pending.id}/stream`)).status).toBe(401);
    expect((await as(t)(`${BASE}/${pending.id}/stream`)).status).toBe(409);
  });
});

describe('GET /{id}/waveform', () => {
  it('downsamples the stored 4000 bins to the requested count', async () => {
    const t = await seedUser('sv');
    const id = await readyVideo(t);
    const def = await as(t)(`${BASE}/${id}/waveform`);
    expect(def.status).toBe(200);
    expect(def.body).toMatchObject({ source_video_id: id, bins: 800, duration: 4 });
    expect(def.body.peaks).toHaveLength(800);
    expect(Math.max(...def.body.peaks)).toBe(1);
    const full = await as(t)(`${BASE}/${id}/waveform?bins=4000`);
    expect(full.body.peaks).toHaveLength(4000);
    expect(full.body.peaks[399]).toBeCloseTo(1, 4);
    expect(full.body.peaks[400]).toBe(0);
    expect((await as(t)(`${BASE}/${id}/waveform?bins=99`)).status).toBe(400);
    expect((await as(t)(`${BASE}/${id}/waveform?bins=4001`)).status).toBe(400);
  });

  it('is a conflict until the video is ready', async () => {
    const t = await seedUser('sv');
    const { id } = await uploadVideo(t, fakeMp4(1000));
    const res = await as(t)(`${BASE}/${id}/waveform`);
    expect(res.status).toBe(409);
  });
});

describe('GET /{id}/voice', () => {
  it('starts one detect_voice job, reports it while it runs, and answers from the cache afterwards', async () => {
    const t = await seedUser('sv');
    const id = await readyVideo(t);
    const first = await as(t)(`${BASE}/${id}/voice`);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'processing', job: { type: 'detect_voice', resource_id: id } });
    expect(first.body.job.input.params).toEqual({
      threshold: 0.5,
      min_speech_duration: 0.25,
      min_silence_duration: 0.1,
      padding: 0,
    });
    const second = await as(t)(`${BASE}/${id}/voice`);
    expect(second.body.job_id).toBe(first.body.job_id);

    await setVoiceDetection(scopeOf(t), id, {
      params: { threshold: 0.5, min_speech_duration: 0.25, min_silence_duration: 0.1, padding: 0 },
      segments: [{ start: 1, end: 2.5, duration: 1.5, confidence: 0.9 }],
      total_voice_duration: 1.5,
      duration: 4,
      engine: 'test',
      computed_at: '2030-01-01T00:00:00.000Z',
    });
    const cached = await as(t)(`${BASE}/${id}/voice`);
    expect(cached.status).toBe(200);
    expect(cached.body).toMatchObject({
      status: 'completed',
      segments: [{ start: 1, end: 2.5 }],
      total_voice_duration: 1.5,
    });
    // Other parameters are another run.
    const other = await as(t)(`${BASE}/${id}/voice?threshold=0.7`);
    expect(other.status).toBe(202);
    expect(other.body.job_id).not.toBe(first.body.job_id);
    expect((await as(t)(`${BASE}/${id}/voice?threshold=2`)).status).toBe(400);
  });
});

describe('cross-profile isolation', () => {
  it('hides every source video route from other profiles and users', async () => {
    const owner = await seedUser('sv-owner');
    const ready = await readyVideo(owner);
    const pending = await requestUpload(owner, { size_bytes: 11 * MiB, multipart: true, part_size_bytes: 5 * MiB });
    const requests = [
      { method: 'GET', path: `${BASE}/${ready}` },
      { method: 'PATCH', path: `${BASE}/${ready}`, json: { name: 'stolen' } },
      { method: 'GET', path: `${BASE}/${ready}/stream` },
      { method: 'GET', path: `${BASE}/${ready}/waveform` },
      { method: 'GET', path: `${BASE}/${ready}/voice` },
      { method: 'GET', path: `${BASE}/${pending.id}/upload` },
      { method: 'GET', path: `${BASE}/${pending.id}/upload/parts` },
      { method: 'POST', path: `${BASE}/${pending.id}/complete` },
      { method: 'POST', path: `${BASE}/${pending.id}/abort` },
      { method: 'DELETE', path: `${BASE}/${ready}` },
    ];
    await expectCrossProfileIsolation(owner, requests, [{ path: BASE, ids: [ready, pending.id] }]);
    // Nothing changed for the owner.
    const still = await as(owner)(`${BASE}/${ready}`);
    expect(still.body.name).toBe('Clip');
    expect((await as(owner)(`${BASE}/${pending.id}`)).body.status).toBe('pending_upload');
  });
});

describe('housekeeping', () => {
  it('removes uploads that expired unfinished, with their bytes, and keeps open ones', async () => {
    const t = await seedUser('sv');
    const stale = await requestUpload(t, { size_bytes: 11 * MiB, multipart: true, part_size_bytes: 5 * MiB });
    const fresh = await requestUpload(t, { size_bytes: 100 });
    await putBytes(fresh.body.upload.upload_url, fakeMp4(100), 'video/mp4');
    const part = (await as(t)(`${BASE}/${stale.id}/upload/parts?limit=1`)).body.parts[0];
    await putBytes(part.url, fakeMp4(5 * MiB));
    await db
      .update(sourceVideos)
      .set({ uploadExpiresAt: '2000-01-01T00:00:00.000Z' })
      .where(eq(sourceVideos.id, stale.id));
    expect(await expireAbandonedUploads(env)).toBeGreaterThanOrEqual(1);
    expect(await rowOf(stale.id)).toBeUndefined();
    expect((await rowOf(fresh.id))?.status).toBe('pending_upload');
    expect(await objectOf(t, fresh.id)).not.toBeNull();
  });

  it('sweeps objects whose rows are gone, after a grace period, and nothing else', async () => {
    const t = await seedUser('sv');
    const live = await readyVideo(t);
    const scope = scopeOf(t);
    const deadVideo = newId('sourceVideo');
    const deadSegment = newId('segment');
    await env.MEDIA.put(storageKeys.sourceVideo(scope, deadVideo), new Uint8Array(3));
    await env.MEDIA.put(storageKeys.segmentThumbnail(scope, deadSegment), new Uint8Array(3));
    await env.MEDIA.put(`p/${t.profileId}/unknown-layout/file`, new Uint8Array(3));
    await env.MEDIA.delete(SWEEP_CURSOR_KEY);

    // Within the grace period nothing is touched.
    await sweepOrphans(env);
    expect(await env.MEDIA.head(storageKeys.sourceVideo(scope, deadVideo))).not.toBeNull();

    // Later, a walk in small steps (cursor kept between runs) removes exactly the orphans.
    const later = Date.now() + 7 * 3600_000;
    let wrapped = false;
    for (let run = 0; run < 1000 && !wrapped; run++)
      wrapped = (await sweepOrphans(env, { maxObjects: 2, now: later })).wrapped;
    expect(wrapped).toBe(true);
    expect(await env.MEDIA.head(storageKeys.sourceVideo(scope, deadVideo))).toBeNull();
    expect(await env.MEDIA.head(storageKeys.segmentThumbnail(scope, deadSegment))).toBeNull();
    expect(await env.MEDIA.head(storageKeys.sourceVideo(scope, live))).not.toBeNull();
    expect(await env.MEDIA.head(`p/${t.profileId}/unknown-layout/file`)).not.toBeNull();
  });
});
