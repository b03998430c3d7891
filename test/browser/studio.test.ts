/**
 * The studio in Chromium against the whole stack (Worker with the studio's assets, the real media
 * processor, the fake Postiz): a user signs in through the URL fragment, uploads a generated video
 * and watches it become ready, marks segments on the editor and finds them in the library, generates
 * a clip from them with live progress to 100, renders it and publishes it to Postiz, and sets up the
 * brand kit with an SVG logo. Every screen is
 * checked with axe-core (no serious or critical violation) and photographed into test-results/studio/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTIZ_FAKE_KEY } from '../fakes/postiz-server.ts';
import { type RunningFakes, launchFakes } from '../fakes/start-fakes.ts';
import { type Stack, type Tenant, startStack } from '../e2e/helpers/stack.ts';
import { type SpeechVideo, makeSpeechVideo } from '../helpers/node/media-fixtures.ts';
import { launchChromium, newStudioPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';

let stack: Stack;
let fakes: RunningFakes;
let browser: Browser;
let page: Page;
let errors: string[];
let alice: Tenant;
let speech: SpeechVideo;

beforeAll(async () => {
  fakes = await launchFakes({ POSTIZ_FAKE: '1' }, { quiet: true });
  stack = await startStack({ vars: fakes.vars });
  browser = await launchChromium();
  ({ page, errors } = await newStudioPage(browser));
  alice = await stack.newTenant('studio');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await fakes?.close();
});

/** Photographs the screen and checks it with axe. */
async function checkScreen(name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousA11yViolations(page), `axe on ${name}`).toEqual([]);
  expect(errors, `page errors on ${name}`).toEqual([]);
}

/** Every value the progress bar named `label` shows until it reaches 100 (or the job ends). */
async function progressUntilDone(label: string, timeout = 180_000): Promise<number[]> {
  const bar = page.getByRole('progressbar', { name: label });
  await bar.waitFor({ timeout });
  const seen: number[] = [];
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const value = Number(await bar.getAttribute('value'));
    if (seen.at(-1) !== value) seen.push(value);
    if (value >= 100) return seen;
    const failed = await page.getByRole('alert').count();
    if (failed) throw new Error(`${label}: ${await page.getByRole('alert').first().textContent()}`);
    await page.waitForTimeout(100);
  }
  throw new Error(`${label} did not reach 100: ${seen.join(', ')}`);
}

