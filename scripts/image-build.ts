/**
 * npm run image:build [-- --rebuild-base]: builds the processor image from container/Dockerfile with
 * podman (no Docker engine runs on these machines), from the repository root as wrangler does
 * (`image_build_context = "."`), and tags it `cutroom-processor:<git sha>` and `:latest`.
 *
 * 1. podman, runc and debootstrap: installed with apt when missing (as root), else the command to run.
 * 2. The Dockerfile's base (`FROM`): used as it is when a real one is in local storage; otherwise a
 *    local stand-in is made once (scripts/image-base.ts, about a minute) and tagged with the FROM name,
 *    because image registries cannot be reached here.
 * 3. `podman build` with the layer cache: a re-run rebuilds only the layers whose inputs changed.
 * Prints the build times and the image size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { baseTag, makeBase, nodeBinary, STAND_IN_LABEL } from './image-base.ts';
import { imageExists, PROCESSOR_IMAGE_NAME, podman } from './podman.ts';

const root = resolve(import.meta.dirname, '..');
const DOCKERFILE = 'container/Dockerfile';
const TOOLS: Record<string, string> = { podman: 'podman', runc: 'runc', debootstrap: 'debootstrap' };
const APT_INSTALL = ['apt-get', 'install', '-y', '-qq', '--no-install-recommends'];

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function onPath(command: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => spawnSync('test', ['-x', `${dir}/${command}`]).status === 0);
}

function ensureTools(): void {
  const missing = Object.entries(TOOLS)
    .filter(([command]) => !onPath(command))
    .map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0) {
    const install = missing.length ? `apt-get install --no-install-recommends ${missing.join(' ')} && ` : '';
    console.error(
      `[image] image:build runs podman and debootstrap as root; run as root: ${install}npm run image:build`,
    );
    process.exit(1);
  }
  if (missing.length === 0) return;
  console.log(`[image] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['apt-get', 'update', '-qq'],
    [...APT_INSTALL, ...missing],
  ]) {
    const result = spawnSync(args[0]!, args.slice(1), { stdio: 'inherit', env });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

/** The Dockerfile's (single) base image name. */
function dockerfileBase(): string {
  const from = /^FROM\s+(\S+)/m.exec(readFileSync(resolve(root, DOCKERFILE), 'utf8'))?.[1];
  if (!from) throw new Error(`${DOCKERFILE} has no FROM line`);
  return from;
}

function label(image: string, name: string): string {
  return podman(['image', 'inspect', '--format', `{{ index .Labels "${name}" }}`, image]).stdout.trim();
}

/** Makes sure the FROM image is in local storage: a real one as it is, else the (cached) stand-in. */
async function ensureBase(from: string): Promise<string> {
  const started = Date.now();
  const localFrom = from.includes('/') ? from : `localhost/${from}`;
  const isStandIn = (name: string) => !['', '<no value>'].includes(label(name, STAND_IN_LABEL));
  for (const name of [from, localFrom]) {
    if (imageExists(name) && !isStandIn(name)) {
      console.log(`[image] base ${name}: a real image in local storage, used as it is`);
      return name;
    }
  }
  const node = nodeBinary();
  const tag = baseTag(node.version);
  if (process.argv.includes('--rebuild-base') || !imageExists(tag)) {
    await makeBase(tag, node);
    console.log(`[image] base ${tag} made in ${seconds(started)}`);
    // Earlier stand-ins go (those that built images still depend on stay until `podman image prune`).
    const repository = tag.slice(0, tag.lastIndexOf(':'));
    const listed = podman(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${repository}`]);
    for (const old of listed.stdout.split('\n').filter((t) => t && t !== tag)) podman(['rmi', old]);
  } else {
    console.log(`[image] base ${tag} (Node ${node.version}) already made: reused`);
  }
  if (podman(['tag', tag, localFrom]).status !== 0) throw new Error(`podman tag ${tag} ${localFrom} failed`);
  return localFrom;
}

/**
 * Build-time mounts that give the Dockerfile's `npm ci` the CA file this machine's npm trusts (`npm
 * config get cafile`, for networks that intercept TLS). Mounted for the RUN steps only (what stays
 * in the image is the empty mount points), and the Dockerfile stays as Docker and Cloudflare build it.
 */
function npmTrustMounts(scratch: string): string[] {
  const cafile = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).stdout.trim();
  if (!cafile || !existsSync(cafile)) return [];
  const inBuild = '/run/cutroom-build/ca.crt';
  const npmrc = join(scratch, 'npmrc');
  writeFileSync(npmrc, `cafile=${inBuild}\n`);
  return ['--volume', `${cafile}:${inBuild}:ro`, '--volume', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

function versionTag(): string {
  const sha = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  if (!sha) return JSON.parse(readFileSync(resolve(root, 'container/package.json'), 'utf8')).version as string;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'container', 'shared'], {
    cwd: root,
    encoding: 'utf8',
  });
  return dirty.stdout.trim() ? `${sha}-dirty` : sha;
}

async function main(): Promise<void> {
  const started = Date.now();
  ensureTools();
  const base = await ensureBase(dockerfileBase());

  const built = Date.now();
  const tags = [`${PROCESSOR_IMAGE_NAME}:${versionTag()}`, `${PROCESSOR_IMAGE_NAME}:latest`];
  console.log(`[image] podman build -f ${DOCKERFILE} (context: repository root, base ${base})`);
  const scratch = mkdtempSync(join(tmpdir(), 'cutroom-image-build-'));
  const build = podman(
    [
      'build',
      '--pull=never',
      // apt-get and npm ci in RUN steps reach the package mirrors through the host's network.
      '--network=host',
      '--layers',
      ...npmTrustMounts(scratch),
      '-f',
      DOCKERFILE,
      ...tags.flatMap((t) => ['-t', t]),
      '.',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  rmSync(scratch, { recursive: true, force: true });
  if (build.status !== 0) process.exit(build.status);
  const buildTime = seconds(built);

  const size = Number(podman(['image', 'inspect', '--format', '{{.Size}}', tags[1]!]).stdout.trim());
  console.log(
    `\n[image] ${tags.join(', ')}: ${(size / 1e6).toFixed(0)} MB; podman build ${buildTime}, image:build ${seconds(started)} in all`,
  );
}

await main();
