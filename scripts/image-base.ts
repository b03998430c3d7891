/**
 * A local stand-in for the processor Dockerfile's base image (`node:22-bookworm-slim`), for machines
 * that cannot pull from an image registry (these ones): Debian bookworm made by `debootstrap
 * --variant=minbase` from a Debian mirror, slimmed as Debian's slim images are, with Node 22 (the
 * binary of the npm `node` package in node_modules), npm 10 and a `node` user (uid 1000), i.e. what
 * the Dockerfile relies on from the real image. Docker and Cloudflare builds still pull the real one.
 *
 * The image is tagged with a hash of this file and the Node version, so a changed recipe or Node
 * makes a new base and an unchanged one is reused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { podmanEnv } from './podman.ts';

const SUITE = 'bookworm';
/** The npm major that Node 22 ships with. */
const NPM_SPEC = 'npm@10';
/** Set on the stand-in so a real registry image of the same name is never mistaken for it. */
export const STAND_IN_LABEL = 'org.cutroom.base-stand-in';

/** The Node 22 binary of the npm `node` package (a devDependency), and its version. */
export function nodeBinary(): { path: string; version: string } {
  const pkg = createRequire(import.meta.url).resolve('node/package.json');
  const path = join(dirname(pkg), 'bin', 'node');
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith('v22.')) throw new Error(`${path} is Node ${version || '(not runnable)'}, expected v22`);
  return { path, version };
}

/** `localhost/cutroom-node-base:<hash of this recipe and the Node version>`. */
export function baseTag(nodeVersion: string): string {
  const recipe = readFileSync(import.meta.filename);
  const hash = createHash('sha256').update(recipe).update(nodeVersion).digest('hex').slice(0, 12);
  return `localhost/cutroom-node-base:${hash}`;
}

/** The Debian mirror and security mirror this machine's apt uses (DEBIAN_MIRROR overrides). */
export function debianMirrors(): { main: string; security: string } {
  const texts: string[] = [];
  for (const file of ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d')]) {
    if (/\.(list|sources)$/.test(file) && existsSync(file)) texts.push(readFileSync(file, 'utf8'));
  }
  const entries: { uri: string; suites: string[] }[] = [];
  for (const text of texts) {
    // One-line format: deb [options] URI suite components…
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/gm))
      entries.push({ uri: m[1]!, suites: [m[2]!] });
    // deb822 format: stanzas separated by blank lines.
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.trim().split(/\s+/);
      if (uri && suites) entries.push({ uri, suites });
    }
  }
  const find = (suite: string) => entries.find((e) => e.suites.includes(suite))?.uri.replace(/\/$/, '');
  return {
    main: process.env.DEBIAN_MIRROR || find(SUITE) || 'http://deb.debian.org/debian',
    security: find(`${SUITE}-security`) || 'http://deb.debian.org/debian-security',
  };
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

