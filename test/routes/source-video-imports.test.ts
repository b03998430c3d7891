/**
 * POST /api/v1/segments/source-videos/imports inside workerd: what the route checks before any byte
 * is fetched (the URL's scheme and host under the production policy and under the tests' own,
 * validation, limits), what it creates (the video and its job), and cross-profile isolation. The
 * download itself, with a local origin and the real processor, is test/e2e/url-import.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fetchFollowingRedirects, OutboundUrlError } from '../../src/core/outbound-url.ts';
import { IMPORT_MAX_REDIRECTS, MAX_UPLOAD_BYTES } from '../../src/core/limits.ts';
import { type ApiResponse, call } from '../helpers/worker/api.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { BASE } from '../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../helpers/worker/tenants.ts';
import { receiverUrl } from '../helpers/worker/webhooks.ts';

const IMPORTS = `${BASE}/imports`;

/** A request under the deployment's own settings: no private targets, names resolved by the test resolver. */
function asProduction(t: Tenant, json: unknown): Promise<ApiResponse> {
  return call(IMPORTS, {
    method: 'POST',
    token: t.token,
    profileId: t.profileId,
    json,
    env: { OUTBOUND_ALLOW_PRIVATE: 'false', OUTBOUND_DNS_RESOLVER: `${receiverUrl()}/dns-query` },
  });
}

describe('URL imports: the URL check', () => {
  it('refuses private, loopback, link-local, metadata and plain-http URLs with 422 and the error shape', async () => {
    const t = await seedUser('import');
    for (const url of [
      'https://10.0.0.5/video.mp4',
      'https://192.168.1.20/video.mp4',
      'https://127.0.0.1/video.mp4',
      'https://[::1]/video.mp4',
      'https://[::ffff:10.0.0.5]/video.mp4',
      'https://169.254.169.254/latest/meta-data/',
      'https://metadata.google.internal/computeMetadata/v1/',
      'https://localhost/video.mp4',
      'https://0x7f.1/video.mp4',
      'http://media.example.com/video.mp4',
      'ftp://media.example.com/video.mp4',
      'https://user:pass@media.example.com/video.mp4',
      'not a url',
    ]) {
      const res = await asProduction(t, { url, name: 'Refused' });
      expect(res.status, `${url}: ${res.text}`).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'url_refused', details: [{ path: 'url' }] });
      expect(res.body.error.message).toMatch(/^url /);
      expect(res.body.error.request_id).toMatch(/^req_/);
    }
    // Nothing was created for any of them.
    expect((await as(t)(BASE)).body).toEqual([]);
  });

  it('refuses metadata and link-local targets even where private hosts are allowed (the tests’ setting)', async () => {
    const t = await seedUser('import');
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'https://[fe80::1]/v.mp4', 'http://0.0.0.0/v.mp4']) {
      const res = await as(t)(IMPORTS, { json: { url, name: 'Refused' } });
      expect(res.status, `${url}: ${res.text}`).toBe(422);
      expect(res.body.error.code).toBe('url_refused');
    }
  });

  it('validates the body with field paths', async () => {
    const t = await seedUser('import');
    for (const json of [
      { name: 'No URL' },
      { url: 'https://media.example.com/v.mp4' },
      { url: 'https://media.example.com/v.mp4', name: 'x', max_size_bytes: MAX_UPLOAD_BYTES + 1 },
      { url: 'https://media.example.com/v.mp4', name: 'x', max_size_bytes: 0 },
      { url: 'https://media.example.com/v.mp4', name: 'x', extra: true },
      { url: `https://media.example.com/${'a'.repeat(2100)}`, name: 'x' },
    ]) {
      const res = await as(t)(IMPORTS, { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

describe('URL imports: what is created', () => {
  it('answers 202 with the job and the video, which another profile cannot see (404)', async () => {
    const owner = await seedUser('import');
    // Loopback is allowed under the tests' OUTBOUND_ALLOW_PRIVATE; nothing listens on port 9.
    const res = await as(owner)(IMPORTS, {
      json: { url: 'http://127.0.0.1:9/footage/take-3.mp4', name: 'Take 3', max_size_bytes: 1_000_000 },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      type: 'import_source_video',
      resource_type: 'source_video',
      input: { source_video_id: res.body.source_video.id },
    });
    expect(['pending', 'running']).toContain(res.body.status);
    expect(res.body.source_video).toMatchObject({
      name: 'Take 3',
      status: 'pending_upload',
      original_filename: 'take-3.mp4',
      stream_url: null,
      tags: [],
    });
    const jobId = res.body.job_id as string;
    const videoId = res.body.source_video.id as string;
    expect((await as(owner)(`/api/v1/jobs/${jobId}`)).status).toBe(200);
    // No upload session: the upload routes do not hand out URLs for an import.
    expect((await as(owner)(`${BASE}/${videoId}/upload`)).body.upload).toBeNull();

    await expectCrossProfileIsolation(
      owner,
      [
        { method: 'GET', path: `/api/v1/jobs/${jobId}` },
        { method: 'GET', path: `${BASE}/${videoId}` },
        { method: 'DELETE', path: `${BASE}/${videoId}` },
      ],
      [{ path: BASE, ids: [videoId] }],
    );
  });

  it('replays the same job for the same Idempotency-Key', async () => {
    const t = await seedUser('import');
    const json = { url: 'http://127.0.0.1:9/v.mp4', name: 'Once' };
    const headers = { 'Idempotency-Key': `imp-${crypto.randomUUID()}` };
    const first = await as(t)(IMPORTS, { json, headers });
    const again = await as(t)(IMPORTS, { json, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.job_id).toBe(first.body.job_id);
    expect((await as(t)(BASE)).body).toHaveLength(1);
  });
});

describe('fetchFollowingRedirects', () => {
  const production = { allowPrivate: false };
  /** An origin that redirects every request to `location` (recording what was asked). */
  const redirecting = (location: string, asked: string[]) =>
    (async (input: RequestInfo | URL) => {
      asked.push(String(input));
      return new Response(null, { status: 302, headers: { location } });
    }) as typeof fetch;

  it('refuses a redirect to a private, loopback or metadata address without requesting it', async () => {
    for (const target of [
      'https://10.0.0.5/v.mp4',
      'https://127.0.0.1/v.mp4',
      'http://169.254.169.254/',
      'http://media.example.com/',
    ]) {
      const asked: string[] = [];
      const attempt = fetchFollowingRedirects('https://media.example.com/v.mp4', { method: 'GET' }, production, {
        maxRedirects: IMPORT_MAX_REDIRECTS,
        base: redirecting(target, asked),
      });
      await expect(attempt).rejects.toThrow(OutboundUrlError);
      await expect(attempt).rejects.toThrow(/redirected to a URL that/);
      expect(asked).toEqual(['https://media.example.com/v.mp4']);
    }
  });

  it('gives up after the allowed number of redirects', async () => {
    const asked: string[] = [];
    const attempt = fetchFollowingRedirects('https://media.example.com/v.mp4', { method: 'GET' }, production, {
      maxRedirects: IMPORT_MAX_REDIRECTS,
      base: redirecting('https://media.example.com/v.mp4', asked),
    });
    await expect(attempt).rejects.toThrow(`redirected more than ${IMPORT_MAX_REDIRECTS} times`);
    expect(asked).toHaveLength(IMPORT_MAX_REDIRECTS + 1);
  });
});
