/**
 * The programs outside npm that Cutroom needs on the machine: ffmpeg, ffprobe and espeak-ng for the
 * media processor, and (for the browser tests) Chromium. Missing ones are installed with apt-get
 * where that works (Debian/Ubuntu, as root); otherwise this stops with the exact command to run.
 *
 *   node scripts/system-deps.ts            # media tools (npm start, npm test)
 *   node scripts/system-deps.ts --browser  # also Chromium (npm run test:browser)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Tool {
  command: string;
  /** The Debian package that provides it. */
  aptPackage: string;
}

export const MEDIA_TOOLS: Tool[] = [
  { command: 'ffmpeg', aptPackage: 'ffmpeg' },
  { command: 'ffprobe', aptPackage: 'ffmpeg' },
  { command: 'espeak-ng', aptPackage: 'espeak-ng' },
];
/** Debian's Chromium: playwright-core drives it (browsers cannot be downloaded here). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BROWSER_TOOLS: Tool[] = [{ command: CHROMIUM_PATH, aptPackage: 'chromium' }];

const onPath = (command: string) =>
  command.startsWith('/') ? existsSync(command) : spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

export function missingPackages(tools: Tool[]): string[] {
  return [...new Set(tools.filter((t) => !onPath(t.command)).map((t) => t.aptPackage))];
}

/** Installs what is missing, or exits with the command a person has to run. */
export function ensureSystemDeps(options: { browser?: boolean } = {}): void {
  const tools = options.browser ? [...MEDIA_TOOLS, ...BROWSER_TOOLS] : MEDIA_TOOLS;
  const missing = missingPackages(tools);
  if (missing.length === 0) return;
  const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const canApt = process.getuid?.() === 0 && onPath('apt-get');
  if (canApt) {
    console.log(`[deps] installing ${missing.join(', ')} with apt-get…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const run = update.status === 0 ? spawnSync('sh', ['-c', `${install} -qq`], { stdio: 'inherit', env }) : update;
    if (run.status === 0 && missingPackages(tools).length === 0) return;
    console.error(`[deps] apt-get could not install ${missing.join(', ')}.`);
  }
  const prefix = process.getuid?.() === 0 ? '' : 'sudo ';
  console.error(
    `[deps] Cutroom needs ${missing.join(', ')} on this machine. Install ${missing.length > 1 ? 'them' : 'it'} with:\n\n    ${prefix}apt-get update && ${prefix}${install}\n\n(on macOS: brew install ${missing.map((p) => (p === 'chromium' ? '--cask chromium' : p)).join(' ')}), then run the command again.`,
  );
  process.exit(1);
}

if (import.meta.main) ensureSystemDeps({ browser: process.argv.includes('--browser') });