describe('the studio in Chromium', () => {
  it('signs in with a token handed over in the URL fragment and removes it from the address bar', async () => {
    await page.goto(`${stack.url}/#access_token=${alice.token}`);
    const profile = page.getByRole('combobox', { name: 'Profile' });
    await profile.waitFor();
    expect(new URL(page.url()).hash).toBe('');
    expect(new URL(page.url()).pathname).toBe('/videos');
    expect(await profile.inputValue()).toBe(alice.profileId);
    for (const name of ['Videos', 'Library', 'Projects', 'Jobs', 'Costs'])
      await expect(page.getByRole('link', { name, exact: true }).isVisible()).resolves.toBe(true);
    // The token stays for the session: a reload keeps the user signed in.
    await page.reload();
    await profile.waitFor();
    await checkScreen('01-videos-empty');
  });

  it('uploads a generated video with a progress bar and shows it ready in the grid', async () => {
    speech = await makeSpeechVideo({ width: 640, height: 360, duration: 8, speechStart: 1.5 });
    await page.getByLabel('Upload video').setInputFiles(speech.path);
    await page.getByLabel('Name').fill('Beach day');
    await checkScreen('02-upload-prepare');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('progressbar', { name: 'Uploading Beach day' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Ready.' }).waitFor({ timeout: 120_000 });
    const card = page
      .getByRole('list', { name: 'Source videos' })
      .getByRole('listitem')
      .filter({ hasText: 'Beach day' });
    await card.getByText('ready').waitFor();
    await expect(card.locator('img').count()).resolves.toBe(1);
    const videos = await stack.api(alice)('/api/v1/segments/source-videos');
    expect(videos.body.map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([
      ['Beach day', 'ready'],
    ]);
    await checkScreen('03-videos-ready');
  });

  it('shades the detected voice on the waveform under the player', async () => {
    await page.getByRole('link', { name: 'Open Beach day in the editor' }).click();
    const waveform = page.getByRole('region', { name: 'Waveform' });
    await waveform.locator('div').first().waitFor();
    await expect(page.locator('video').count()).resolves.toBe(1);
    // Voice detection runs as a job on first open; its region appears where the phrase is.
    const voice = waveform.locator('[part~="voice-0"]');
    await voice.waitFor({ timeout: 120_000 });
    const box = (await waveform.boundingBox())!;
    const region = (await voice.boundingBox())!;
    const startsAt = ((region.x - box.x) / box.width) * speech.duration;
    const endsAt = ((region.x + region.width - box.x) / box.width) * speech.duration;
    expect(Math.abs(startsAt - speech.speechStart)).toBeLessThan(0.5);
    expect(Math.abs(endsAt - speech.speechEnd)).toBeLessThan(0.5);

    // Hovering the waveform previews the storyboard tile of that time (one tile per second here):
    // 6.5 s is the middle of tile 6, which a 10-column sprite of 160 px tiles has at x = 960.
    await page.mouse.move(box.x + (box.width * 6.5) / speech.duration, box.y + box.height / 2);
    const preview = page.getByRole('img', { name: /^Preview at / });
    await preview.waitFor({ timeout: 60_000 });
    const hovered = Number((await preview.getAttribute('aria-label'))!.match(/[\d.]+/)![0]);
    expect(Math.abs(hovered - 6.5)).toBeLessThan(0.2);
    const style = (await preview.getAttribute('style'))!;
    expect(style).toContain('/media/');
    expect(style).toContain('background-position: -960px 0px');
    await page.mouse.move(0, 0);
  });

  it('makes segments on the editor with the Start/End fields and with the keyboard', async () => {
    const video = page.locator('video');
    await page.getByLabel('Start', { exact: true }).fill('1');
    await page.getByLabel('End', { exact: true }).fill('3.5');
    await page.getByLabel('Keywords (comma-separated)').fill('beach, sunset');
    await page.getByRole('button', { name: 'Add segment' }).click();
    await page.getByRole('status').filter({ hasText: 'added' }).waitFor();

    // Keyboard: I and O set in/out at the playhead, Enter adds.
    await video.evaluate(async (v: HTMLVideoElement) => {
      v.currentTime = 4;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    });
    await page.getByRole('heading', { name: 'Beach day' }).click();
    await page.keyboard.press('i');
    await video.evaluate(async (v: HTMLVideoElement) => {
      v.currentTime = 6.5;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    });
    await page.keyboard.press('o');
    expect(await page.getByLabel('Start', { exact: true }).inputValue()).toBe('4');
    expect(await page.getByLabel('End', { exact: true }).inputValue()).toBe('6.5');
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: '0:04.0–0:06.5' }).waitFor();
    await page.getByRole('cell', { name: '0:01.0–0:03.5' }).waitFor();
    const stored = await stack.api(alice)('/api/v1/segments');
    expect(stored.body.map((s: { start_time: number; end_time: number }) => [s.start_time, s.end_time]).sort()).toEqual(
      [
        [1, 3.5],
        [4, 6.5],
      ],
    );
    // The new segments are regions on the waveform too.
    for (const s of stored.body) await page.locator(`[part~="${s.id}"]`).waitFor();
    await screenshot(page, 'studio-editor', { fullPage: false });
    await checkScreen('04-editor');
  });

  it('finds the segment in the library with the keyword filter', async () => {
    await page.getByRole('link', { name: 'Library', exact: true }).click();
    const grid = page.getByRole('list', { name: 'Segments' });
    await grid.getByRole('listitem').nth(1).waitFor();
    await page.getByLabel('Keyword').fill('sunset');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => grid.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
    await expect(grid.getByRole('listitem').first().textContent()).resolves.toContain('0:01.0–0:03.5');
    await checkScreen('05-library');
  });

  it('generates a clip from the segments and watches its progress reach 100', async () => {
    await page.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.getByLabel('Project name').fill('Summer launch');
    await page.getByLabel('Target duration (s)').fill('4');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Summer launch' }).waitFor();
    await page.getByText(/Add segments from the library/).click();
    await page.getByRole('button', { name: /^Add Beach day · 0:01\.0/ }).click();
    await page.getByRole('button', { name: /^Add Beach day · 0:04\.0/ }).click();
    await page.getByRole('button', { name: 'Move segment 2 up' }).click();
    await page.getByRole('button', { name: 'Save segments' }).click();
    await page.getByText('Saved 2 segments in this order.').waitFor();
    const projectId = new URL(page.url()).pathname.split('/').pop()!;
    const assigned = await stack.api(alice)(`/api/v1/segments/projects/${projectId}/segments`);
    expect(assigned.body.map((s: { start_time: number }) => s.start_time)).toEqual([4, 1]);

    await page.getByLabel('Variants', { exact: true }).fill('1');
    await page.getByLabel('Selection').selectOption('sequential');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const values = await progressUntilDone('Generating variants');
    expect(values.at(-1)).toBe(100);
    await page.getByText('Variants generated.').waitFor();
    await page.getByRole('list', { name: 'Clips' }).getByRole('listitem').first().waitFor();
    await checkScreen('06-project');
  });

  it('renders the clip with a platform preset, with live progress', async () => {
    await page.getByRole('link', { name: 'Edit Variant 1' }).click();
    await page.getByRole('heading', { name: 'Variant 1' }).waitFor();
    await page.getByLabel('Subtitles (SRT)').fill('1\n00:00:00,000 --> 00:00:03,000\nHello beach\n');
    await page.getByRole('button', { name: 'Save content' }).click();
    await page.getByText('Content saved.').waitFor();
    await page.getByLabel('Platform preset').selectOption({ index: 0 });
    await page.getByRole('button', { name: 'Render', exact: true }).click();
    const values = await progressUntilDone('Rendering Variant 1');
    expect(values.at(-1)).toBe(100);
    await page.getByRole('link', { name: 'Download render' }).waitFor();
    await checkScreen('07-clip');
  });

  it('publishes the clip to the fake Postiz with a caption within every platform limit', async () => {
    await page.getByRole('link', { name: 'Publish', exact: true }).click();
    await page.getByRole('heading', { name: 'Publish', exact: true }).waitFor();
    await page.getByLabel(/Cutroom X/).check();
    await page.getByLabel(/Cutroom TikTok/).check();
    const channels = await stack.api(alice)('/api/v1/postiz/integrations');
    const xLimit: number = channels.body.find((c: { id: string }) => c.id === 'int-x').max_caption_length;
    await page.getByRole('textbox', { name: 'Caption' }).fill('x'.repeat(xLimit + 1));
    const limits = page.getByRole('list', { name: 'Caption length per platform' });
    await limits.getByText(`Cutroom X: ${xLimit + 1} / ${xLimit} (too long)`).waitFor();
    await expect(page.getByRole('button', { name: 'Publish now' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('textbox', { name: 'Caption' }).fill('Summer is here #beach');
    await checkScreen('08-publish');
    await page.getByRole('button', { name: 'Publish now' }).click();
    const values = await progressUntilDone('Publishing Variant 1');
    expect(values.at(-1)).toBe(100);
    await page.getByRole('heading', { name: 'Results for Variant 1' }).waitFor();
    const posts = fakes.postiz!.org(POSTIZ_FAKE_KEY).posts.filter((p) => !p.deletedAt);
    expect(posts.map((p) => p.integration.id).sort()).toEqual(['int-tiktok', 'int-x']);
    expect(posts.every((p) => p.content.includes('Summer is here #beach'))).toBe(true);
    await checkScreen('09-publish-results');
  });

  it('lists the jobs with their final progress', async () => {
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page
      .getByRole('cell', { name: /publish clip/ })
      .first()
      .waitFor();
    await page
      .getByRole('cell', { name: /render clip/ })
      .first()
      .waitFor();
    await checkScreen('10-jobs');
  });

  it('shows costs with a spend chart and saves a budget', async () => {
    await page.getByRole('link', { name: 'Costs', exact: true }).click();
    await page.getByRole('img', { name: /Spend per day over the last 30 days/ }).waitFor();
    await page.getByLabel('Budget in USD (empty for none)').fill('25');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByText('Budget saved.').waitFor();
    const profile = await stack.api(alice)(`/api/v1/profiles/${alice.profileId}`);
    expect(profile.body.monthly_budget_usd).toBe(25);
    await checkScreen('11-costs');
  });

  it('sets the retention periods within the deployment limits and previews the next retention run', async () => {
    await page.getByRole('link', { name: 'Manage profiles' }).click();
    const card = page.getByRole('region', { name: 'Retention' });
    await card.getByLabel('Empty the trash after (days)').fill('31');
    await card.getByRole('button', { name: 'Save retention' }).click();
    await expect
      .poll(async () => (await card.getByRole('alert').textContent()) ?? '')
      .toContain('TRASH_RETENTION_DAYS');
    await card.getByLabel('Empty the trash after (days)').fill('7');
    await card.getByLabel('Delete job outputs after (days)').fill('14');
    await card.getByRole('button', { name: 'Save retention' }).click();
    await card.getByText('Retention saved.').waitFor();
    const profile = await stack.api(alice)(`/api/v1/profiles/${alice.profileId}`);
    expect(profile.body).toMatchObject({
      trash_retention_days: 7,
      output_retention_days: 14,
      source_retention_days: null,
    });
    // Everything of this user is recent: the dry run deletes nothing.
    await card.getByRole('button', { name: 'Preview next run' }).click();
    await card.getByText('The next run deletes nothing.').waitFor();
    await checkScreen('12-retention');
  });

  it('uploads an SVG logo to the brand kit, shows why a logo with a script is refused, and saves the corner', async () => {
    await page.getByRole('link', { name: 'Manage profiles' }).click();
    const card = page.getByRole('region', { name: 'Brand kit' });
    const input = card.getByLabel(/^Logo \(PNG/);
    const kitOf = () => stack.api(alice)(`/api/v1/profiles/${alice.profileId}/brand-kit`);
    const svg = (inner: string) =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">${inner}</svg>`,
      );

    await input.setInputFiles({ name: 'bad.svg', mimeType: 'image/svg+xml', buffer: svg('<script>alert(1)</script>') });
    await expect.poll(async () => (await card.getByRole('alert').textContent()) ?? '').toContain('<script>');
    expect((await kitOf()).body.logo ?? null).toBeNull();

    await input.setInputFiles({
      name: 'logo.svg',
      mimeType: 'image/svg+xml',
      buffer: svg('<rect width="120" height="40" fill="#e00"/>'),
    });
    await card.getByText('Logo uploaded.').waitFor();
    const preview = card.getByRole('img', { name: 'Logo' });
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(120);

    await card.getByLabel('Corner').selectOption('top-left');
    await card.getByRole('button', { name: 'Save brand kit' }).click();
    await card.getByText('Brand kit saved.').waitFor();
    expect((await kitOf()).body).toMatchObject({
      logo_position: 'top-left',
      logo: { content_type: 'image/svg+xml', width: 120, height: 40 },
    });
    await checkScreen('12-brand-kit');
  });

  it('creates a second profile and switches to it: every request then acts in that profile', async () => {
    await page.getByRole('link', { name: 'Manage profiles' }).click();
    await page.getByLabel('New profile name').fill('Acme Shoes');
    await page.getByRole('button', { name: 'Create profile' }).click();
    const profile = page.getByRole('combobox', { name: 'Profile' });
    await expect.poll(async () => (await profile.locator('option:checked').textContent()) ?? '').toBe('Acme Shoes');
    await checkScreen('12-profiles');
    await page.getByRole('link', { name: 'Videos', exact: true }).click();
    await page.getByText('No videos yet: upload one above.').waitFor();
    await profile.selectOption(alice.profileId);
    await page.getByRole('list', { name: 'Source videos' }).getByText('Beach day').waitFor();
  });

  it('signs out when the API answers 401', async () => {
    await page.evaluate(() => sessionStorage.setItem('cutroom.token', 'x.eyJzdWIiOiJhIn0.y'));
    await page.reload();
    await page.getByRole('heading', { name: 'Cutroom studio' }).waitFor();
    await checkScreen('13-sign-in');
  });
});
