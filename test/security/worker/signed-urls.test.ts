/**
 * Signed media URLs (`/media/<payload>.<mac>`), attacked as a holder of one URL would: flipped
 * bits, edited payloads under the old MAC (another profile, another resource, another method, a
 * later expiry, a bigger size cap), forgeries, expiry, wrong methods, size and type caps of upload
 * URLs, using an upload URL twice, and a PUT racing `complete`. Every forged or stale link answers
 * 403 (never the object, never a 5xx), and what was checked at `complete` is what is served.
 */
import { env, exports } from 'cloudflare:workers';
import { base64url } from 'jose';
import { beforeAll, expect } from 'vitest';
import { TEST_SECRETS } from '../../helpers/test-config.ts';
import {
  callUrl,
  fakeMp4,
  markProbed,
  putBytes,
  readyVideo,
  requestUpload,
  sameBytes,
  scopeOf,
} from '../../helpers/worker/source-videos.ts';
import { type Tenant, as, seedUser } from '../../helpers/worker/tenants.ts';
import { signedMediaUrl } from '../../../src/storage/signed-urls.ts';
import { casesOf } from '../support/cases.ts';
import { expectErrorShape } from './requests.ts';

const attack = casesOf('signed urls');
const VIDEO_BYTES = fakeMp4(48 * 1024, 7);

let owner: Tenant;
let stranger: Tenant;
let ownerVideo: string;
let strangerVideo: string;
/** A signed GET URL of the owner's video, as GET /source-videos/{id} hands it out. */
let streamUrl: string;

interface Payload {
  v: number;
  p: string;
  t: { kind: string; id: string; [k: string]: unknown };
  m: string;
  e: number;
  [k: string]: unknown;
}

const tokenOf = (url: string) => new URL(url).pathname.split('/')[2]!;
const urlWith = (url: string, token: string) => url.replace(tokenOf(url), token);
const decode = (token: string): Payload => JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0]!)));
/** The same MAC over an edited payload. */
const edited = (url: string, edit: (p: Payload) => Payload) => {
  const [, mac] = tokenOf(url).split('.');
  return urlWith(url, `${base64url.encode(JSON.stringify(edit(decode(tokenOf(url)))))}.${mac}`);
};

async function expectForbidden(url: string, init: RequestInit = {}) {
  const res = await callUrl(url, init);
  expect(res.status, res.text.slice(0, 200)).toBe(403);
  expectErrorShape(res, `${init.method ?? 'GET'} ${url.slice(0, 80)}`);
  expect(sameBytes(res.bytes, VIDEO_BYTES)).not.toBe(true);
}

beforeAll(async () => {
  owner = await seedUser('url-owner');
  stranger = await seedUser('url-stranger');
  ownerVideo = await readyVideo(owner, VIDEO_BYTES);
  strangerVideo = await readyVideo(stranger, fakeMp4(48 * 1024, 9));
  streamUrl = (await as(owner)(`/api/v1/segments/source-videos/${ownerVideo}`)).body.stream_url;
});

attack('control: the issued URL serves the video', async () => {
  const res = await callUrl(streamUrl);
  expect(res.status).toBe(200);
  expect(sameBytes(res.bytes, VIDEO_BYTES)).toBe(true);
});

// One flipped character at positions spread over the payload and over the MAC.
for (const part of ['payload', 'mac'] as const) {
  for (const at of [0, 1, 5, 11, 17, 23, 29, 37, -2, -1]) {
    attack(`bit flip in the ${part} at character ${at}`, async () => {
      const [payload, mac] = tokenOf(streamUrl).split('.') as [string, string];
      const target = part === 'payload' ? payload : mac;
      const i = at < 0 ? target.length + at : at;
      const flipped = target.slice(0, i) + (target[i] === 'A' ? 'B' : 'A') + target.slice(i + 1);
      await expectForbidden(urlWith(streamUrl, part === 'payload' ? `${flipped}.${mac}` : `${payload}.${flipped}`));
    });
  }
}

const SWAPS: Record<string, (p: Payload) => Payload> = {
  'another profile in the payload': (p) => ({ ...p, p: stranger.profileId }),
  'another resource in the payload': (p) => ({ ...p, t: { ...p.t, id: strangerVideo } }),
  'another profile and its resource in the payload': (p) => ({
    ...p,
    p: stranger.profileId,
    t: { ...p.t, id: strangerVideo },
  }),
  'another kind of object in the payload': (p) => ({ ...p, t: { kind: 'source_thumbnail', id: p.t.id } }),
  'a later expiry in the payload': (p) => ({ ...p, e: p.e + 365 * 86_400 }),
  'PUT instead of GET in the payload': (p) => ({ ...p, m: 'PUT', n: 1 << 20 }),
  'an attachment name added to the payload': (p) => ({ ...p, a: 'evil.html' }),
  'an unknown field added to the payload': (p) => ({ ...p, admin: true }),
};
for (const [name, swap] of Object.entries(SWAPS)) {
  attack(`field swap with the old MAC: ${name}`, () => expectForbidden(edited(streamUrl, swap)));
}

