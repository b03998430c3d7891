import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { insertTranscript } from '../../src/db/repos/transcripts.ts';
import { sourceVideos } from '../../src/db/schema.ts';
import { storageKeys } from '../../src/storage/keys.ts';
import { callWithEnv } from '../helpers/worker/api.ts';
import { wordsToSrt } from '../../src/library/transcripts.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { scopeOf, seedClips } from '../helpers/worker/seed.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

const words = [
  { text: 'Fresh', start: 0.5, end: 0.9 },
  { text: 'coffee', start: 1.0, end: 1.5 },
  { text: 'every', start: 3.0, end: 3.4 },
  { text: 'morning.', start: 3.5, end: 4.1 },
];

async function setup() {
  const user = await seedUser('transcripts');
  const api = as(user);
  const project = (await api('/api/v1/library/projects', { json: { name: 'P' } })).body.id as string;
  const [clip] = await seedClips(user, project, 1);
  const transcript = await insertTranscript(scopeOf(user), {
    sourceVideoId: null,
    clipId: clip!,
    jobId: null,
    engine: 'gemini',
    model: 'gemini-2.5-flash',
    language: 'en',
    approximate: false,
    duration: 15,
    words,
    srt: wordsToSrt(words),
  });
  return { user, api, clip: clip!, transcript };
}

