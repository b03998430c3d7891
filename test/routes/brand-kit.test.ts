/**
 * Brand kits (docs/api.md#brand-kits): settings and a PNG or SVG logo per profile, stored under the
 * profile's R2 prefix, refused when the bytes are not a bounded PNG or an SVG that passes the rules
 * of shared/svg.ts (each refusal named); and what a render asks the
 * processor for with and without a kit (the consumer's real handler, a processor stand-in that
 * records the request: the overlay itself is tested on real pixels in container/test/render-logo.test.ts).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getJob } from '../../src/db/repos/jobs.ts';
import { renderClipHandler } from '../../src/job-handlers/render-clip.ts';
import { createJobConsumer } from '../../src/jobs/consumer.ts';
import { jobRegistry } from '../../src/jobs/registry.ts';
import { handlers } from '../../src/job-handlers/index.ts';
import type { ProcessorClient, RenderRequest } from '../../src/processor/contract.ts';
import { MAX_LOGO_BYTES, MAX_LOGO_SIDE, MAX_SVG_LOGO_BYTES } from '../../shared/processor/operations.ts';
import { fromBase64Url, toBase64 } from '../../shared/encoding.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { call } from '../helpers/worker/api.ts';
import { putRawClip } from '../helpers/worker/postiz.ts';
import { seedClips } from '../helpers/worker/seed.ts';
import { scopeOf } from '../helpers/worker/source-videos.ts';
import { newId } from '../../src/core/ids.ts';
import { sourceVideos } from '../../src/db/schema.ts';
import { type Tenant, as, seedProfile, seedUser } from '../helpers/worker/tenants.ts';

const kitPath = (t: Tenant) => `/api/v1/profiles/${t.profileId}/brand-kit`;

/** The first bytes of a PNG of this size: signature and IHDR (all the Worker reads of it). */
function pngHeader(width: number, height: number, extra = 64): Uint8Array {
  const bytes = new Uint8Array(33 + extra);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  return bytes;
}

const putLogo = (t: Tenant, body: Uint8Array | string, contentType = 'image/png', token = t.token) =>
  call(`${kitPath(t)}/logo`, { method: 'PUT', token, body, headers: { 'Content-Type': contentType } });

/** A 200×100 solid red SVG logo. */
const SVG_OK =
  '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 20 10"><rect width="20" height="10" fill="#ff0000"/></svg>';
