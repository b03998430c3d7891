/**
 * Starts the fake SaaS servers a local stack asks for and returns the Worker vars that point at
 * them (used by `npm start` with POSTIZ_FAKE=1 / GEMINI_FAKE=1 / ELEVENLABS_FAKE=1, and by the worker
 * test global setup with `all: true`). Ports are ephemeral unless *_FAKE_PORT is set.
 */
import { ELEVENLABS_FAKE_KEY, ElevenLabsFake } from './elevenlabs-server.ts';
import { GEMINI_FAKE_KEY, GeminiFake } from './gemini-server.ts';
import { POSTIZ_FAKE_KEY, PostizFake } from './postiz-server.ts';

export interface RunningFakes {
  gemini?: GeminiFake;
  elevenlabs?: ElevenLabsFake;
  postiz?: PostizFake;
  /** Worker vars: base URLs and the keys the fakes accept. */
  vars: Record<string, string>;
  close(): Promise<void>;
}

type Flags = Record<string, string | undefined>;

const port = (value: string | undefined) => (value && /^\d+$/.test(value) ? Number(value) : undefined);

export async function launchFakes(env: Flags, options: { all?: boolean; quiet?: boolean } = {}): Promise<RunningFakes> {
  const want = (flag: string) => options.all === true || env[flag] === '1';
  const log = (msg: string) => {
    if (!options.quiet) console.log(`[fakes] ${msg}`);
  };
  const running: RunningFakes = {
    vars: {},
    async close() {
      await Promise.all([running.gemini?.close(), running.elevenlabs?.close(), running.postiz?.close()]);
    },
  };
  if (want('GEMINI_FAKE')) {
    running.gemini = await GeminiFake.start({ port: port(env.GEMINI_FAKE_PORT) });
    running.vars.GEMINI_BASE_URL = running.gemini.url;
    running.vars.GEMINI_API_KEY = GEMINI_FAKE_KEY;
    log(`Gemini fake on ${running.gemini.url} (key ${GEMINI_FAKE_KEY})`);
  }
  if (want('ELEVENLABS_FAKE')) {
    running.elevenlabs = await ElevenLabsFake.start({ port: port(env.ELEVENLABS_FAKE_PORT) });
    running.vars.ELEVENLABS_BASE_URL = running.elevenlabs.url;
    running.vars.ELEVENLABS_API_KEY = ELEVENLABS_FAKE_KEY;
    log(`ElevenLabs fake on ${running.elevenlabs.url} (key ${ELEVENLABS_FAKE_KEY})`);
  }
  if (want('POSTIZ_FAKE')) {
    running.postiz = await PostizFake.start({ port: port(env.POSTIZ_FAKE_PORT) });
    running.vars.POSTIZ_API_URL = running.postiz.baseUrl;
    running.vars.POSTIZ_API_KEY = POSTIZ_FAKE_KEY;
    log(`Postiz fake on ${running.postiz.baseUrl} (key ${POSTIZ_FAKE_KEY})`);
  }
  return running;
}

/** What scripts/start.ts calls: the vars to hand to `wrangler dev`. The servers live as long as the process. */
export async function startFakes(env: Flags): Promise<Record<string, string>> {
  const running = await launchFakes(env);
  return running.vars;
}
