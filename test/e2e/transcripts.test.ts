/**
 * Captions from the footage, end to end: the real Worker, the real processor (audio extraction,
 * voice detection, subtitle burn-in) and eSpeak NG fixtures of known words at known times. Gemini
 * is the local fake, which finds the sounds in the audio it is sent and lays the expected words on
 * them; without a key, a supplied script is aligned to the detected speech. A 31-minute fixture
 * (lavfi tones in silence, tiny picture) is transcribed in 5-minute chunks; the inline limit is
 * lowered to 1 MB (GEMINI_INLINE_AUDIO_MAX_BYTES) so its 1.2 MB chunks take the Files API and its
 * 1-minute tail goes inline: the real 12 MiB limit would need a fixture of hours.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEMINI_FAKE_KEY, GeminiFake } from '../fakes/gemini-server.ts';
import { fixtureDir, makeSpokenWordsVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { greyFrame, rmsDb, saveBytes, streamsOf } from './helpers/media-checks.ts';
import { type Stack, type Tenant, startStack } from './helpers/stack.ts';

const run = promisify(execFile);

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

async function transcribe(stack: Stack, t: Tenant, path: string, body: Record<string, unknown>, timeoutMs = 90_000) {
  const res = await stack.api(t)(path, { json: body });
  expect(res.status, res.text).toBe(202);
  const job = await stack.waitForJob(t, res.body.job_id, { timeoutMs });
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  const transcript = await stack.api(t)(`/api/v1/transcripts/${job.result!.transcript_id}`);
  expect(transcript.status, transcript.text).toBe(200);
  return { queued: res.body, job, transcript: transcript.body };
}

async function render(stack: Stack, t: Tenant, body: Record<string, unknown>): Promise<{ result: any; file: string }> {
  const res = await stack.api(t)('/api/v1/jobs', { json: body });
  expect(res.status, res.text).toBe(202);
  const job = await stack.waitForJob(t, res.body.job_id, { timeoutMs: 150_000 });
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  const result = job.result as any;
  const got = await stack.fetchUrl(result.variants[0].final_video_url);
  expect(got.status).toBe(200);
  return { result, file: await saveBytes(got.bytes, 'mp4') };
}

/** Share of the pixels in rows [from, to) that differ by more than 60 grey levels between two frames. */
function changedShare(a: Uint8Array, b: Uint8Array, width: number, from: number, to: number): number {
  let changed = 0;
  for (let i = from * width; i < to * width; i++) if (Math.abs(a[i]! - b[i]!) > 60) changed++;
  return changed / ((to - from) * width);
}

/** [start, end] of each SRT cue, in seconds. */
function cueTimes(srt: string): { start: number; end: number }[] {
  const at = (h: string, m: string, s: string, ms: string) =>
    Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;
  return [...srt.matchAll(/(\d+):(\d+):(\d+),(\d+) --> (\d+):(\d+):(\d+),(\d+)/g)].map((m) => ({
    start: at(m[1]!, m[2]!, m[3]!, m[4]!),
    end: at(m[5]!, m[6]!, m[7]!, m[8]!),
  }));
}

/**
 * The stack with the Gemini fake as its Gemini. Audio inline up to 1 MB (the real limit is 12 MiB),
 * so a test's 5-minute chunks take the Files API without hours of fixture.
 */
async function startWithGeminiFake(vars: Record<string, string> = {}): Promise<{ gemini: GeminiFake; stack: Stack }> {
  const gemini = await GeminiFake.start();
  const stack = await startStack({
    vars: {
      GEMINI_BASE_URL: gemini.url,
      GEMINI_API_KEY: GEMINI_FAKE_KEY,
      GEMINI_MODEL: 'gemini-2.5-flash',
      GEMINI_INLINE_AUDIO_MAX_BYTES: '1000000',
      ...vars,
    },
  });
  return { gemini, stack };
}

