/**
 * Captions from the footage, end to end: the real Worker, the real processor (audio extraction,
 * voice detection, subtitle burn-in) and eSpeak NG fixtures of known words at known times. Gemini
 * is the local fake, which finds the sounds in the audio it is sent and lays the expected words on
 * them; without a key, a supplied script is aligned to the detected speech.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEMINI_FAKE_KEY, GeminiFake } from '../fakes/gemini-server.ts';
import { makeSpokenWordsVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const VIDEOS = '/api/v1/segments/source-videos';

async function uploadVideo(stack: Stack, t: Tenant, path: string): Promise<string> {
  const form = new FormData();
  form.append('name', 'speech');
  form.append('video', new Blob([await readWhole(path)], { type: 'video/mp4' }), 'speech.mp4');
  const res = await stack.api(t)(VIDEOS, { method: 'POST', body: form });
  expect(res.status, res.text).toBe(201);
  const probe = await stack.waitForJob(t, res.body.job_id, { timeoutMs: 60_000 });
  expect(probe.status, JSON.stringify(probe.error)).toBe('completed');
  return res.body.id as string;
}

async function transcribe(stack: Stack, t: Tenant, path: string, body: Record<string, unknown>) {
  const res = await stack.api(t)(path, { json: body });
  expect(res.status, res.text).toBe(202);
  const job = await stack.waitForJob(t, res.body.job_id, { timeoutMs: 90_000 });
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  const transcript = await stack.api(t)(`/api/v1/transcripts/${job.result!.transcript_id}`);
  expect(transcript.status, transcript.text).toBe(200);
  return { queued: res.body, job, transcript: transcript.body };
}

describe('with the Gemini fake', () => {
  let stack: Stack;
  let gemini: GeminiFake;
  beforeAll(async () => {
    gemini = await GeminiFake.start();
    stack = await startStack({
      vars: { GEMINI_BASE_URL: gemini.url, GEMINI_API_KEY: GEMINI_FAKE_KEY, GEMINI_MODEL: 'gemini-2.5-flash' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await gemini?.close();
  });

  it('transcribes known words at known times (within 0.3 s), bills the call, and the SRT feeds a burned-in render', async () => {
    const spoken = [
      { text: 'Coffee', at: 1 },
      { text: 'grinder', at: 2.4 },
      { text: 'morning', at: 4 },
      { text: 'ritual', at: 5.6 },
    ];
    const fixture = await makeSpokenWordsVideo(spoken, 8);
    gemini.setHeardWords(spoken.map((w) => w.text));
    const t = await stack.newTenant();
    const videoId = await uploadVideo(stack, t, fixture.path);

    const { queued, job, transcript } = await transcribe(stack, t, `${VIDEOS}/${videoId}/transcribe`, {});
    expect(queued.engine).toBe('gemini');
    expect(queued.estimated_cost_usd).toBeGreaterThan(0);
    expect(job.result).toMatchObject({ engine: 'gemini', approximate: false, word_count: 4 });

    // Gemini was sent MP3 audio inline with a word-timing schema.
    const calls = gemini.server.requestsFor({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
    });
    expect(calls).toHaveLength(1);
    const sent = calls[0]!.json as any;
    expect(sent.contents[0].parts[1].inlineData.mimeType).toBe('audio/mpeg');
    expect(sent.generationConfig.responseJsonSchema.properties.words).toBeDefined();

    expect(transcript).toMatchObject({ source_video_id: videoId, engine: 'gemini', approximate: false });
    expect(transcript.words.map((w: any) => w.text)).toEqual(spoken.map((w) => w.text));
    transcript.words.forEach((w: any, i: number) => {
      expect(Math.abs(w.start - fixture.phrases[i]!.start), `${w.text} start`).toBeLessThan(0.3);
      expect(Math.abs(w.end - fixture.phrases[i]!.end), `${w.text} end`).toBeLessThan(0.3);
    });
    expect(transcript.srt).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\nCoffee/);

    // One ledger row for the call, with audio tokens priced.
    const costs = (await stack.api(t)('/api/v1/costs/all')).body.entries;
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({
      job_id: job.id,
      service: 'gemini',
      operation: 'transcription',
      unit: 'tokens',
      model: 'gemini-2.5-flash',
    });
    expect(costs[0].cost_usd).toBeGreaterThan(0);

    // A redelivery answers from the stored transcript: no second call, no second row.
    stack.d1("UPDATE jobs SET status = 'running', updated_at = '2000-01-01T00:00:00.000Z' WHERE id = ?", job.id);
    await stack.deliver({ kind: 'job', job_id: job.id, profile_id: t.profileId, type: 'transcribe' });
    expect(
      gemini.server.requestsFor({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent' }),
    ).toHaveLength(1);
    expect((await stack.api(t)('/api/v1/costs/all')).body.entries).toHaveLength(1);

    // Keyword matching reads the transcript.
    const match = await stack.api(t)('/api/v1/segments/match-srt', { json: { transcript_id: transcript.id } });
    expect(match.status, match.text).toBe(200);

    // The transcript is the render's subtitles: the pipeline burns its SRT in.
    const render = await stack.api(t)('/api/v1/jobs', {
      json: { source_video_id: videoId, transcript_id: transcript.id, target_duration: 6, generate_audio: false },
    });
    expect(render.status, render.text).toBe(202);
    const rendered = await stack.waitForJob(t, render.body.job_id, { timeoutMs: 150_000 });
    expect(rendered.status, JSON.stringify(rendered.error)).toBe('completed');
    expect(rendered.input).toMatchObject({ srt_input: 'input-srt.srt' });
    expect(rendered.result).toMatchObject({ subtitles: 'uploaded_srt' });
    expect(((rendered.result as any).variants as unknown[]).length).toBeGreaterThan(0);

    // Another profile sees none of it.
    const other = await stack.newTenant('mallory');
    expect((await stack.api(other)(`/api/v1/transcripts/${transcript.id}`)).status).toBe(404);
    expect((await stack.api(other)(`/api/v1/transcripts/${transcript.id}/srt`)).status).toBe(404);
    const patch = await stack.api(other)(`/api/v1/transcripts/${transcript.id}`, {
      method: 'PATCH',
      json: { srt: '1\n00:00:01,000 --> 00:00:02,000\nMine\n' },
    });
    expect(patch.status).toBe(404);
    expect((await stack.api(other)(`${VIDEOS}/${videoId}/transcribe`, { json: {} })).status).toBe(404);
    const borrowed = await stack.api(other)('/api/v1/segments/match-srt', { json: { transcript_id: transcript.id } });
    expect(borrowed.status).toBe(404);
    expect((await stack.api(t)(`/api/v1/transcripts/${transcript.id}`)).body.words).toEqual(transcript.words);
  });
});

describe('without a Gemini key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('aligns a supplied script to the two detected speech spans, approximately, and the result is editable', async () => {
    const fixture = await makeSpokenWordsVideo(
      [
        { text: 'hello there my friend', at: 1 },
        { text: 'good morning to everyone', at: 5 },
      ],
      9,
    );
    const t = await stack.newTenant();
    const videoId = await uploadVideo(stack, t, fixture.path);

    const missing = await stack.api(t)(`${VIDEOS}/${videoId}/transcribe`, { json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].path).toBe('script');

    const { queued, transcript } = await transcribe(stack, t, `${VIDEOS}/${videoId}/transcribe`, {
      script: 'Hello there, my friend. Good morning to everyone!',
    });
    expect(queued).toMatchObject({ engine: 'script_alignment', estimated_cost_usd: 0 });
    expect(transcript).toMatchObject({ engine: 'script_alignment', approximate: true });
    const words = transcript.words as { text: string; start: number; end: number }[];
    expect(words.map((w) => w.text)).toEqual([
      'Hello',
      'there,',
      'my',
      'friend.',
      'Good',
      'morning',
      'to',
      'everyone!',
    ]);
    const [first, second] = fixture.phrases;
    const within = (w: { start: number; end: number }, span: { start: number; end: number }) =>
      w.start >= span.start - 0.3 && w.end <= span.end + 0.3;
    for (const w of words.slice(0, 4)) expect(within(w, first!), `${w.text} in the first span`).toBe(true);
    for (const w of words.slice(4)) expect(within(w, second!), `${w.text} in the second span`).toBe(true);
    expect((await stack.api(t)('/api/v1/costs/all')).body.entries).toHaveLength(0);

    // Edited before rendering: a broken SRT is refused, a good one replaces the words.
    const broken = await stack.api(t)(`/api/v1/transcripts/${transcript.id}`, {
      method: 'PATCH',
      json: { srt: '1\n00:00:03,000 --> 00:00:02,000\nBackwards\n' },
    });
    expect(broken.status).toBe(400);
    const overlapping = await stack.api(t)(`/api/v1/transcripts/${transcript.id}`, {
      method: 'PATCH',
      json: {
        words: [
          { text: 'a', start: 1, end: 2 },
          { text: 'b', start: 1.5, end: 2.5 },
        ],
      },
    });
    expect(overlapping.status).toBe(400);
    const edited = await stack.api(t)(`/api/v1/transcripts/${transcript.id}`, {
      method: 'PATCH',
      json: {
        srt: '1\n00:00:01,000 --> 00:00:02,500\nHello there my friend\n\n2\n00:00:05,000 --> 00:00:06,000\nGood morning\n',
      },
    });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.edited_at).not.toBeNull();
    expect(edited.body.words.map((w: any) => w.text)).toEqual(['Hello', 'there', 'my', 'friend', 'Good', 'morning']);
    expect(edited.body.words[4].start).toBeCloseTo(5, 3);
    const srt = await stack.api(t)(`/api/v1/transcripts/${transcript.id}/srt`);
    expect(srt.status).toBe(200);
    expect(srt.text).toContain('00:00:05,000 --> 00:00:06,000\nGood morning');
  });
});
