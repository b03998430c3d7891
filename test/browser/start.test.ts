/**
 * A newcomer's first run: `npm start` itself (not the test stack) brings up a working studio. Started
 * on free ports with its local state in a temp dir, it must answer on /, show the studio signed in
 * from a token in the URL fragment (`npm run token`), offer the dev sign-in, and stop cleanly.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, freePort } from '../e2e/helpers/stack.ts';
import { launchChromium, newStudioPage, screenshot } from './helpers/browser.ts';

let start: ChildProcess;
let stateDir: string;
let url: string;
let browser: Browser;
const output: string[] = [];

async function waitForHealth(deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    if (start.exitCode !== null || start.signalCode !== null)
      throw new Error(`npm start exited (${start.exitCode ?? start.signalCode}):\n${output.join('')}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`npm start did not become ready:\n${output.join('').slice(-4000)}`);
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  stateDir = mkdtempSync(join(tmpdir(), 'cutroom-start-'));
  // Its own process group, so the whole tree (npm, the script, wrangler, workerd, the processor)
  // can be stopped by its id.
  start = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), PROCESSOR_PORT: String(await freePort()), CUTROOM_STATE_DIR: stateDir },
  });
  start.stdout!.on('data', (d) => output.push(String(d)));
  start.stderr!.on('data', (d) => output.push(String(d)));
  await waitForHealth(Date.now() + 200_000);
  browser = await launchChromium();
});

/** Stops npm start's whole process group (npm, the script, wrangler, workerd, the processor). */
async function stop(): Promise<void> {
  if (!start?.pid || start.exitCode !== null || start.signalCode !== null) return;
  const exited = new Promise((r) => start.once('exit', r));
  process.kill(-start.pid, 'SIGTERM');
  await exited;
}

afterAll(async () => {
  await browser?.close();
  await stop();
  rmSync(stateDir, { recursive: true, force: true });
});

it('serves the studio on / and signs in from a token in the URL fragment', async () => {
  const home = await fetch(`${url}/`, { headers: { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' } });
  expect(home.headers.get('content-type')).toContain('text/html');
  expect(await home.text()).toContain('<div id="root">');
  // The API and its reference keep their paths.
  expect((await fetch(`${url}/api/v1/profiles`)).status).toBe(401);
  expect((await fetch(`${url}/openapi.json`)).headers.get('content-type')).toContain('json');

  const token = execFileSync('npm', ['run', 'token', '--', '--sub', 'newcomer'], { cwd: ROOT }).toString().trim();
  const { page, errors } = await newStudioPage(browser);
  await page.goto(`${url}/#access_token=${token}`);
  await page.getByRole('combobox', { name: 'Profile' }).waitFor();
  await page.getByRole('heading', { name: 'Videos', exact: true }).waitFor();
  expect(new URL(page.url()).hash).toBe('');
  await screenshot(page, '00-npm-start');
  expect(errors).toEqual([]);
  await page.close();
});

it('offers the dev sign-in, which npm start turns on', async () => {
  const { page } = await newStudioPage(browser);
  await page.goto(`${url}/`);
  await page.getByLabel('User id').fill('dev-newcomer');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('combobox', { name: 'Profile' }).waitFor();
  await expect(page.getByTitle('Signed in as').textContent()).resolves.toBe('dev-newcomer');
  await page.close();
});

it('stops when asked, leaving nothing listening', async () => {
  await stop();
  const listening = () =>
    fetch(`${url}/health`).then(
      () => true,
      () => false,
    );
  await expect.poll(listening, { timeout: 20_000 }).toBe(false);
});