function run(command: string, args: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${output}`);
  }
  return result.stdout;
}

/** What Debian's slim images leave out: documentation (but licences), manuals, translations. */
const SLIM_EXCLUDES = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
`;

/** Removes what SLIM_EXCLUDES would have kept out of the packages debootstrap already installed. */
function slim(dir: string): void {
  const share = join(dir, 'usr/share');
  for (const sub of ['man', 'groff', 'info', 'lintian']) rmSync(join(share, sub), { recursive: true, force: true });
  for (const entry of listDir(join(share, 'locale')))
    if (!entry.endsWith('locale.alias')) rmSync(entry, { recursive: true });
  for (const pkg of listDir(join(share, 'doc'))) {
    for (const entry of listDir(pkg))
      if (!entry.endsWith('/copyright')) rmSync(entry, { recursive: true, force: true });
  }
  for (const entry of listDir(join(dir, 'var/cache/apt/archives'))) if (entry.endsWith('.deb')) unlinkSync(entry);
  for (const entry of listDir(join(dir, 'var/lib/apt/lists')))
    if (!entry.endsWith('/partial')) rmSync(entry, { recursive: true });
}

function aptSources(mirrors: { main: string; security: string }): string {
  const keyring = 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg';
  return [
    `Types: deb\nURIs: ${mirrors.main}\nSuites: ${SUITE} ${SUITE}-updates\nComponents: main\n${keyring}\n`,
    `Types: deb\nURIs: ${mirrors.security}\nSuites: ${SUITE}-security\nComponents: main\n${keyring}\n`,
  ].join('\n');
}

/** npm 10 from the npm registry into the root's /usr/local, as the official Node images lay it out. */
function addNpm(dir: string, scratch: string): string {
  const packed = JSON.parse(
    run('npm', ['pack', NPM_SPEC, '--json', '--pack-destination', scratch, '--loglevel=error']),
  ) as {
    filename: string;
    version: string;
  }[];
  const tarball = packed[0]!;
  const home = join(dir, 'usr/local/lib/node_modules/npm');
  mkdirSync(home, { recursive: true });
  run('tar', ['-xzf', join(scratch, tarball.filename), '-C', home, '--strip-components=1', '--no-same-owner']);
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(dir, 'usr/local/bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(dir, 'usr/local/bin/npx'));
  return tarball.version;
}

/** Unmounts anything debootstrap left mounted under dir (deepest first), then removes dir on its own file system only. */
function removeRoot(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) spawnSync('umount', ['-l', point]);
  spawnSync('rm', ['-rf', '--one-file-system', dir]);
}

/** Streams the root file system into `podman import` as `tag`. */
function importRoot(dir: string, tag: string, nodeVersion: string): Promise<void> {
  const changes = [
    `ENV NODE_VERSION=${nodeVersion.slice(1)}`,
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `LABEL ${STAND_IN_LABEL}=${nodeVersion}`,
    'CMD ["node"]',
  ].flatMap((change) => ['--change', change]);
  return new Promise((resolveDone, reject) => {
    const tar = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const podman = spawn('podman', ['import', ...changes, '-', tag], {
      env: podmanEnv(),
      stdio: [tar.stdout, 'ignore', 'inherit'],
    });
    let tarStatus: number | null = null;
    tar.once('exit', (code) => (tarStatus = code));
    podman.once('error', reject);
    podman.once('exit', (code) =>
      code === 0 && tarStatus === 0
        ? resolveDone()
        : reject(new Error(`podman import: exit ${code}, tar ${tarStatus}`)),
    );
  });
}

/** Makes the stand-in base and imports it as `tag`. Needs root (debootstrap, chroot). */
export async function makeBase(tag: string, node: { path: string; version: string }): Promise<void> {
  const mirrors = debianMirrors();
  const dir = mkdtempSync('/var/tmp/cutroom-base-');
  const scratch = mkdtempSync('/var/tmp/cutroom-npm-');
  try {
    console.log(`[image] debootstrap --variant=minbase ${SUITE} from ${mirrors.main} (about a minute)`);
    const root = join(dir, 'root');
    run('debootstrap', ['--variant=minbase', SUITE, root, mirrors.main]);
    mkdirSync(join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
    writeFileSync(join(root, 'etc/dpkg/dpkg.cfg.d/slim'), SLIM_EXCLUDES);
    rmSync(join(root, 'etc/apt/sources.list'), { force: true });
    writeFileSync(join(root, 'etc/apt/sources.list.d/debian.sources'), aptSources(mirrors));
    slim(root);

    copyFileSync(node.path, join(root, 'usr/local/bin/node'));
    chmodSync(join(root, 'usr/local/bin/node'), 0o755);
    const npmVersion = addNpm(root, scratch);
    run('chroot', [root, 'groupadd', '--gid', '1000', 'node']);
    run('chroot', [root, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']);
    console.log(`[image] Node ${node.version}, npm ${npmVersion}, user node; importing as ${tag}`);
    await importRoot(root, tag, node.version);
  } finally {
    removeRoot(dir);
    rmSync(scratch, { recursive: true, force: true });
  }
}
