import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signedMediaUrl, signedUploadUrl } from '../../src/storage/signed-urls.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { seedUser } from '../helpers/worker/tenants.ts';
import { callUrl, scopeOf } from '../helpers/worker/source-videos.ts';

const SIZE = 10_000;
const content = Uint8Array.from({ length: SIZE }, (_, i) => (i * 31 + 7) % 251);

/** A stored thumbnail-like object of a fresh profile and a signed GET URL for it. */
async function storedObject(options: { filename?: string; ttlSeconds?: number; now?: number } = {}) {
  const owner = await seedUser('media');
  const scope = scopeOf(owner);
  const target = { kind: 'segment_thumbnail', id: 'seg_01jd2v4m8r0000000000000001' } as const;
  await env.MEDIA.put(storageKeys.segmentThumbnail(scope, target.id), content, {
    httpMetadata: { contentType: 'image/jpeg' },
  });
  const { url } = await signedMediaUrl(env, scope, target, options);
  return { owner, scope, target, url };
}

const range = (url: string, header: string, method = 'GET') => callUrl(url, { method, headers: { Range: header } });

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('GET /media/<token>', () => {
  it('serves the whole object with type, length, ETag, private caching and inline disposition', async () => {
    const { url } = await storedObject();
    const res = await callUrl(url);
    expect(res.status).toBe(200);
    expect(res.bytes).toEqual(content);
    expect(res.headers.get('Content-Type')).toBe('image/jpeg');
    expect(res.headers.get('Content-Length')).toBe(String(SIZE));
    expect(res.headers.get('Accept-Ranges')).toBe('bytes');
    expect(res.headers.get('ETag')).toMatch(/^"[^"]+"$/);
    expect(res.headers.get('Cache-Control')).toMatch(/^private, max-age=\d+$/);
    expect(res.headers.get('Content-Disposition')).toBe('inline');
    // No storage key or path anywhere in the response.
    for (const [, v] of res.headers) expect(v).not.toContain('p/prf_');
  });

  it('serves a-b, a- and suffix ranges with 206 and Content-Range', async () => {
    const { url } = await storedObject();
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 1],
      ['bytes=100-1099', 100, 1000],
      ['bytes=9990-', 9990, 10],
      ['bytes=-25', SIZE - 25, 25],
      ['bytes=9000-999999', 9000, 1000],
      [`bytes=9000-${SIZE - 1}`, 9000, SIZE - 9000],
      ['bytes=-999999', 0, SIZE],
    ];
    for (const [header, offset, length] of cases) {
      const res = await range(url, header);
      expect(res.status, header).toBe(206);
      expect(res.headers.get('Content-Range'), header).toBe(`bytes ${offset}-${offset + length - 1}/${SIZE}`);
      expect(res.headers.get('Content-Length'), header).toBe(String(length));
      expect(res.bytes, header).toEqual(content.subarray(offset, offset + length));
    }
  });

  it('answers 416 with the size for ranges past the end, and ignores ranges it does not serve', async () => {
    const { url } = await storedObject();
    for (const header of [
      `bytes=${SIZE}-`,
      `bytes=${SIZE + 5}-${SIZE + 10}`,
      `bytes=${SIZE}-${SIZE + 3}`,
      'bytes=-0',
      'bytes=9007199254740993-',
      'bytes=99999999999999999999-',
    ]) {
      const res = await range(url, header);
      expect(res.status, header).toBe(416);
      expect(res.headers.get('Content-Range')).toBe(`bytes */${SIZE}`);
      expect(res.body.error.code).toBe('range_not_satisfiable');
    }
    for (const header of ['bytes=0-1,4-5', 'pages=1-2', 'bytes=9-1']) {
      const res = await range(url, header);
      expect(res.status, header).toBe(200);
      expect(res.bytes.length).toBe(SIZE);
    }
  });

  it('answers HEAD with headers only, for whole objects and ranges', async () => {
    const { url } = await storedObject();
    const head = await callUrl(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(SIZE));
    expect(head.bytes.length).toBe(0);
    const partial = await range(url, 'bytes=10-19', 'HEAD');
    expect(partial.status).toBe(206);
    expect(partial.headers.get('Content-Range')).toBe(`bytes 10-19/${SIZE}`);
    expect(partial.bytes.length).toBe(0);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const { url } = await storedObject();
    const etag = (await callUrl(url, { method: 'HEAD' })).headers.get('ETag')!;
    const res = await callUrl(url, { headers: { 'If-None-Match': etag } });
    expect(res.status).toBe(304);
    expect(res.bytes.length).toBe(0);
  });

  it('serves as an attachment with the signed filename', async () => {
    const { url } = await storedObject({ filename: 'Brand clip été.jpg' });
    expect(new URL(url).pathname).toMatch(/\/Brand%20clip%20%C3%A9t%C3%A9\.jpg$/);
    const res = await callUrl(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Disposition')).toBe(
      `attachment; filename="Brand clip _t_.jpg"; filename*=UTF-8''Brand%20clip%20%C3%A9t%C3%A9.jpg`,
    );
    // The path's file name is cosmetic: changing it does not change the signed one.
    const renamed = url.replace(/\/[^/]+$/, '/other.exe');
    expect((await callUrl(renamed)).headers.get('Content-Disposition')).toContain('filename="Brand clip _t_.jpg"');
  });

  it('refuses tampered and expired tokens with 403 in the standard error shape', async () => {
    const { url } = await storedObject();
    const token = new URL(url).pathname.split('/')[2]!;
    const [body, mac] = token.split('.') as [string, string];
    const tampered = [
      `${body.slice(0, -2)}${body.at(-2) === 'x' ? 'y' : 'x'}${body.at(-1)}.${mac}`,
      `${body}.${mac.slice(0, -1)}${mac.at(-1) === 'A' ? 'B' : 'A'}`,
      `${body}`,
      'not-a-token',
      // The same bytes spelled differently (the spare bits of the last character set).
      `${body}.${mac.slice(0, -1)}${B64URL[B64URL.indexOf(mac.at(-1)!) | 1]}`,
    ];
    for (const t of tampered) {
      const res = await callUrl(`${env.PUBLIC_URL}/media/${t}`);
      expect(res.status, t).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden' });
      expect(res.body.error.request_id).toBeTruthy();
    }
    const expired = await storedObject({ ttlSeconds: 60, now: Date.now() - 2 * 3600_000 });
    const res = await callUrl(expired.url);
    expect(res.status).toBe(403);
  });

  it('cannot be re-pointed at another profile: the profile is inside the signature', async () => {
    const a = await storedObject();
    const b = await storedObject();
    const tokenA = new URL(a.url).pathname.split('/')[2]!;
    const tokenB = new URL(b.url).pathname.split('/')[2]!;
    // Profile B's payload with profile A's signature.
    const spliced = `${tokenB.split('.')[0]}.${tokenA.split('.')[1]}`;
    expect((await callUrl(`${env.PUBLIC_URL}/media/${spliced}`)).status).toBe(403);
  });

  it('answers 404 when the object is gone', async () => {
    const { url, scope, target } = await storedObject();
    await env.MEDIA.delete(storageKeys.segmentThumbnail(scope, target.id));
    const res = await callUrl(url);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('OpenAPI', () => {
  it('documents the media and source-video routes', async () => {
    const res = await callUrl(`${env.PUBLIC_URL}/openapi.json`);
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/media/{token}',
        '/api/v1/segments/source-videos',
        '/api/v1/segments/source-videos/uploads',
        '/api/v1/segments/source-videos/{id}/upload/parts',
        '/api/v1/segments/source-videos/{id}/complete',
        '/api/v1/segments/source-videos/{id}/stream',
        '/api/v1/segments/source-videos/{id}/waveform',
        '/api/v1/segments/source-videos/{id}/voice',
      ]),
    );
    expect(Object.keys(res.body.paths['/api/v1/segments/source-videos'])).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
  });
});