describe('with the Gemini fake', () => {
  let stack: Stack;
  let gemini: GeminiFake;
  beforeAll(async () => {
    ({ gemini, stack } = await startWithGeminiFake());
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

    // The transcript is the render's subtitles: the pipeline burns its SRT in. The same render
    // without it is the reference: the text is what differs, in the lower third, during cues only.
    const subtitled = await render(stack, t, {
      source_video_id: videoId,
      transcript_id: transcript.id,
      target_duration: 6,
      generate_audio: false,
    });
    expect(subtitled.result).toMatchObject({ subtitles: 'uploaded_srt' });
    const plain = await render(stack, t, { source_video_id: videoId, target_duration: 6, generate_audio: false });
    expect(plain.result.subtitles).toBeNull();
    expect(plain.result.segments).toEqual(subtitled.result.segments);
    const video = (await streamsOf(subtitled.file)).find((st) => st.codec_type === 'video')!;
    const w = Math.round(video.width! / 4);
    const h = Math.round(video.height! / 4);
    const lowerThird = Math.floor((h * 2) / 3);
    const cues = cueTimes(transcript.srt);
    expect(cues.length).toBeGreaterThanOrEqual(2);
    const shares = async (time: number) => {
      const [a, b] = await Promise.all([greyFrame(subtitled.file, time, w, h), greyFrame(plain.file, time, w, h)]);
      return { lower: changedShare(a, b, w, lowerThird, h), upper: changedShare(a, b, w, 0, lowerThird) };
    };
    for (const cue of cues.filter((c) => c.end < 5.9)) {
      const during = await shares((cue.start + cue.end) / 2);
      expect(during.lower, `text at ${cue.start}–${cue.end} s`).toBeGreaterThan(0.01);
      expect(during.upper, `nothing above the lower third at ${cue.start} s`).toBeLessThan(0.002);
    }
    const gaps = cues.slice(1).map((c, i) => ({ start: cues[i]!.end, end: c.start }));
    const between = [
      cues[0]!.start / 2,
      ...gaps.filter((g) => g.end - g.start > 0.3).map((g) => (g.start + g.end) / 2),
    ];
    expect(between.length).toBeGreaterThanOrEqual(2);
    for (const time of between) {
      const idle = await shares(time);
      expect(idle.lower, `no text at ${time} s`).toBeLessThan(0.002);
    }

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

  it('transcribes a clip of the library on its own timeline: each word lies over sound in the clip', async () => {
    const spoken = [
      { text: 'Coffee', at: 1 },
      { text: 'grinder', at: 2.4 },
      { text: 'morning', at: 4 },
      { text: 'ritual', at: 5.6 },
    ];
    const fixture = await makeSpokenWordsVideo(spoken, 8);
    gemini.setHeardWords(null);
    const t = await stack.newTenant();
    const videoId = await uploadVideo(stack, t, fixture.path);
    const project = await stack.api(t)('/api/v1/library/projects', { json: { name: 'Clips', target_duration: 6 } });
    expect(project.status, project.text).toBe(201);
    const form = new FormData();
    form.append('source_video_id', videoId);
    form.append('variant_count', '1');
    const generated = await stack.api(t)(`/api/v1/library/projects/${project.body.id}/generate`, { body: form });
    expect(generated.status, generated.text).toBe(202);
    const made = await stack.waitForJob(t, generated.body.job_id, { timeoutMs: 150_000 });
    expect(made.status, JSON.stringify(made.error)).toBe('completed');
    const clip = (await stack.api(t)(`/api/v1/library/projects/${project.body.id}/clips`)).body.clips[0];
    const before = gemini.server.requestsFor({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
    });

    const { queued, job, transcript } = await transcribe(stack, t, `/api/v1/library/clips/${clip.id}/transcribe`, {});
    expect(queued.engine).toBe('gemini');
    expect(transcript).toMatchObject({ clip_id: clip.id, source_video_id: null, engine: 'gemini', approximate: false });
    expect(Math.abs(transcript.duration - clip.duration)).toBeLessThan(0.1);

    // Gemini heard the clip's audio (its length), not the source's.
    const calls = gemini.server
      .requestsFor({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent' })
      .slice(before.length);
    const sent = calls.filter((c) => c.extra.audio_seconds !== undefined);
    expect(sent).toHaveLength(1);
    expect(Math.abs((sent[0]!.extra.audio_seconds as number) - clip.duration)).toBeLessThan(0.3);

    // Checked on the clip's own file: sound under every word, silence around them.
    const got = await stack.fetchUrl(clip.video_url);
    expect(got.status).toBe(200);
    const file = await saveBytes(got.bytes, 'mp4');
    const words = transcript.words as { text: string; start: number; end: number }[];
    expect(words.length).toBeGreaterThanOrEqual(2);
    for (const w of words) {
      expect(w.end).toBeLessThanOrEqual(clip.duration + 1e-3);
      expect(await rmsDb(file, w.start + 0.05, w.end - 0.05), `sound under ${w.text} at ${w.start} s`).toBeGreaterThan(
        -35,
      );
    }
    const silent = words
      .slice(1)
      .map((w, i) => ({ start: words[i]!.end, end: w.start }))
      .filter((g) => g.end - g.start > 0.4);
    expect(silent.length).toBeGreaterThanOrEqual(1);
    for (const g of silent)
      expect(await rmsDb(file, g.start + 0.1, g.end - 0.1), `silence at ${g.start}–${g.end} s`).toBeLessThan(-45);
    expect((await stack.api(t)('/api/v1/costs/all')).body.entries.filter((e: any) => e.job_id === job.id)).toHaveLength(
      1,
    );
  });
});

/** Silence with 0.6 s tones at the given times, `duration` s, under a tiny black picture at 1 fps. */
async function makeTonesVideo(tones: readonly { start: number; end: number }[], duration: number): Promise<string> {
  const path = join(fixtureDir(), `tones-${duration}s.mp4`);
  const on = tones.map((t) => `between(t,${t.start},${t.end})`).join('+');
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'color=c=black:s=160x90:r=1',
    '-f',
    'lavfi',
    '-i',
    `aevalsrc='if(${on},0.5*sin(2*PI*440*t),0)':s=16000`,
    '-t',
    String(duration),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '10',
    '-c:a',
    'aac',
    '-b:a',
    '24k',
    '-ac',
    '1',
    '-movflags',
    '+faststart',
    path,
  ]);
  return path;
}

describe('a 31-minute video, in chunks, with one delivery per chunk', () => {
  let stack: Stack;
  let gemini: GeminiFake;
  beforeAll(async () => {
    // Every chunk past the first starts a new delivery: a hand-off must not bill a chunk twice.
    ({ gemini, stack } = await startWithGeminiFake({ JOB_CONSUMER_BUDGET_SECONDS: '1' }));
  });
  afterAll(async () => {
    await stack?.stop();
    await gemini?.close();
  });

  it('transcribes past 30 minutes: Files API for the 5-minute chunks, inline for the tail, words on the whole timeline, one ledger row per chunk', async () => {
    // One tone per chunk region, one across the 1200 s boundary (heard by two chunks, kept once).
    const tones = [
      { start: 100, end: 100.6 },
      { start: 450, end: 450.6 },
      { start: 1199.4, end: 1200.2 },
      { start: 1830, end: 1830.6 },
    ];
    const path = await makeTonesVideo(tones, 1860);
    const t = await stack.newTenant();
    const videoId = await uploadVideo(stack, t, path);
    const { queued, job, transcript } = await transcribe(stack, t, `${VIDEOS}/${videoId}/transcribe`, {}, 300_000);
    expect(queued.engine).toBe('gemini');

    expect(transcript.words).toHaveLength(tones.length);
    transcript.words.forEach((w: any, i: number) => {
      expect(Math.abs(w.start - tones[i]!.start), `word ${i} start`).toBeLessThan(0.3);
      expect(Math.abs(w.end - tones[i]!.end), `word ${i} end`).toBeLessThan(0.3);
    });

    // Seven chunks: six 5-minute ones (1.2 MB each, over the lowered inline limit) through the Files
    // API, the 1-minute tail inline; every uploaded file deleted.
    const generates = gemini.server.requestsFor({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
    });
    expect(generates.map((r) => r.extra.audio_source)).toEqual([
      'file',
      'file',
      'file',
      'file',
      'file',
      'file',
      'inline',
    ]);
    const seconds = generates.map((r) => r.extra.audio_seconds as number);
    expect(Math.abs(seconds[0]! - 302)).toBeLessThan(0.5);
    expect(Math.abs(seconds[3]! - 304)).toBeLessThan(0.5);
    expect(Math.abs(seconds[6]! - 62)).toBeLessThan(0.5);
    expect(gemini.uploaded).toHaveLength(6);
    expect(gemini.liveFiles()).toEqual([]);
    expect(gemini.server.requestsFor({ method: 'DELETE', path: '/v1beta/files/' })).toHaveLength(6);

    // Handed off between chunks, and billed once per chunk.
    const [row] = stack.d1<{ handoffs: number }>('SELECT handoffs FROM jobs WHERE id = ?', job.id);
    expect(row!.handoffs).toBeGreaterThanOrEqual(6);
    const costs = (await stack.api(t)('/api/v1/costs/all')).body.entries;
    expect(costs).toHaveLength(7);
    expect(costs.every((c: any) => c.operation === 'transcription' && c.job_id === job.id)).toBe(true);
    const billed = costs.reduce((sum: number, c: any) => sum + c.cost_usd, 0);
    expect(billed).toBeLessThanOrEqual(queued.estimated_cost_usd);
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
