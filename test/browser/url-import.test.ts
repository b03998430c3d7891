/**
 * The studio's "Import from URL" and tags, in Chromium against the whole stack: a user imports a
 * generated video from a local origin (loopback, allowed by the tests' OUTBOUND_ALLOW_PRIVATE), sees
 * it become ready, tags it, and filters the videos by that tag; a refused URL shows the API's reason.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, type Tenant, startStack } from '../e2e/helpers/stack.ts';
import { makeVideo, readWhole } from '../helpers/node/media-fixtures.ts';
import { launchChromium, newStudioPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';

let stack: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let carol: Tenant;
let origin: Server;
let originUrl: string;

beforeAll(async () => {
  const bytes = await readWhole(await makeVideo({ width: 320, height: 240, duration: 2 }));
  origin = createServer((req, res) => {
    if (req.url !== '/clips/beach.mp4') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(bytes.length) }).end(bytes);
  });
  originUrl = await new Promise<string>((resolve) =>
    origin.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`)),
  );
  stack = await startStack();
  browser = await launchChromium();
  ({ page, errors } = await newStudioPage(browser));
  carol = await stack.newTenant('importer');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  origin?.close();
});

it('imports a video from a URL, tags it and filters by the tag', async () => {
  await page.goto(`${stack.url}/#access_token=${carol.token}`);
  const form = page.getByRole('form', { name: 'Import from URL' });
  await form.getByLabel('Video URL').fill(`${originUrl}/clips/beach.mp4`);
  await form.getByLabel('Title').fill('Beach from URL');
  await form.getByRole('button', { name: 'Import from URL' }).click();
  await page.getByRole('status').filter({ hasText: 'Importing “Beach from URL”' }).waitFor();

  // The card turns ready (the list is polled while the import runs): its editor link appears.
  const videos = page.getByRole('list', { name: 'Source videos' });
  await videos.getByRole('link', { name: 'Beach from URL' }).waitFor({ timeout: 120_000 });
  await screenshot(page, '30-url-import-ready');
  expect(await seriousA11yViolations(page)).toEqual([]);

  await page.getByLabel('Tags of Beach from URL').fill('Summer Sale, beach');
  await page.getByRole('button', { name: 'Save tags' }).click();
  await videos.getByText('#summer sale #beach').waitFor();
  const stored = (await stack.api(carol)('/api/v1/segments/source-videos')).body;
  expect(stored).toMatchObject([{ name: 'Beach from URL', status: 'ready', tags: ['summer sale', 'beach'] }]);

  const filter = page.getByRole('form', { name: 'Filter videos' });
  await filter.getByLabel('Tag').fill('winter');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('No videos tagged “winter”.').waitFor();
  await filter.getByLabel('Tag').fill('BEACH');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await videos.getByRole('link', { name: 'Beach from URL' }).waitFor();
  await screenshot(page, '31-videos-filtered-by-tag');
  expect(await seriousA11yViolations(page)).toEqual([]);

  // A URL the service will not fetch: the API's reason is shown, nothing is created.
  await form.getByLabel('Video URL').fill('http://169.254.169.254/latest/meta-data/');
  await form.getByRole('button', { name: 'Import from URL' }).click();
  await expect
    .poll(async () => form.getByRole('alert').textContent())
    .toMatch(/link-local, cloud metadata or reserved address/);
  expect((await stack.api(carol)('/api/v1/segments/source-videos')).body).toHaveLength(1);
  expect(errors).toEqual([]);
});
