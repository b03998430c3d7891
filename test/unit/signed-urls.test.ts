import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { scopeForVerifiedProfile } from '../../src/db/scope.ts';
import { jobOperationId } from '../../src/jobs/job-processor.ts';
import {
  type MediaTarget,
  mediaUrlIdentity,
  quantizedExpiry,
  signedMediaUrl,
  signedUploadUrl,
  storageKeyOf,
  uploadTargetOf,
  verifyMediaToken,
} from '../../src/storage/signed-urls.ts';
import { STORAGE_ORIGIN } from '../../shared/processor/storage.ts';

const db = createDb(env.DB);
const scope = scopeForVerifiedProfile(db, { profileId: 'prf_01jd2v4m8r0000000000000000' });
const otherScope = scopeForVerifiedProfile(db, { profileId: 'prf_01jd2v4m8r0000000000000009' });
const video = { kind: 'source_video', id: 'vid_01jd2v4m8r0000000000000001' } as const;
const tokenOf = (url: string) => new URL(url).pathname.split('/')[2]!;

describe('signed media URLs', () => {
  it('round-trips a GET token and derives the key from the target, never carrying it', async () => {
    const { url } = await signedMediaUrl(env, scope, video, { ttlSeconds: 600 });
    expect(url.startsWith(`${env.PUBLIC_URL}/media/`)).toBe(true);
    expect(url).not.toContain('p/prf_');
    const payload = atob(tokenOf(url).split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'));
    expect(payload).not.toContain('videos/');
    const verified = await verifyMediaToken(env, db, tokenOf(url));
    expect(verified).toMatchObject({ method: 'GET', target: video, key: storageKeyOf(scope, video) });
    expect(verified.scope.profileId).toBe(scope.profileId);
  });

  it('carries upload limits, content type and part for PUT tokens', async () => {
    const { url } = await signedUploadUrl(env, scope, video, {
      maxBytes: 1234,
      exactBytes: true,
      contentType: 'Video/MP4',
      part: { uploadId: 'upload-1', partNumber: 3 },
    });
    expect(await verifyMediaToken(env, db, tokenOf(url))).toMatchObject({
      method: 'PUT',
      maxBytes: 1234,
      exactBytes: true,
      contentType: 'video/mp4',
      part: { uploadId: 'upload-1', partNumber: 3 },
    });
  });

  it('refuses tampered, foreign-key and expired tokens with 403', async () => {
    const { url } = await signedMediaUrl(env, scope, video);
    const [body, mac] = tokenOf(url).split('.') as [string, string];
    const forged = btoa(
      JSON.stringify({
        ...JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/'))),
        p: 'prf_01jd2v4m8r0000000000000009',
      }),
    )
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
    for (const bad of [`${forged}.${mac}`, `${body}.${flipped}`, `${body}.`, body, 'x.y', '']) {
      await expect(verifyMediaToken(env, db, bad)).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    }
    const otherKey = await signedMediaUrl(
      { ...env, URL_SIGNING_KEY: 'another-signing-key-0123456789abcdef0123' },
      scope,
      video,
    );
    await expect(verifyMediaToken(env, db, tokenOf(otherKey.url))).rejects.toMatchObject({ status: 403 });
    const old = await signedMediaUrl(env, scope, video, { ttlSeconds: 60, now: Date.now() - 3600_000 });
    await expect(verifyMediaToken(env, db, tokenOf(old.url))).rejects.toMatchObject({ status: 403 });
  });

  it('gives the same URL to repeated requests within an expiry step', () => {
    const t = Date.UTC(2030, 0, 1, 12, 0, 10);
    expect(quantizedExpiry(3600, t)).toBe(quantizedExpiry(3600, t + 60_000));
    expect(quantizedExpiry(3600, t) * 1000 - t).toBeGreaterThanOrEqual(3600_000);
  });

  // Public links, and the storage-host capabilities the processor gets (processor/io.ts).
  describe.each(['public', 'storage'] as const)('naming what a %s URL points at', (surface) => {
    const get = (now?: number, target: MediaTarget = video) =>
      signedMediaUrl(env, scope, target, { surface, ttlSeconds: 7200, now });
    const put = (now?: number, maxBytes = 1000) =>
      signedUploadUrl(env, scope, video, { surface, ttlSeconds: 7200, maxBytes, contentType: 'video/mp4', now });

    it('names it the same way whenever it was signed, and nothing else alike', async () => {
      const hourAgo = Date.now() - 3600_000;
      const [a, b] = [await get(), await get(hourAgo)];
      expect(a.url).not.toBe(b.url);
      expect(a.url.startsWith(surface === 'storage' ? STORAGE_ORIGIN : `${env.PUBLIC_URL}/media/`)).toBe(true);
      expect(mediaUrlIdentity(a.url)).toBe(mediaUrlIdentity(b.url));
      expect(mediaUrlIdentity(a.url)).toMatch(/^media:/);
      expect(mediaUrlIdentity((await put()).url)).toBe(mediaUrlIdentity((await put(hourAgo)).url));
      // Another object, method or limit is another name.
      const other = await get(undefined, { kind: 'source_thumbnail', id: video.id });
      const names = new Set(
        [a.url, (await put()).url, (await put(undefined, 2000)).url, other.url].map(mediaUrlIdentity),
      );
      expect(names.size).toBe(4);
      expect(mediaUrlIdentity('https://elsewhere.example/x.mp4?sig=1')).toBe('https://elsewhere.example/x.mp4?sig=1');
    });

    it('reads the object an upload URL writes, for its own profile only', async () => {
      const { url } = await put();
      expect(uploadTargetOf(scope, url)).toEqual(video);
      expect(uploadTargetOf(otherScope, url)).toBeNull();
      expect(uploadTargetOf(scope, (await get()).url)).toBeNull();
    });

    it('gives the same step of a job the same operation id after its URLs were signed again', async () => {
      const job = 'job_01jd2v4m8r0000000000000002';
      const request = async (now?: number) => ({
        input: { url: (await get(now)).url },
        intervals: [{ start: 1, end: 2 }],
        mode: 'hard' as const,
        keep_percentage: 0,
        output: { url: (await put(now, 10)).url, content_type: 'video/mp4' as const },
      });
      const first = await jobOperationId(job, 'mute', await request(Date.now() - 3600_000));
      expect(await jobOperationId(job, 'mute', await request())).toBe(first);
      expect(first).toMatch(/^job_01jd2v4m8r0000000000000002\.mute\.[0-9a-f]{24}$/);
      const changed = { ...(await request()), intervals: [{ start: 1, end: 3 }] };
      expect(await jobOperationId(job, 'mute', changed)).not.toBe(first);
      expect(await jobOperationId('job_01jd2v4m8r0000000000000003', 'mute', await request())).not.toBe(first);
    });
  });

  it('tells a public link and a storage capability for the same object apart', async () => {
    const [link, capability] = await Promise.all(
      (['public', 'storage'] as const).map(
        async (surface) => (await signedMediaUrl(env, scope, video, { surface })).url,
      ),
    );
    expect(mediaUrlIdentity(link!)).not.toBe(mediaUrlIdentity(capability!));
  });
});
