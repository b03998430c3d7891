/**
 * npm start: the whole local stack in one command.
 * 1. creates .dev.vars (local secrets) on first use;
 * 2. applies D1 migrations to the local database;
 * 3. starts the media processor (container/) as a local process;
 * 4. optionally starts fake external APIs (POSTIZ_FAKE=1, GEMINI_FAKE=1, ELEVENLABS_FAKE=1);
 * 5. runs `wrangler dev` (D1, R2 and Queues under miniflare, containers disabled).
 * API on http://127.0.0.1:8787 unless PORT says otherwise; the processor on PROCESSOR_PORT (8790).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDevVars } from './dev-vars.ts';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 8787);
const processorPort = Number(process.env.PROCESSOR_PORT ?? 8790);
const publicUrl = `http://127.0.0.1:${port}`;
const secrets = loadDevVars();
const children: ChildProcess[] = [];

function shutdown(code = 0) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

console.log('[start] applying D1 migrations (local)…');
const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CI: '1' },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

// Dev only: loopback URLs (the processor, the fakes, a local Postiz) are allowed as user-supplied URLs.
const vars: Record<string, string> = {
  PUBLIC_URL: publicUrl,
  PROCESSOR_URL: `http://127.0.0.1:${processorPort}`,
  OUTBOUND_ALLOW_PRIVATE: 'true',
};

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
        ALLOWED_MEDIA_ORIGINS: publicUrl,
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
console.log(`[start] API on ${publicUrl}  (docs: ${publicUrl}/docs)`);
const worker = spawn(
  'wrangler',
  ['dev', '--port', String(port), '--ip', '127.0.0.1', '--enable-containers=false', ...varArgs],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
children.push(worker);
worker.on('exit', (code) => shutdown(code ?? 0));
