/**
 * Every name and text field refuses NUL bytes and bidirectional overrides (400 with the field's
 * path) and changes nothing; ordinary names in any script pass.
 */
import { describe, expect, it } from 'vitest';
import { seedClips } from '../helpers/worker/seed.ts';
import { BASE as VIDEOS, fakeMp4, readyVideo } from '../helpers/worker/source-videos.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

const NUL = 'clip\u0000.mp4';
const RLO = 'invoice\u202Egpj.mp4';

async function multipartBody(fields: [string, string | Blob, string?][]) {
  const fd = new FormData();
  for (const [name, value, filename] of fields) {
    if (typeof value === 'string') fd.append(name, value);
    else fd.append(name, value, filename);
  }
  const req = new Request('http://x/', { method: 'POST', body: fd });
  return {
    body: new Uint8Array(await req.arrayBuffer()),
    headers: { 'Content-Type': req.headers.get('Content-Type')! },
  };
}

describe('names', () => {
  it('refuses NUL and bidi override characters in every name and text field, changing nothing', async () => {
    const t = await seedUser('names');
    const api = as(t);
    const video = await readyVideo(t);
    const project = (await api('/api/v1/library/projects', { json: { name: 'Launch' } })).body.id as string;
    const [clip] = await seedClips(t, project, 1);

    const attempts: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/profiles/', { name: RLO }, 'name'],
      ['PATCH', `/api/v1/profiles/${t.profileId}`, { name: NUL }, 'name'],
      ['PATCH', `/api/v1/profiles/${t.profileId}`, { description: `a${'\u202D'}b` }, 'description'],
      ['POST', '/api/v1/library/projects', { name: NUL }, 'name'],
      ['PATCH', `/api/v1/library/projects/${project}`, { name: RLO }, 'name'],
      ['PATCH', `/api/v1/library/clips/${clip}`, { variant_name: RLO }, 'variant_name'],
      ['PATCH', `${VIDEOS}/${video}`, { name: NUL }, 'name'],
      ['POST', `${VIDEOS}/uploads`, { name: RLO, size_bytes: 10, content_type: 'video/mp4' }, 'name'],
      [
        'POST',
        `${VIDEOS}/uploads`,
        { name: 'ok', filename: NUL, size_bytes: 10, content_type: 'video/mp4' },
        'filename',
      ],
    ];
    for (const [method, path, json, field] of attempts) {
      const res = await api(path, { method, json });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        `${method} ${path}`,
      ).toContain(field);
    }

    const form = await multipartBody([
      ['name', RLO],
      ['video', new Blob([fakeMp4(4096)], { type: 'video/mp4' }), 'clip.mp4'],
    ]);
    const upload = await api(VIDEOS, { method: 'POST', ...form });
    expect(upload.status).toBe(400);
    expect(upload.body.error.details).toEqual([{ path: 'name', message: expect.stringMatching(/control characters/) }]);

    // Nothing changed.
    expect((await api(`/api/v1/profiles/${t.profileId}`)).body.name).not.toContain('\u0000');
    expect((await api(`/api/v1/library/projects/${project}`)).body.name).toBe('Launch');
    expect((await api(`/api/v1/library/clips/${clip}`)).body.clip.variant_name).toBe('Variant 1');
    expect((await api(`${VIDEOS}?limit=100`)).body).toHaveLength(1);
  });

  it('keeps ordinary names in any script, and strips formatting from a multipart file name', async () => {
    const t = await seedUser('names-ok');
    const api = as(t);
    const name = 'Ștefan — «été» 東京 🎬';
    expect((await api('/api/v1/library/projects', { json: { name } })).body.name).toBe(name);
    const form = await multipartBody([
      ['name', name],
      ['video', new Blob([fakeMp4(4096)], { type: 'video/mp4' }), RLO],
    ]);
    const upload = await api(VIDEOS, { method: 'POST', ...form });
    expect(upload.status, upload.text).toBe(201);
    expect(upload.body).toMatchObject({ name, original_filename: 'invoicegpj.mp4' });
  });
});