/** An SVG root with a size and the xlink prefix around `inner`. */
const svg = (inner: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">${inner}</svg>`;

describe('brand kit routes', () => {
  it('404 before a kit exists; PUT creates it with defaults, GET shows it, DELETE removes it', async () => {
    const t = await seedUser('brand');
    expect((await call(kitPath(t), { token: t.token })).status).toBe(404);
    const saved = await call(kitPath(t), {
      method: 'PUT',
      token: t.token,
      json: {
        logo_position: 'top-left',
        logo_opacity: 0.5,
        subtitle_settings: { fontSize: 40, textColor: '#FF0000', fontFamily: 'Liberation Serif' },
      },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({
      profile_id: t.profileId,
      logo: null,
      logo_position: 'top-left',
      logo_opacity: 0.5,
      logo_margin: 0.03,
      logo_scale: 0.15,
      subtitle_settings: { fontSize: 40, textColor: '#FF0000' },
    });
    expect((await call(kitPath(t), { token: t.token })).body).toMatchObject({ logo_position: 'top-left' });
    // A PUT replaces every setting (what is not given takes its default).
    const replaced = await call(kitPath(t), { method: 'PUT', token: t.token, json: { logo_scale: 0.3 } });
    expect(replaced.body).toMatchObject({ logo_position: 'bottom-right', logo_scale: 0.3, subtitle_settings: null });
    expect((await call(kitPath(t), { method: 'DELETE', token: t.token })).status).toBe(200);
    expect((await call(kitPath(t), { token: t.token })).status).toBe(404);
    expect((await call(kitPath(t), { method: 'DELETE', token: t.token })).status).toBe(404);
  });

  it('refuses settings out of bounds and unsafe subtitle settings with 400', async () => {
    const t = await seedUser('brand-bad');
    for (const json of [
      { logo_position: 'middle' },
      { logo_opacity: 1.5 },
      { logo_margin: -0.1 },
      { logo_scale: 0 },
      { subtitle_settings: { fontFamily: 'Arial;force_style' } },
      { subtitle_settings: { textColor: 'red' } },
      { subtitle_settings: { fontFamily: 'Comic Sans MS' } },
      { unknown_field: 1 },
    ]) {
      const res = await call(kitPath(t), { method: 'PUT', token: t.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
  });

  it('stores a PNG logo under the profile prefix and serves it through a signed URL; removes it', async () => {
    const t = await seedUser('brand-logo');
    const png = pngHeader(120, 40);
    const res = await putLogo(t, png);
    expect(res.status, res.text).toBe(200);
    expect(res.body.logo).toMatchObject({ width: 120, height: 40, size_bytes: png.length });
    const key = storageKeys.brandLogo(scopeOf(t));
    expect(key.startsWith(`p/${t.profileId}/`)).toBe(true);
    const stored = await env.MEDIA.get(key);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(png);
    const served = await call(new URL(res.body.logo.url).pathname);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');

    const removed = await call(`${kitPath(t)}/logo`, { method: 'DELETE', token: t.token });
    expect(removed.status).toBe(200);
    expect(removed.body.logo).toBeNull();
    expect(await env.MEDIA.get(key)).toBeNull();
    expect((await call(`${kitPath(t)}/logo`, { method: 'DELETE', token: t.token })).status).toBe(404);
  });

  it('refuses what is not a bounded PNG: another type (415), other bytes (400), too large (413), too many pixels (400)', async () => {
    const t = await seedUser('brand-refuse');
    const gif = await putLogo(t, 'GIF89a', 'image/gif');
    expect(gif.status).toBe(415);
    expect(gif.body.error.code).toBe('unsupported_media_type');
    const notPng = await putLogo(t, 'GIF89a definitely not a PNG at all....');
    expect(notPng.status).toBe(400);
    expect(notPng.body.error.code).toBe('invalid_media');
    expect((await putLogo(t, pngHeader(120, 40, MAX_LOGO_BYTES))).status).toBe(413);
    expect((await putLogo(t, pngHeader(MAX_LOGO_SIDE + 1, 10))).status).toBe(400);
    // Nothing was stored.
    expect(await env.MEDIA.get(storageKeys.brandLogo(scopeOf(t)))).toBeNull();
    expect((await call(kitPath(t), { token: t.token })).status).toBe(404);
  });

  it('stores an SVG logo (image/svg+xml, its intrinsic size) and serves it without scripts; a PNG replaces it', async () => {
    const t = await seedUser('brand-svg');
    const res = await putLogo(t, SVG_OK, 'image/svg+xml');
    expect(res.status, res.text).toBe(200);
    expect(res.body.logo).toMatchObject({
      content_type: 'image/svg+xml',
      width: 200,
      height: 100,
      size_bytes: new TextEncoder().encode(SVG_OK).length,
    });
    const svgKey = storageKeys.brandLogo(scopeOf(t), 'svg');
    expect(svgKey.startsWith(`p/${t.profileId}/`)).toBe(true);
    const stored = await env.MEDIA.get(svgKey);
    expect(await stored!.text()).toBe(SVG_OK);
    expect(stored!.httpMetadata?.contentType).toBe('image/svg+xml');
    const served = await call(new URL(res.body.logo.url).pathname);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/svg+xml');
    expect(served.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(served.text).toBe(SVG_OK);

    // A PNG replaces it: one logo, the SVG object gone; and back again.
    const png = await putLogo(t, pngHeader(120, 40));
    expect(png.body.logo).toMatchObject({ content_type: 'image/png', width: 120 });
    expect(await env.MEDIA.get(svgKey)).toBeNull();
    expect((await putLogo(t, SVG_OK, 'image/svg+xml')).status).toBe(200);
    expect(await env.MEDIA.get(storageKeys.brandLogo(scopeOf(t)))).toBeNull();
    expect((await call(`${kitPath(t)}/logo`, { method: 'DELETE', token: t.token })).body.logo).toBeNull();
    expect(await env.MEDIA.get(svgKey)).toBeNull();
  });

  it('takes an SVG with its size from the viewBox, local references, styles and an embedded PNG', async () => {
    const t = await seedUser('brand-svg-rich');
    const embedded = toBase64(pngHeader(16, 16));
    const rich = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a design tool -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 300 150">
  <defs>
    <style><![CDATA[ .a { fill: url(#g); } ]]></style>
    <linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient>
    <rect id="r" width="10" height="10"/>
  </defs>
  <title>ACME &amp; Co</title>
  <rect class="a" width="300" height="150" style="fill: url( '#g' )"/>
  <use xlink:href="#r" x="5"/>
  <image href="data:image/png;base64,${embedded}" width="16" height="16"/>
</svg>`;
    const res = await putLogo(t, rich, 'image/svg+xml');
    expect(res.status, res.text).toBe(200);
    expect(res.body.logo).toMatchObject({ content_type: 'image/svg+xml', width: 300, height: 150 });
  });

  it('refuses each unsafe or malformed SVG with a 400 that names the problem, and stores nothing', async () => {
    const t = await seedUser('brand-svg-refuse');
    const big = toBase64(pngHeader(MAX_LOGO_SIDE + 1, 16));
    const cases: [string, string, string][] = [
      ['DOCTYPE', `<!DOCTYPE svg [<!ENTITY x "y">]>${svg('<text>&x;</text>')}`, 'DOCTYPE and ENTITY'],
      ['entity declaration', `<!ENTITY lol "lol">${svg('')}`, 'DOCTYPE and ENTITY'],
      ['undefined entity', svg('<text>&lol;</text>'), 'not defined'],
      ['script', svg('<script>alert(1)</script>'), '<script>'],
      ['prefixed script', svg('<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>'), '<script>'],
      ['foreignObject', svg('<foreignObject><p>hi</p></foreignObject>'), '<foreignObject>'],
      ['HTML namespace', svg('<h:p xmlns:h="http://www.w3.org/1999/xhtml">x</h:p>'), 'HTML'],
      ['event handler', svg('<rect width="1" height="1" onclick="alert(1)"/>'), 'event handler'],
      [
        'onload on the root',
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"/>',
        'event handler',
      ],
      ['external href', svg('<image href="https://evil.example/x.png" width="1" height="1"/>'), 'points outside'],
      ['file xlink:href', svg('<use xlink:href="file:///etc/passwd#x"/>'), 'points outside'],
      ['relative href', svg('<image href="logo.png"/>'), 'points outside'],
      ['javascript link', svg('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>'), 'points outside'],
      ['href spelt with references', svg('<image href="&#x68;ttps://evil.example/x"/>'), 'points outside'],
      ['SVG data URI', svg('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>'), 'points outside'],
      ['HTML data URI', svg('<a href="data:text/html,&lt;script&gt;"/>'), 'points outside'],
      ['url() in a style attribute', svg('<rect style="fill:url(https://evil.example/p)"/>'), 'points outside'],
      ['url() in a presentation attribute', svg('<rect fill="url(http://evil.example/p)"/>'), 'points outside'],
      ['url() in <style>', svg("<style>rect { fill: url('//evil.example/p') }</style>"), 'points outside'],
      [
        'url() split by a comment',
        svg('<style>rect { fill: u<!-- -->rl(http://evil.example/p) }</style>'),
        'points outside',
      ],
      [
        'url() split by an element',
        svg('<style>rect { fill: u<g/>rl(http://evil.example/p) }</style>'),
        'points outside',
      ],
      [
        'url() split by CDATA',
        svg('<style>rect { fill: u<![CDATA[rl(http://evil.example/p)]]> }</style>'),
        'points outside',
      ],
      ['url() spelt with references', svg('<rect fill="&#117;rl(http://evil.example/p)"/>'), 'points outside'],
      ['@import', svg('<style>@import "https://evil.example/a.css";</style>'), '@import'],
      [
        'image-set()',
        svg('<style>rect { mask-image: image-set("https://evil.example/m.png" 1x) }</style>'),
        'image-set',
      ],
      ['CSS escape', svg('<rect style="fill:u\\72l(http://evil.example/p)"/>'), 'backslash'],
      [
        'stylesheet instruction',
        `<?xml-stylesheet href="https://evil.example/a.css"?>${svg('')}`,
        'processing instructions',
      ],
      [
        'link animation',
        svg('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>'),
        'animating a link',
      ],
      ['embedded image too large', svg(`<image href="data:image/png;base64,${big}"/>`), 'larger than'],
      ['embedded image not a PNG', svg('<image href="data:image/png;base64,R0lGODlhAQABAAAAACw="/>'), 'not a PNG'],
      ['not base64', svg('<image href="data:image/png,%89PNG"/>'), 'base64'],
      ['no SVG root', '<html xmlns="http://www.w3.org/1999/xhtml"/>', 'root element'],
      ['no namespace', '<svg viewBox="0 0 1 1"></svg>', 'root element'],
      ['unclosed element', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><g>', 'never closed'],
      ['mismatched tags', svg('<g></text>'), 'closes'],
      ['two roots', `${svg('')}${svg('')}`, 'more than one root'],
      ['no size', '<svg xmlns="http://www.w3.org/2000/svg" width="100%"><rect/></svg>', 'viewBox'],
      ['nested too deep', svg('<g>'.repeat(200) + '</g>'.repeat(200)), 'nested deeper'],
      ['not UTF-8', '\xff\xfe<\x00s\x00', 'UTF-8'],
      ['not XML at all', 'just some text', 'outside the <svg>'],
    ];
    for (const [name, body, problem] of cases) {
      const bytes = name === 'not UTF-8' ? Uint8Array.from(body, (c) => c.charCodeAt(0)) : body;
      const res = await putLogo(t, bytes, 'image/svg+xml');
      expect(res.status, `${name}: ${res.text}`).toBe(400);
      expect(res.body.error.code, name).toBe('invalid_media');
      expect(res.body.error.message, name).toContain(problem);
    }
    // Larger than the SVG cap (far below the PNG one): 413 before the checks.
    const padded = svg(`<!--${'x'.repeat(MAX_SVG_LOGO_BYTES)}-->`);
    expect((await putLogo(t, padded, 'image/svg+xml')).status).toBe(413);
    // A PNG sent as SVG is not an SVG.
    expect((await putLogo(t, pngHeader(10, 10), 'image/svg+xml')).status).toBe(400);
    expect(await env.MEDIA.get(storageKeys.brandLogo(scopeOf(t), 'svg'))).toBeNull();
    expect((await call(kitPath(t), { token: t.token })).status).toBe(404);
  });

  it("another user's profile: 403 on every route, nothing changed; each profile has its own kit", async () => {
    const owner = await seedUser('brand-owner');
    await putLogo(owner, pngHeader(10, 10));
    const stranger = await seedUser('brand-stranger');
    const other = { ...owner, token: stranger.token };
    expect((await call(kitPath(other), { token: stranger.token })).status).toBe(403);
    expect((await call(kitPath(other), { method: 'PUT', token: stranger.token, json: {} })).status).toBe(403);
    expect((await call(kitPath(other), { method: 'DELETE', token: stranger.token })).status).toBe(403);
    expect((await putLogo(other, pngHeader(10, 10), 'image/png', stranger.token)).status).toBe(403);
    expect((await putLogo(other, SVG_OK, 'image/svg+xml', stranger.token)).status).toBe(403);
    expect((await call(`${kitPath(other)}/logo`, { method: 'DELETE', token: stranger.token })).status).toBe(403);
    const unknown = { ...owner, profileId: 'prf_01jd2v4m8r0000000000000000' };
    expect((await call(kitPath(unknown), { token: owner.token })).status).toBe(404);
    expect((await call(kitPath(owner), { token: owner.token })).body.logo).toMatchObject({ content_type: 'image/png' });
    expect(await env.MEDIA.get(storageKeys.brandLogo(scopeOf(owner), 'svg'))).toBeNull();
    // The same user's second profile has no kit of its own.
    const second = await seedProfile(owner);
    expect((await call(kitPath(second), { token: owner.token })).status).toBe(404);
  });
});

async function clipWithVideo(t: Tenant): Promise<string> {
  const project = (await as(t)('/api/v1/library/projects', { json: { name: 'Brand' } })).body.id;
  const [clip] = await seedClips(t, project, 1);
  await putRawClip(t, clip!);
  return clip!;
}

describe('brand kit intro and outro', () => {
  it("takes a clip with a video of the same profile; refuses another profile's, an unknown or a video-less one (404)", async () => {
    const t = await seedUser('brand-bookends');
    const own = await clipWithVideo(t);
    const second = await seedProfile(t);
    const foreign = await clipWithVideo(second);
    const project = (await as(t)('/api/v1/library/projects', { json: { name: 'Empty' } })).body.id;
    const [noVideo] = await seedClips(t, project, 1);
    for (const id of [foreign, 'clp_01jd2v4m8r0000000000000000', noVideo!, 'vid_01jd2v4m8r0000000000000000', 'x']) {
      const res = await call(kitPath(t), { method: 'PUT', token: t.token, json: { intro_id: id } });
      expect(res.status, id).toBe(404);
    }
    const saved = await call(kitPath(t), { method: 'PUT', token: t.token, json: { intro_id: own, outro_id: own } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ intro_id: own, outro_id: own });
  });
});

describe('brand kit and retention', () => {
  it('a source video that is the kit intro is held by retention (brand_kit), due again once the kit lets go', async () => {
    const t = await seedUser('brand-retention');
    // A ready video scheduled for deletion in the past, inserted as is (no probe job to hold it).
    const scope = scopeOf(t);
    const video = newId('sourceVideo');
    await scope.db.insert(sourceVideos).values({
      id: video,
      profileId: t.profileId,
      name: 'Intro',
      status: 'ready',
      declaredSizeBytes: 16,
      storageKey: storageKeys.sourceVideo(scope, video),
      deleteAfter: '2020-01-01T00:00:00.000Z',
    });
    const preview = () => call(`/api/v1/profiles/${t.profileId}/retention/preview`, { token: t.token });
    expect((await preview()).body.source_videos.delete.map((v: { id: string }) => v.id)).toEqual([video]);
    expect((await call(kitPath(t), { method: 'PUT', token: t.token, json: { intro_id: video } })).status).toBe(200);
    const held = (await preview()).body.source_videos;
    expect(held.delete).toEqual([]);
    expect(held.held).toMatchObject([{ id: video, held_by: 'brand_kit' }]);
    await call(kitPath(t), { method: 'PUT', token: t.token, json: {} });
    expect((await preview()).body.source_videos.delete.map((v: { id: string }) => v.id)).toEqual([video]);
  });
});

describe('render with and without a brand kit', () => {
  /** Runs the render job through the real consumer with a processor stand-in that records the request. */
  async function renderRequest(t: Tenant, result?: (r: Record<string, unknown>) => void): Promise<RenderRequest> {
    const clip = await clipWithVideo(t);
    await as(t)(`/api/v1/library/clips/${clip}/content`, {
      method: 'PUT',
      json: { srt_content: '1\n00:00:00,000 --> 00:00:01,000\nHello\n', subtitle_settings: { fontSize: 60 } },
    });
    const started = await as(t)(`/api/v1/library/clips/${clip}/render`, { json: { preset_name: 'tiktok' } });
    expect(started.status, started.text).toBe(202);
    const requests: RenderRequest[] = [];
    const processor: ProcessorClient = {
      async run(operation, request) {
        expect(operation).toBe('render');
        requests.push(request as RenderRequest);
        return { duration: 1, width: 1080, height: 1920, size_bytes: 1000, loudness_lufs: null } as never;
      },
      health: async () => ({ ok: true, ffmpeg: true }),
    };
    const { processJobMessage } = createJobConsumer(
      jobRegistry({ ...handlers, render_clip: renderClipHandler(() => processor) }),
    );
    await processJobMessage(
      env,
      { kind: 'job', job_id: started.body.job_id, profile_id: t.profileId, type: 'render_clip' },
      1,
    );
    const job = await getJob(scopeOf(t), started.body.job_id);
    expect(job?.status).toBe('completed');
    result?.(job!.result as Record<string, unknown>);
    expect(requests).toHaveLength(1);
    return requests[0]!;
  }

  it('without a kit: no logo field, the clip subtitle style over the built-in defaults', async () => {
    const request = await renderRequest(await seedUser('render-plain'));
    expect(Object.keys(request).sort()).toEqual(['input', 'loudness_target', 'output', 'preset', 'subtitles']);
    expect(request.subtitles!.style).toMatchObject({
      font_size: 60,
      font_family: 'DejaVu Sans',
      text_color: '#FFFFFF',
    });
  });

  it('with a kit: the logo (a storage capability, never a path) with its placement; kit subtitle defaults under the clip', async () => {
    const t = await seedUser('render-brand');
    await call(kitPath(t), {
      method: 'PUT',
      token: t.token,
      json: {
        logo_position: 'bottom-left',
        logo_opacity: 0.8,
        logo_margin: 0.05,
        logo_scale: 0.2,
        subtitle_settings: { fontSize: 30, textColor: '#00FF00' },
      },
    });
    await putLogo(t, pngHeader(64, 64));
    const request = await renderRequest(t);
    expect(request.logo).toMatchObject({ position: 'bottom-left', opacity: 0.8, margin: 0.05, scale: 0.2 });
    expect(request.logo!.url).toMatch(/^http:\/\/storage\.cutroom\.internal\/v1\/objects\//);
    // The clip's own font size wins; the kit's colour fills what the clip left unset.
    expect(request.subtitles!.style).toMatchObject({ font_size: 60, text_color: '#00FF00' });
  });

  it('with an SVG logo: a storage capability of the SVG object (the processor rasterises it)', async () => {
    const t = await seedUser('render-svg');
    expect((await putLogo(t, SVG_OK, 'image/svg+xml')).status).toBe(200);
    const request = await renderRequest(t);
    expect(request.logo).toMatchObject({ position: 'bottom-right', scale: 0.15 });
    const token = new URL(request.logo!.url).pathname.split('/').pop()!;
    const payload = JSON.parse(new TextDecoder().decode(fromBase64Url(token.split('.')[0]!)!));
    expect(payload).toMatchObject({ p: t.profileId, t: { kind: 'brand_logo', format: 'svg' }, m: 'GET' });
  });

  it('a kit without a logo adds no logo field', async () => {
    const t = await seedUser('render-nologo');
    await call(kitPath(t), { method: 'PUT', token: t.token, json: { logo_position: 'top-right' } });
    expect((await renderRequest(t)).logo).toBeUndefined();
  });

  it('with an intro and an outro: both as storage capabilities; one deleted meanwhile is left out and reported', async () => {
    const t = await seedUser('render-bookends');
    const intro = await clipWithVideo(t);
    const outro = await clipWithVideo(t);
    await call(kitPath(t), { method: 'PUT', token: t.token, json: { intro_id: intro, outro_id: outro } });
    const both = await renderRequest(t, (r) => expect(r).toMatchObject({ brand_intro: true, brand_outro: true }));
    expect(both.intro!.url).toMatch(/^http:\/\/storage\.cutroom\.internal\/v1\/objects\//);
    expect(both.outro!.url).toMatch(/^http:\/\/storage\.cutroom\.internal\/v1\/objects\//);
    expect(both.intro!.url).not.toBe(both.outro!.url);
    expect(both.logo).toBeUndefined();
    expect((await as(t)(`/api/v1/library/clips/${outro}`, { method: 'DELETE' })).status).toBe(200);
    const one = await renderRequest(t, (r) => expect(r).toMatchObject({ brand_intro: true, brand_outro: false }));
    expect(one.intro).toBeDefined();
    expect(one.outro).toBeUndefined();
  });
});