describe('/api/v1/transcripts', () => {
  it('serves a transcript and its SRT, and edits the words with the SRT rebuilt', async () => {
    const { api, transcript } = await setup();
    const got = await api(`/api/v1/transcripts/${transcript.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: transcript.id, engine: 'gemini', approximate: false, words, edited_at: null });
    const srt = await api(`/api/v1/transcripts/${transcript.id}/srt`);
    expect(srt.headers.get('content-type')).toContain('application/x-subrip');
    expect(srt.text).toBe(transcript.srt);
    expect(srt.text).toContain('00:00:00,500 --> 00:00:01,500\nFresh coffee');

    const edited = await api(`/api/v1/transcripts/${transcript.id}`, {
      method: 'PATCH',
      json: { words: [...words.slice(0, 3), { text: 'afternoon.', start: 3.5, end: 4.3 }] },
    });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.srt).toContain('every afternoon.');
    expect(edited.body.edited_at).not.toBeNull();

    for (const json of [
      { words, srt: 'x' },
      {},
      { words: [{ text: 'late', start: 14, end: 16 }] },
      { srt: 'no timing here' },
    ]) {
      const bad = await api(`/api/v1/transcripts/${transcript.id}`, { method: 'PATCH', json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
  });

  it('lists transcripts newest first, by clip, in pages, without their words and SRT', async () => {
    const { user, api, clip, transcript } = await setup();
    const project = (await api('/api/v1/library/projects', { json: { name: 'Q' } })).body.id as string;
    const [otherClip] = await seedClips(user, project, 1);
    const second = await insertTranscript(scopeOf(user), {
      sourceVideoId: null,
      clipId: clip,
      jobId: null,
      engine: 'script_alignment',
      model: null,
      language: null,
      approximate: true,
      duration: 15,
      words: words.slice(0, 2),
      srt: wordsToSrt(words.slice(0, 2)),
    });
    const elsewhere = await insertTranscript(scopeOf(user), {
      sourceVideoId: null,
      clipId: otherClip!,
      jobId: null,
      engine: 'gemini',
      model: null,
      language: null,
      approximate: false,
      duration: 15,
      words,
      srt: wordsToSrt(words),
    });

    // Newest first is id order (ids are time-ordered; two made in one millisecond order at random).
    const newestFirst = (...ids: string[]) => ids.sort().reverse();
    const idsOf = (res: { body: { transcripts: { id: string }[] } }) => res.body.transcripts.map((t) => t.id);
    const all = await api('/api/v1/transcripts');
    expect(all.status, all.text).toBe(200);
    expect(idsOf(all)).toEqual(newestFirst(elsewhere.id, second.id, transcript.id));

    const ofClip = await api(`/api/v1/transcripts?clip_id=${clip}`);
    const [newer, older] = newestFirst(second.id, transcript.id);
    expect(idsOf(ofClip)).toEqual([newer, older]);
    const listedSecond = ofClip.body.transcripts.find((t: { id: string }) => t.id === second.id);
    expect(listedSecond).toMatchObject({ clip_id: clip, engine: 'script_alignment', approximate: true, word_count: 2 });
    for (const item of ofClip.body.transcripts) {
      expect(item).not.toHaveProperty('words');
      expect(item).not.toHaveProperty('srt');
    }

    const first = await api(`/api/v1/transcripts?clip_id=${clip}&limit=1`);
    expect(idsOf(first)).toEqual([newer]);
    expect(first.body.next_cursor).toBe(newer);
    expect(first.headers.get('X-Next-Cursor')).toBe(newer);
    const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('Link') ?? '')?.[1];
    expect(link).toBeDefined();
    const next = await api(link!);
    expect(idsOf(next)).toEqual([older]);
    expect(next.body.next_cursor).toBeNull();

    expect((await api('/api/v1/transcripts?source_video_id=vid_01jd2v4m8r0000000000000000')).body.transcripts).toEqual(
      [],
    );
    // Both filters apply together: the clip's transcripts, none of which is of that video.
    const both = await api(`/api/v1/transcripts?clip_id=${clip}&source_video_id=vid_01jd2v4m8r0000000000000000`);
    expect(both.status).toBe(200);
    expect(both.body.transcripts).toEqual([]);
  });

  it('is usable for keyword matching by id', async () => {
    const { api, transcript } = await setup();
    const res = await api('/api/v1/segments/match-srt?format=full', { json: { transcript_id: transcript.id } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ matches: [], problems: [] });
    const both = await api('/api/v1/segments/match-srt', {
      json: { transcript_id: transcript.id, srt_content: transcript.srt },
    });
    expect(both.status).toBe(400);
  });

  it('refuses media longer than Gemini transcribes (422) before queueing anything', async () => {
    const user = await seedUser('transcripts');
    const scope = scopeOf(user);
    const id = newId('sourceVideo');
    const storageKey = storageKeys.sourceVideo(scope, id);
    await scope.db.insert(sourceVideos).values({
      id,
      profileId: scope.profileId,
      name: 'Three hours',
      status: 'ready',
      declaredSizeBytes: 16,
      fileSizeBytes: 16,
      storageKey,
      duration: 3 * 3600,
      width: 1920,
      height: 1080,
    });
    await env.MEDIA.put(storageKey, new Uint8Array(16));
    const res = await callWithEnv({ GEMINI_API_KEY: 'test-key' }, `/api/v1/segments/source-videos/${id}/transcribe`, {
      token: user.token,
      json: { engine: 'gemini' },
    });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.code).toBe('too_much_work');
    expect(res.body.error.message).toContain('180 min');
    expect((await as(user)('/api/v1/jobs')).body.jobs).toEqual([]);
  });

  it('refuses to transcribe a clip without a video (409) and an unknown engine (400)', async () => {
    const { api, clip } = await setup();
    const res = await api(`/api/v1/library/clips/${clip}/transcribe`, { json: { script: 'Hello there' } });
    // A seeded clip has no video yet.
    expect(res.status).toBe(409);
    const unknown = await api(`/api/v1/library/clips/${clip}/transcribe`, { json: { engine: 'whisper' } });
    expect(unknown.status).toBe(400);
  });

  it('keeps transcripts within their profile on every route', async () => {
    const { user, clip, transcript } = await setup();
    await expectCrossProfileIsolation(
      user,
      [
        { method: 'GET', path: `/api/v1/transcripts/${transcript.id}` },
        { method: 'GET', path: `/api/v1/transcripts/${transcript.id}/srt` },
        { method: 'PATCH', path: `/api/v1/transcripts/${transcript.id}`, json: { words } },
        { method: 'DELETE', path: `/api/v1/transcripts/${transcript.id}` },
        { method: 'POST', path: `/api/v1/library/clips/${clip}/transcribe`, json: { script: 'x' } },
        { method: 'POST', path: '/api/v1/segments/match-srt', json: { transcript_id: transcript.id } },
      ],
      [
        { path: '/api/v1/transcripts', ids: [transcript.id] },
        { path: `/api/v1/transcripts?clip_id=${clip}`, ids: [transcript.id] },
      ],
    );
    const api = as(user);
    expect((await api(`/api/v1/transcripts/${transcript.id}`)).body.words).toEqual(words);
    expect((await api(`/api/v1/transcripts/${transcript.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/api/v1/transcripts/${transcript.id}`)).status).toBe(404);
  });
});
