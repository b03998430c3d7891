/**
 * npm start: the whole local stack in one command.
 * 1. checks ffmpeg, ffprobe and espeak-ng (installs them with apt-get where it can, or stops with
 *    the command to run);
 * 2. creates .dev.vars (local secrets) on first use;
 * 3. builds the studio (studio/ → studio/dist, the Worker's static assets);
 * 4. applies D1 migrations to the local database;
 * 5. starts the media processor (container/) as a local process, its storage host mapped onto the
 *    dev Worker's storage route (STORAGE_URL), as the Container's outbound handler serves it in
 *    production;
 * 6. optionally starts fake external APIs (POSTIZ_FAKE=1, GEMINI_FAKE=1, ELEVENLABS_FAKE=1);
 * 7. runs `wrangler dev` (D1, R2 and Queues under miniflare, containers disabled) on WORKER_PORT with
 *    the dev-only setting DEV_SIGN_IN=1 (the studio's dev sign-in; never in wrangler.toml), behind
 *    the dev edge (scripts/dev-edge.ts), which refuses request bodies over 100 MB as Cloudflare does.
 * Studio and API on http://127.0.0.1:8787 (the edge) unless PORT says otherwise; the Worker itself on
 * WORKER_PORT (PORT + 2), the processor on PROCESSOR_PORT (8790). CUTROOM_STATE_DIR keeps local
 * D1/R2/Queues state elsewhere than .wrangler/ (the test of this script uses it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { STORAGE_DEV_PATH, STORAGE_ORIGIN } from '../shared/processor/storage.ts';
import { type DevEdge, startDevEdge } from './dev-edge.ts';
import { loadDevVars } from './dev-vars.ts';
import { localWorkerVars } from './local-config.ts';
import { buildStudio } from './studio.ts';
import { ensureSystemDeps } from './system-deps.ts';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 8787);
const workerPort = Number(process.env.WORKER_PORT ?? port + 2);
const processorPort = Number(process.env.PROCESSOR_PORT ?? 8790);
const publicUrl = `http://127.0.0.1:${port}`;
const stateDir = process.env.CUTROOM_STATE_DIR;
const persist = stateDir ? ['--persist-to', stateDir] : [];

ensureSystemDeps();
const secrets = loadDevVars();
const children: ChildProcess[] = [];
let edge: DevEdge | null = null;

function shutdown(code = 0) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  void edge?.close();
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

console.log('[start] building the studio…');
await buildStudio();

console.log('[start] applying D1 migrations (local)…');
const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', ...persist], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CI: '1' },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

// The local values (scripts/local-config.ts): the edge's and the processor's loopback URLs, the dev
// issuer, private hosts allowed (the fakes, a local Postiz or webhook receiver), the dev sign-in.
const vars = localWorkerVars({
  publicUrl,
  processorUrl: `http://127.0.0.1:${processorPort}`,
  devSignIn: true,
});

const processorEntry = resolve(root, 'container/src/server.ts');
if (existsSync(processorEntry)) {
  console.log(`[start] media processor on http://127.0.0.1:${processorPort}`);
  children.push(
    spawn(process.execPath, [processorEntry], {
      cwd: resolve(root, 'container'),
      stdio: 'inherit',
      env: {
        ...process.env,
        PORT: String(processorPort),
        HOST: '127.0.0.1',
        PROCESSOR_SECRET: secrets.PROCESSOR_SECRET,
        ALLOWED_MEDIA_ORIGINS: STORAGE_ORIGIN,
        STORAGE_URL: `${publicUrl}${STORAGE_DEV_PATH}`,
        PROCESSOR_EXIT_WITH_PARENT: '1',
      },
    }),
  );
} else {
  console.warn('[start] container/src/server.ts not found: media jobs will fail until the processor exists');
}

const fakes = resolve(root, 'test/fakes/start-fakes.ts');
if (
  existsSync(fakes) &&
  (process.env.POSTIZ_FAKE === '1' || process.env.GEMINI_FAKE === '1' || process.env.ELEVENLABS_FAKE === '1')
) {
  const { startFakes } = (await import(fakes)) as {
    startFakes: (env: NodeJS.ProcessEnv) => Promise<Record<string, string>>;
  };
  Object.assign(vars, await startFakes(process.env));
}

const varArgs = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
edge = await startDevEdge({ upstream: `http://127.0.0.1:${workerPort}`, port });
console.log(
  `[start] studio on ${publicUrl}/  (API ${publicUrl}/api/v1, docs ${publicUrl}/docs); the Worker behind it on port ${workerPort}`,
);
console.log(`[start] sign in: ${publicUrl}/#access_token=$(npm run token -- --sub <user>), or the dev sign-in form`);
const worker = spawn(
  'wrangler',
  ['dev', '--port', String(workerPort), '--ip', '127.0.0.1', '--enable-containers=false', ...persist, ...varArgs],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
children.push(worker);
worker.on('exit', (code) => shutdown(code ?? 0));