attack('a payload re-signed with another key', async () => {
  const other = { ...env, URL_SIGNING_KEY: 'another-signing-key-0123456789abcdef0123' };
  const forged = await signedMediaUrl(other, scopeOf(owner), { kind: 'source_video', id: ownerVideo });
  await expectForbidden(urlWith(streamUrl, tokenOf(forged.url)));
});

attack('a URL signed with the real key that has expired', async () => {
  const past = Date.now() - 2 * 86_400_000;
  const stale = await signedMediaUrl(
    { ...env, URL_SIGNING_KEY: TEST_SECRETS.URL_SIGNING_KEY },
    scopeOf(owner),
    { kind: 'source_video', id: ownerVideo },
    { ttlSeconds: 60, now: past },
  );
  await expectForbidden(stale.url);
});

const MALFORMED: Record<string, (t: string) => string> = {
  'a MAC with base64 padding': (t) => `${t}=`,
  'a payload with base64 padding': (t) => t.replace('.', '=.'),
  // The standard alphabet's + and / (escaped, to stay one path segment) for the URL-safe - and _
  // (or one + when the token has neither).
  'standard base64 characters': (t) => {
    const standard = t.replace(/[-_]/g, (c) => (c === '-' ? '+' : '%2F'));
    return standard === t ? `${t.slice(0, -1)}+` : standard;
  },
  'no MAC': (t) => t.split('.')[0]!,
  'an empty payload': (t) => `.${t.split('.')[1]}`,
  'a token over 4096 characters': (t) => `${t.split('.')[0]}${'A'.repeat(4100)}.${t.split('.')[1]}`,
  'two dots': (t) => `${t}.extra`,
};
for (const [name, mangle] of Object.entries(MALFORMED)) {
  attack(`malformed token: ${name}`, () => expectForbidden(urlWith(streamUrl, mangle(tokenOf(streamUrl)))));
}

attack('method mismatch: PUT with a GET URL', () =>
  expectForbidden(streamUrl, { method: 'PUT', body: new Uint8Array(16), headers: { 'Content-Type': 'video/mp4' } }),
);

attack('method mismatch: GET with an upload URL', async () => {
  await expectForbidden((await openUpload(1024)).url);
});

attack('a download file name in the path does not reach another object', async () => {
  const res = await callUrl(`${streamUrl}/..%2F..%2F${strangerVideo}`);
  expect(res.status).toBeLessThan(500);
  if (res.status === 200) expect(sameBytes(res.bytes, VIDEO_BYTES)).toBe(true);
});

attack('the URL of a deleted video serves nothing', async () => {
  const id = await readyVideo(owner, fakeMp4(4096, 3));
  const url = (await as(owner)(`/api/v1/segments/source-videos/${id}`)).body.stream_url;
  expect((await as(owner)(`/api/v1/segments/source-videos/${id}`, { method: 'DELETE' })).status).toBe(200);
  const res = await callUrl(url);
  expect(res.status).toBe(404);
  expectErrorShape(res, 'deleted video');
});

for (const [range, expected] of Object.entries({
  'bytes=9007199254740993-': 416,
  'bytes=99999999999999999999-': 416,
  'bytes=-0': 416,
  'bytes=49152-': 416,
})) {
  const label = /\d{16}/.test(range) ? `range start past 2^53 (${range})` : `range ${range}`;
  attack(`${label} answers ${expected}`, async () => {
    const res = await callUrl(streamUrl, { headers: { Range: range } });
    expect(res.status, `${res.status} with ${res.bytes.length} bytes`).toBe(expected);
  });
}

for (const range of ['bytes=0-0,5-9', 'bytes=10-5', 'items=0-4', 'bytes=--1', 'bytes=0-99999999999999999999']) {
  attack(`range ${range} never answers more than the object or a 5xx`, async () => {
    const res = await callUrl(streamUrl, { headers: { Range: range } });
    expect(res.status).toBeLessThan(500);
    expect(res.bytes.length).toBeLessThanOrEqual(VIDEO_BYTES.length);
  });
}

// ─── Upload URLs ─────────────────────────────────────────────────────────────────────────────

/** A fresh uploader per case: every completed upload queues a probe, and a profile's job slots are few. */
async function openUpload(size = 4096, extra: Record<string, unknown> = {}) {
  const uploader = await seedUser('uploader');
  const { id, body } = await requestUpload(uploader, { size_bytes: size, ...extra });
  return { uploader, api: as(uploader), id, body, url: body.upload?.upload_url as string };
}

const put = (url: string, bytes: Uint8Array, headers: Record<string, string> = { 'Content-Type': 'video/mp4' }) =>
  callUrl(url, { method: 'PUT', body: bytes, headers });

