/**
 * A big file goes up as a resumable multipart upload: the bar shows bytes and speed, Pause stops
 * the parts in flight, Resume sends only the parts the API is missing, and the video becomes ready.
 * The link is slowed with Chromium's network emulation so there is time to pause.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, type Tenant, startStack } from '../e2e/helpers/stack.ts';
import { fixtureDir, makeVideo } from '../helpers/node/media-fixtures.ts';
import { launchChromium, newStudioPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';

const run = promisify(execFile);
let stack: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let carol: Tenant;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  ({ page, errors } = await newStudioPage(browser));
  carol = await stack.newTenant('resumer');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Over the studio's 64 MiB multipart threshold: a noisy clip repeated by stream copy (fast). */
async function bigVideo(): Promise<string> {
  const clip = await makeVideo({ width: 640, height: 360, duration: 6, noise: true });
  const out = join(fixtureDir(), 'big.mp4');
  await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '7', '-i', clip, '-c', 'copy', out]);
  return out;
}

const percentOf = async (label: string) =>
  Number(await page.getByRole('progressbar', { name: label }).getAttribute('value'));

it('pauses and resumes a multipart upload, sending only the missing parts', async () => {
  const file = await bigVideo();
  const size = (await stat(file)).size;
  expect(size).toBeGreaterThan(64 * 1024 * 1024);
  await page.goto(`${stack.url}/#access_token=${carol.token}`);
  await page.getByRole('combobox', { name: 'Profile' }).waitFor();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 8 * 1024 * 1024,
  });

  await page.getByLabel('Upload video').setInputFiles(file);
  await page.getByLabel('Name').fill('Long take');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const label = 'Uploading Long take';
  await page.getByText(/MB\/s/).waitFor({ timeout: 60_000 });
  const api = stack.api(carol);
  const videoId = async () => (await api('/api/v1/segments/source-videos')).body[0]?.id as string | undefined;
  await expect.poll(videoId).toBeDefined();
  const id = (await videoId())!;
  const uploadStatus = async () => (await api(`/api/v1/segments/source-videos/${id}/upload`)).body;
  // Pause once the first part has arrived.
  await expect.poll(async () => (await uploadStatus()).received_parts.length, { timeout: 60_000 }).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  await screenshot(page, '16-upload-paused');
  expect(await seriousA11yViolations(page)).toEqual([]);

  // While paused: the API has some parts and misses others.
  const status = await uploadStatus();
  expect(status.method).toBe('multipart');
  expect(status.received_parts.length).toBeGreaterThan(0);
  expect(status.missing_parts.length).toBeGreaterThan(0);
  const pausedAt = await percentOf(label);
  await page.waitForTimeout(1000);
  expect(await percentOf(label)).toBe(pausedAt);

  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('status').filter({ hasText: 'Ready.' }).waitFor({ timeout: 120_000 });
  const ready = (await api(`/api/v1/segments/source-videos/${id}`)).body;
  expect(ready.status).toBe('ready');
  expect(ready.file_size_bytes).toBe(size);
  expect(errors).toEqual([]);
});