describe('PUT /media/<token>', () => {
  async function uploadTarget(options: { maxBytes?: number; contentType?: string } = {}) {
    const owner = await seedUser('media-put');
    const scope = scopeOf(owner);
    const target = { kind: 'job_output', id: 'job_01jd2v4m8r0000000000000001', name: 'captions.srt' } as const;
    const put = await signedUploadUrl(env, scope, target, {
      maxBytes: options.maxBytes ?? 1000,
      contentType: options.contentType ?? 'application/x-subrip',
    });
    const get = await signedMediaUrl(env, scope, target);
    return { scope, target, put: put.url, get: get.url, key: storageKeys.jobOutput(scope, target.id, target.name) };
  }

  it('streams the body into the object, which the GET URL then serves', async () => {
    const t = await uploadTarget();
    const srt = new TextEncoder().encode('1\n00:00:00,000 --> 00:00:01,000\nHello\n');
    const res = await callUrl(t.put, { method: 'PUT', body: srt, headers: { 'Content-Type': 'application/x-subrip' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'stored', size_bytes: srt.length });
    const got = await callUrl(t.get);
    expect(got.bytes).toEqual(srt);
    expect(got.headers.get('Content-Type')).toBe('application/x-subrip');
  });

  it('requires Content-Length (411)', async () => {
    const t = await uploadTarget();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.close();
      },
    });
    const res = await callUrl(t.put, {
      method: 'PUT',
      body: stream,
      headers: { 'Content-Type': 'application/x-subrip' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(411);
    expect(res.body.error.code).toBe('length_required');
    expect(await env.MEDIA.head(t.key)).toBeNull();
  });

  it('refuses bodies over the signed size with 413 without reading them', async () => {
    const t = await uploadTarget({ maxBytes: 1000 });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await callUrl(t.put, {
      method: 'PUT',
      body: endless,
      headers: { 'Content-Type': 'application/x-subrip', 'Content-Length': String(50 * 1024 * 1024) },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(pulled).toBeLessThanOrEqual(2);
    expect(await env.MEDIA.head(t.key)).toBeNull();
    // One byte over is refused too.
    const over = await callUrl(t.put, {
      method: 'PUT',
      body: new Uint8Array(1001),
      headers: { 'Content-Type': 'application/x-subrip' },
    });
    expect(over.status).toBe(413);
  });

  it('requires the signed Content-Type (415)', async () => {
    const t = await uploadTarget();
    const res = await callUrl(t.put, {
      method: 'PUT',
      body: new Uint8Array(10),
      headers: { 'Content-Type': 'text/html' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(await env.MEDIA.head(t.key)).toBeNull();
  });

  it('does not let a GET link write or a PUT link read', async () => {
    const t = await uploadTarget();
    expect(
      (
        await callUrl(t.get, {
          method: 'PUT',
          body: new Uint8Array(5),
          headers: { 'Content-Type': 'application/x-subrip' },
        })
      ).status,
    ).toBe(403);
    expect((await callUrl(t.put)).status).toBe(403);
  });

  it('stores no thumbnail for a source video that no longer exists', async () => {
    const owner = await seedUser('media-thumb');
    const scope = scopeOf(owner);
    const id = 'vid_01jd2v4m8r0000000000000009';
    const { url } = await signedUploadUrl(
      env,
      scope,
      { kind: 'source_thumbnail', id },
      { maxBytes: 100, contentType: 'image/jpeg' },
    );
    const res = await callUrl(url, {
      method: 'PUT',
      body: new Uint8Array(10),
      headers: { 'Content-Type': 'image/jpeg' },
    });
    expect(res.status).toBe(404);
    expect(await env.MEDIA.head(storageKeys.sourceThumbnail(scope, id))).toBeNull();
  });

  it('refuses an expired upload link', async () => {
    const owner = await seedUser('media-exp');
    const { url } = await signedUploadUrl(
      env,
      scopeOf(owner),
      { kind: 'clip_thumbnail', id: 'clp_01jd2v4m8r0000000000000001' },
      {
        maxBytes: 100,
        ttlSeconds: 60,
        now: Date.now() - 3600_000,
      },
    );
    expect((await callUrl(url, { method: 'PUT', body: new Uint8Array(5) })).status).toBe(403);
  });
});
