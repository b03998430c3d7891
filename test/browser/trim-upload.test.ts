/**
 * Trim before upload: a generated local file is cut in Chromium with ffmpeg.wasm (stream copy, the
 * core served gzip-compressed from the studio's assets and inflated in the browser) and only the cut
 * part is uploaded. Keyframe alignment: the in-point moves back to the keyframe at or before it, so
 * the stored video lasts (out − that keyframe), to within one frame.
 */
import { stat } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, type Tenant, startStack } from '../e2e/helpers/stack.ts';
import { makeVideo, probeMedia } from '../helpers/node/media-fixtures.ts';
import { launchChromium, newStudioPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';

let stack: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let bob: Tenant;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  ({ page, errors } = await newStudioPage(browser));
  bob = await stack.newTenant('trimmer');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('cuts a local file in the browser and uploads only the chosen part', async () => {
  const fps = 30;
  // Keyframes every second (gop = fps), no B-frames: 0, 1, 2, … s.
  const file = await makeVideo({ width: 640, height: 360, duration: 12, fps, gop: fps, noise: true });
  const original = (await stat(file)).size;
  const probed = await probeMedia(file);
  expect(probed.streams.find((s) => s.codec_type === 'video')?.has_b_frames ?? 0).toBe(0);

  await page.goto(`${stack.url}/#access_token=${bob.token}`);
  await page.getByLabel('Upload video').setInputFiles(file);
  await page.getByLabel('Name').fill('Trimmed clip');
  await page.getByLabel('Trim before upload').check();
  await page.getByLabel('Trim start').fill('2.5');
  await page.getByLabel('Trim end').fill('6');
  await screenshot(page, '14-trim-before-upload');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Trim and upload' }).click();

  const note = page.getByText(/Trimmed in the browser to/);
  await note.waitFor({ timeout: 180_000 });
  await page.getByRole('status').filter({ hasText: 'Ready.' }).waitFor({ timeout: 120_000 });
  await screenshot(page, '15-trimmed-upload-ready');
  expect(errors).toEqual([]);

  const videos = await stack.api(bob)('/api/v1/segments/source-videos');
  expect(videos.body).toHaveLength(1);
  const video = videos.body[0];
  expect(video.status).toBe('ready');
  // Fewer bytes went up than the file has: the stored object is the cut part only.
  expect(video.file_size_bytes).toBeLessThan(original * 0.5);
  // In-point 2.5 s moves back to the keyframe at 2 s; out-point 6 s: 4 s, within one frame.
  expect(Math.abs(video.duration - 4)).toBeLessThanOrEqual(1 / fps + 1e-3);
  expect(await note.textContent()).toContain('from the keyframe at 2.00 s');
});
