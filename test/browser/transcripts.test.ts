/**
 * Transcripts in the studio, in Chromium against the whole stack without a Gemini key: on a video of
 * two phrases spoken by eSpeak NG, a user transcribes with a script (local alignment, live job
 * progress), sees the cues where the phrases are heard, edits one cue's text, saves, reloads and
 * finds the edit; a broken cue shows the API's message next to that cue and changes nothing; the
 * SRT downloads as the API serves it.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, type Tenant, startStack } from '../e2e/helpers/stack.ts';
import { type SpokenWordsVideo, makeSpokenWordsVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { launchChromium, newStudioPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';

const VIDEOS = '/api/v1/segments/source-videos';

let stack: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let dana: Tenant;
let fixture: SpokenWordsVideo;
let videoId: string;

beforeAll(async () => {
  fixture = await makeSpokenWordsVideo(
    [
      { text: 'hello there my friend', at: 1 },
      { text: 'good morning to everyone', at: 5 },
    ],
    9,
  );
  stack = await startStack();
  browser = await launchChromium();
  ({ page, errors } = await newStudioPage(browser));
  dana = await stack.newTenant('captions');
  const form = new FormData();
  form.append('name', 'Interview');
  form.append('video', new Blob([await readWhole(fixture.path)], { type: 'video/mp4' }), 'interview.mp4');
  const res = await stack.api(dana)(VIDEOS, { method: 'POST', body: form });
  expect(res.status, res.text).toBe(201);
  const probe = await stack.waitForJob(dana, res.body.job_id, { timeoutMs: 60_000 });
  expect(probe.status, JSON.stringify(probe.error)).toBe('completed');
  videoId = res.body.id;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function checkScreen(name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousA11yViolations(page), `axe on ${name}`).toEqual([]);
  expect(errors, `page errors on ${name}`).toEqual([]);
}

async function openTheVideo(): Promise<void> {
  await page.getByRole('list', { name: 'Source videos' }).getByRole('link', { name: 'Interview', exact: true }).click();
  await page.getByRole('heading', { name: 'Transcripts' }).waitFor();
}

it('transcribes a video with a script, edits a cue, and keeps the edit across a reload', async () => {
  await page.goto(`${stack.url}/#access_token=${dana.token}`);
  await openTheVideo();
  const transcribe = page.getByRole('form', { name: 'Transcribe' });
  await transcribe.getByText('Gemini is not configured here').waitFor();

  // Without a script the API says what is missing, next to the script field.
  await transcribe.getByRole('button', { name: 'Transcribe' }).click();
  await expect.poll(() => transcribe.getByRole('alert').textContent()).toBe('Required when Gemini is not used');
  expect(await transcribe.getByLabel('Script (what is said)').getAttribute('aria-invalid')).toBe('true');

  await transcribe.getByLabel('Script (what is said)').fill('Hello there, my friend. Good morning to everyone!');
  await transcribe.getByRole('button', { name: 'Transcribe' }).click();
  await page.getByRole('progressbar', { name: 'Transcribing' }).waitFor();

  // The finished job opens its transcript: one cue per sentence, each where its phrase is heard.
  const editor = page.getByRole('form', { name: 'Transcript editor' });
  await editor.waitFor({ timeout: 120_000 });
  await expect.poll(() => editor.getByLabel('Cue 1 text').inputValue()).toBe('Hello there, my friend.');
  expect(await editor.getByLabel('Cue 2 text').inputValue()).toBe('Good morning to everyone!');
  expect(await editor.getByLabel('Cue 3 text').count()).toBe(0);
  // Script alignment spreads the words over the detected speech: each cue lies inside its phrase (± 0.3 s).
  const [first, second] = fixture.phrases;
  const cueTime = async (n: number, edge: 'start' | 'end') =>
    Number(await editor.getByLabel(`Cue ${n} ${edge} (s)`).inputValue());
  for (const [n, phrase] of [first!, second!].entries()) {
    expect(await cueTime(n + 1, 'start'), `cue ${n + 1} start`).toBeGreaterThanOrEqual(phrase.start - 0.3);
    expect(await cueTime(n + 1, 'end'), `cue ${n + 1} end`).toBeLessThanOrEqual(phrase.end + 0.3);
  }
  expect(await cueTime(1, 'end')).toBeLessThan(await cueTime(2, 'start'));
  const listed = await stack.api(dana)(`/api/v1/transcripts?source_video_id=${videoId}`);
  expect(listed.body.transcripts).toMatchObject([
    { source_video_id: videoId, engine: 'script_alignment', approximate: true, word_count: 8, edited_at: null },
  ]);
  await checkScreen('40-transcript-opened');

  await editor.getByLabel('Cue 2 text').fill('Good evening to everyone!');
  await editor.getByRole('button', { name: 'Save transcript' }).click();
  await editor.getByRole('status').filter({ hasText: 'Transcript saved.' }).waitFor();
  const id = listed.body.transcripts[0].id as string;
  const stored = (await stack.api(dana)(`/api/v1/transcripts/${id}`)).body;
  expect(stored.edited_at).not.toBeNull();
  expect(stored.words.map((w: { text: string }) => w.text)).toEqual([
    'Hello',
    'there,',
    'my',
    'friend.',
    'Good',
    'evening',
    'to',
    'everyone!',
  ]);

  await page.reload();
  await page.getByRole('heading', { name: 'Transcripts' }).waitFor();
  await page.getByRole('button', { name: 'Edit transcript 1' }).click();
  await expect.poll(() => editor.getByLabel('Cue 2 text').inputValue()).toBe('Good evening to everyone!');
  expect(await editor.getByLabel('Cue 1 text').inputValue()).toBe('Hello there, my friend.');

  // The SRT downloads as the API serves it.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download SRT of transcript 1' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.srt$/);
  const file = await readFile((await download.path())!, 'utf8');
  expect(file).toBe((await stack.api(dana)(`/api/v1/transcripts/${id}/srt`)).text);
  expect(file).toContain('Good evening to everyone!');
  expect(errors).toEqual([]);
});

it('shows the API’s message next to a broken cue and keeps the stored transcript', async () => {
  const editor = page.getByRole('form', { name: 'Transcript editor' });
  const before = (await stack.api(dana)(`/api/v1/transcripts?source_video_id=${videoId}`)).body.transcripts[0];
  const stored = (await stack.api(dana)(`/api/v1/transcripts/${before.id}`)).body;

  // An end before its start: the API names the block, the studio shows it on that cue.
  await editor.getByLabel('Cue 2 end (s)').fill('0.5');
  await editor.getByRole('button', { name: 'Save transcript' }).click();
  const alert = editor.getByRole('alert');
  await expect.poll(() => alert.textContent()).toBe('Cue 2: block 2 (line 6): end time is not after start time');
  expect(await editor.getByLabel('Cue 2 end (s)').getAttribute('aria-invalid')).toBe('true');
  expect(await editor.getByLabel('Cue 1 end (s)').getAttribute('aria-invalid')).toBeNull();
  await checkScreen('41-transcript-broken-cue');
  expect((await stack.api(dana)(`/api/v1/transcripts/${before.id}`)).body).toEqual(stored);

  // The same problem written as SRT text: the message is shown next to the SRT field.
  await editor.getByLabel('SRT text').check();
  await editor.getByRole('button', { name: 'Save transcript' }).click();
  await expect
    .poll(() => editor.getByRole('alert').textContent())
    .toContain('block 2 (line 6): end time is not after start time');
  expect(await editor.getByLabel('SRT', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  expect((await stack.api(dana)(`/api/v1/transcripts/${before.id}`)).body).toEqual(stored);
  expect(errors).toEqual([]);
});

it('transcribes a clip and makes the transcript the clip’s subtitles', async () => {
  const api = stack.api(dana);
  const segment = await api(`${VIDEOS}/${videoId}/segments`, { json: { start_time: 0.5, end_time: 8.5 } });
  expect(segment.status, segment.text).toBe(201);
  const project = (await api('/api/v1/library/projects', { json: { name: 'Captions', target_duration: 8 } })).body.id;
  const form = new FormData();
  form.append('segment_ids', segment.body.id);
  expect((await api(`/api/v1/segments/projects/${project}/assign`, { body: form })).status).toBe(200);
  const generated = await api(`/api/v1/library/projects/${project}/generate-from-segments`, {
    json: { variant_count: 1, target_duration: 8 },
  });
  expect(generated.status, generated.text).toBe(202);
  const job = await stack.waitForJob(dana, generated.body.job_id, { timeoutMs: 120_000 });
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  const clipId = (await api(`/api/v1/library/projects/${project}/clips`)).body.clips[0].id as string;

  await page.goto(`${stack.url}/clips/${clipId}`);
  const transcribe = page.getByRole('form', { name: 'Transcribe' });
  await transcribe.getByLabel('Script (what is said)').fill('Hello there, my friend. Good morning to everyone!');
  await transcribe.getByRole('button', { name: 'Transcribe' }).click();
  const editor = page.getByRole('form', { name: 'Transcript editor' });
  await editor.waitFor({ timeout: 120_000 });
  await expect.poll(() => editor.getByLabel('Cue 1 text').inputValue()).toBe('Hello there, my friend.');
  const listed = (await api(`/api/v1/transcripts?clip_id=${clipId}`)).body.transcripts;
  expect(listed).toMatchObject([{ clip_id: clipId, source_video_id: null, word_count: 8 }]);
  await checkScreen('42-clip-transcript');

  // "Use as subtitles" puts the transcript's SRT in the clip's subtitles; saving the content keeps it
  // for the render's burn-in.
  await page.getByRole('button', { name: 'Use as subtitles: transcript 1' }).click();
  const srt = (await api(`/api/v1/transcripts/${listed[0].id}/srt`)).text;
  await expect.poll(() => page.getByLabel('Subtitles (SRT)').inputValue()).toBe(srt);
  await page.getByRole('button', { name: 'Save content' }).click();
  await page.getByRole('status').filter({ hasText: 'Content saved.' }).waitFor();
  const content = (await api(`/api/v1/library/clips/${clipId}`)).body.content;
  expect(content.srt_content.trim()).toBe(srt.trim());
  expect(errors).toEqual([]);
});