attack('upload url: a body over the signed size answers 413 before anything is stored', async () => {
  const { api, id, url } = await openUpload(4096);
  const res = await put(url, fakeMp4(8192));
  expect(res.status).toBe(413);
  expectErrorShape(res, 'oversize PUT');
  expect((await api(`/api/v1/segments/source-videos/${id}/upload`)).body.received_bytes).toBe(0);
});

attack('upload url: a body under the exact signed size answers 400', async () => {
  const { url } = await openUpload(4096);
  const res = await put(url, fakeMp4(4000));
  expect(res.status).toBe(400);
  expectErrorShape(res, 'short PUT');
});

attack('upload url: another Content-Type answers 415', async () => {
  const { url } = await openUpload(4096);
  const res = await put(url, fakeMp4(4096), { 'Content-Type': 'text/html' });
  expect(res.status).toBe(415);
  expectErrorShape(res, 'wrong type');
});

attack('upload url: a chunked body without Content-Length answers 411', async () => {
  const { url } = await openUpload(4096);
  const body = new ReadableStream({
    start(c) {
      c.enqueue(fakeMp4(4096));
      c.close();
    },
  });
  const res = await exports.default.fetch(
    new Request(url, { method: 'PUT', body, headers: { 'Content-Type': 'video/mp4' } }),
  );
  expect(res.status).toBe(411);
});

attack('upload url: a PUT after complete is refused and the checked bytes stay', async () => {
  const bytes = fakeMp4(4096, 21);
  const { uploader, api, id, url } = await openUpload(4096);
  expect((await put(url, bytes)).status).toBe(200);
  expect((await api(`/api/v1/segments/source-videos/${id}/complete`, { method: 'POST' })).status).toBe(202);
  const again = await put(url, fakeMp4(4096, 22));
  expect(again.status).toBe(409);
  await markProbed(uploader, id);
  const video = (await api(`/api/v1/segments/source-videos/${id}`)).body;
  expect(sameBytes((await callUrl(video.stream_url)).bytes, bytes)).toBe(true);
});

attack('upload url: a second PUT before complete is refused (one use per URL)', async () => {
  const { url } = await openUpload(4096);
  expect((await put(url, fakeMp4(4096, 31))).status).toBe(200);
  const second = await put(url, fakeMp4(4096, 32));
  expect(second.status).toBe(409);
});

attack(
  'upload race: a PUT started before complete and finished after the probe does not replace the video',
  async () => {
    const checked = fakeMp4(4096, 41);
    const { uploader, api, id, url } = await openUpload(4096);
    expect((await put(url, checked)).status).toBe(200);
    // A second PUT of the same size starts, sends half its body and stalls (or is refused at once).
    const { readable, writable } = new FixedLengthStream(4096);
    const racing = exports.default.fetch(
      new Request(url, { method: 'PUT', body: readable, headers: { 'Content-Type': 'video/mp4' } }),
    );
    const writer = writable.getWriter();
    const text = new TextEncoder().encode('<html>not a video</html>'.padEnd(4096, ' '));
    // A Worker that refuses without reading leaves the writes pending: never wait on them alone.
    const ignore = () => {};
    await Promise.race([writer.write(text.subarray(0, 2048)), racing]);
    // Meanwhile the upload completes (the sniffed bytes are the MP4) and the probe finds a video.
    expect((await api(`/api/v1/segments/source-videos/${id}/complete`, { method: 'POST' })).status).toBe(202);
    await markProbed(uploader, id);
    writer
      .write(text.subarray(2048))
      .then(() => writer.close(), ignore)
      .catch(ignore);
    const late = await racing;
    await late.arrayBuffer();
    writer.abort().catch(ignore);
    const video = (await api(`/api/v1/segments/source-videos/${id}`)).body;
    expect(video.status).toBe('ready');
    const served = await callUrl(video.stream_url);
    expect(sameBytes(served.bytes, checked), 'the ready video serves bytes that were never checked').toBe(true);
  },
);

attack('upload race: a part PUT of a multipart upload cannot change a completed object', async () => {
  const partSize = 5 * 1024 * 1024;
  const { uploader, api, id, body } = await openUpload(partSize, { multipart: true });
  expect(body.upload.method).toBe('multipart');
  const parts = (await api(`/api/v1/segments/source-videos/${id}/upload/parts`)).body.parts;
  const checked = fakeMp4(partSize, 51);
  expect((await putBytes(parts[0].url, checked, 'video/mp4')).status).toBe(200);
  expect((await api(`/api/v1/segments/source-videos/${id}/complete`, { method: 'POST' })).status).toBe(202);
  const replaced = await putBytes(parts[0].url, fakeMp4(partSize, 52), 'video/mp4');
  expect(replaced.status).toBeGreaterThanOrEqual(400);
  await markProbed(uploader, id);
  const video = (await api(`/api/v1/segments/source-videos/${id}`)).body;
  expect(sameBytes((await callUrl(video.stream_url)).bytes, checked)).toBe(true);
});
