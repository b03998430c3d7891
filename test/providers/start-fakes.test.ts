/** `npm start` with *_FAKE=1 gets Worker vars that point the real clients at working fakes. */
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiClient } from '../../src/providers/gemini.ts';
import { createPostizClient } from '../../src/providers/postiz.ts';
import { type RunningFakes, launchFakes } from '../fakes/start-fakes.ts';

let running: RunningFakes | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('launchFakes', () => {
  it('starts only the fakes asked for and returns the vars the Worker reads', async () => {
    running = await launchFakes({ POSTIZ_FAKE: '1', GEMINI_FAKE: '0' }, { quiet: true });
    expect(running.gemini).toBeUndefined();
    expect(running.elevenlabs).toBeUndefined();
    expect(Object.keys(running.vars).sort()).toEqual(['POSTIZ_API_KEY', 'POSTIZ_API_URL']);
    expect(running.vars.POSTIZ_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/public\/v1$/);
    const postiz = createPostizClient({ baseUrl: running.vars.POSTIZ_API_URL!, apiKey: running.vars.POSTIZ_API_KEY! });
    expect(await postiz.isConnected()).toBe(true);
  });

  it('starts all three for the worker tests, on distinct ephemeral ports', async () => {
    running = await launchFakes({}, { all: true, quiet: true });
    const urls = [running.vars.GEMINI_BASE_URL, running.vars.ELEVENLABS_BASE_URL, running.vars.POSTIZ_API_URL].map(
      (u) => new URL(u!).port,
    );
    expect(new Set(urls).size).toBe(3);
    const gemini = createGeminiClient({ baseUrl: running.vars.GEMINI_BASE_URL!, apiKey: running.vars.GEMINI_API_KEY! });
    expect((await gemini.checkModel({ model: 'gemini-2.5-flash' })).supports_generate_content).toBe(true);
    const health = await fetch(`${running.vars.ELEVENLABS_BASE_URL}/__fake/health`);
    expect(await health.json()).toEqual({ ok: true, name: 'elevenlabs' });
  });
});
