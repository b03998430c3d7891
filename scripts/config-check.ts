/**
 * npm run config:check [-- --config <wrangler.toml>] [--env <name>]: the production config as
 * `wrangler deploy` resolves it (wrangler's own config reader, for the top level and every
 * [env.*]), refused when it holds:
 * - a loopback, private, link-local, metadata or reserved address, or a reserved example host
 *   (example.com, *.test, *.invalid, *.localhost), anywhere in it but [dev] (which only
 *   `wrangler dev` reads);
 * - a placeholder id (all zeros or one repeated digit, "placeholder", "changeme", "<…>", …);
 * - a dev value: the dev issuer, a test secret, a secret of the local .dev.vars, a dev-only setting
 *   (PROCESSOR_URL, DEV_SIGN_IN), OUTBOUND_ALLOW_PRIVATE = "true", or a secret written as a var
 *   (scripts/local-config.ts names them all).
 * When it is clean, `wrangler deploy --dry-run` must accept it too. Exit code 1 and one line per
 * problem otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { addressKind, hostKind } from '../src/core/outbound-url.ts';
import { DEV_ONLY_NAMES, DEV_VALUES, SECRET_NAMES } from './local-config.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** Parts of the resolved config that never reach a deploy, or are file paths of this machine. */
const SKIPPED = new Set(['dev', 'configPath', 'userConfigPath', 'base_dir', 'definedEnvironments', 'tsconfig']);

/** Hosts reserved for documentation and tests (RFC 2606, RFC 6761): a value someone forgot to fill in. */
const EXAMPLE_HOST = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;
const PLACEHOLDER = /placeholder|changeme|change[-_ ]me|replace[-_ ]?me|\btodo\b|\bxxx+\b|your[-_]|<[^>]*>|\$\{/i;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const IPV4_IN_TEXT = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g;
const IPV6_IN_TEXT = /\[([0-9a-f:.]+)\]/gi;

/**
 * An id that is mostly one repeated character once dashes are gone (00000000-0000-4000-8000-…,
 * ffff…): a filler, never a generated id.
 */
function isFillerId(value: string): boolean {
  const bare = value.replace(/-/g, '').toLowerCase();
  if (bare.length < 8) return false;
  const counts = new Map<string, number>();
  for (const ch of bare) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return Math.max(...counts.values()) >= bare.length * 0.75;
}

function hostProblem(host: string): string | null {
  const kind = hostKind(host);
  if (kind !== 'public') return `a ${kind === 'metadata' ? 'link-local' : kind} address (${host})`;
  if (EXAMPLE_HOST.test(host.replace(/\.$/, ''))) return `a reserved example host (${host})`;
  return null;
}

/** Problems of one string value at `path`. */
function valueProblems(path: string, value: string, devSecrets: readonly string[]): string[] {
  const out: string[] = [];
  for (const [raw] of value.matchAll(URL_IN_TEXT)) {
    let host: string;
    try {
      host = new URL(raw).hostname;
    } catch {
      continue;
    }
    const problem = host ? hostProblem(host) : null;
    if (problem) out.push(`${path}: ${problem} in "${raw}"`);
  }
  const withoutUrls = value.replace(URL_IN_TEXT, ' ');
  for (const [ip] of withoutUrls.matchAll(IPV4_IN_TEXT)) {
    const kind = addressKind(ip);
    if (kind && kind !== 'public') out.push(`${path}: a ${kind === 'metadata' ? 'link-local' : kind} address (${ip})`);
  }
  for (const [, ip] of withoutUrls.matchAll(IPV6_IN_TEXT)) {
    const kind = ip ? addressKind(ip) : null;
    if (kind && kind !== 'public')
      out.push(`${path}: a ${kind === 'metadata' ? 'link-local' : kind} address ([${ip}])`);
  }
  if (/\blocalhost\b/i.test(withoutUrls)) out.push(`${path}: a loopback name (localhost)`);
  const leaf =
    path
      .split(/[.[\]]/)
      .filter(Boolean)
      .at(-1) ?? '';
  if (/(^|_)id$/i.test(leaf) && value && isFillerId(value)) out.push(`${path}: a placeholder id ("${value}")`);
  if (PLACEHOLDER.test(value)) out.push(`${path}: a placeholder ("${value}")`);
  const dev = [...DEV_VALUES, ...devSecrets].find((d) => d && value.includes(d));
  if (dev) out.push(`${path}: a dev value ("${dev.length > 16 ? `${dev.slice(0, 12)}…` : dev}")`);
  return out;
}

function walk(path: string, node: unknown, devSecrets: readonly string[], out: string[]): void {
  if (typeof node === 'string') out.push(...valueProblems(path, node, devSecrets));
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) walk(`${path}[${i}]`, item, devSecrets, out);
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (path === '' && SKIPPED.has(key)) continue;
      walk(path ? `${path}.${key}` : key, value, devSecrets, out);
    }
}

/** Every problem of one resolved config (as `unstable_readConfig` returns it). */
export function checkDeployConfig(config: object, devSecrets: readonly string[] = []): string[] {
  const out: string[] = [];
  walk('', config, devSecrets, out);
  const vars = ((config as { vars?: Record<string, unknown> }).vars ?? {}) as Record<string, unknown>;
  for (const name of DEV_ONLY_NAMES)
    if (name in vars) out.push(`vars.${name}: a dev-only setting (scripts/local-config.ts); a deploy must not have it`);
  for (const name of SECRET_NAMES)
    if (vars[name]) out.push(`vars.${name}: a secret written into the config (use wrangler secret put ${name})`);
  if (String(vars.OUTBOUND_ALLOW_PRIVATE ?? '').toLowerCase() === 'true')
    out.push('vars.OUTBOUND_ALLOW_PRIVATE: "true" is the dev value (user URLs could reach private hosts)');
  return out;
}

/** The config `wrangler deploy [--env name]` works from. */
export function resolveDeployConfig(configPath: string, env?: string) {
  return unstable_readConfig({ config: configPath, env }, { hideWarnings: true });
}

/** Secret values of the local .dev.vars (random per machine): none of them belongs in a config. */
export function localDevSecrets(path = join(ROOT, '.dev.vars')): string[] {
  if (!existsSync(path)) return [];
  return [...readFileSync(path, 'utf8').matchAll(/^\s*[A-Z0-9_]+\s*=\s*"?(.*?)"?\s*$/gm)]
    .map((m) => m[1] ?? '')
    .filter((v) => v.length >= 16);
}

/** Problems of the config at `configPath`: its top level (or `env`) and every environment it defines. */
export function checkConfigFile(configPath: string, env?: string): string[] {
  const devSecrets = localDevSecrets();
  const top = resolveDeployConfig(configPath, env);
  const envs: string[] = env ? [] : (top.definedEnvironments ?? []);
  return [
    ...checkDeployConfig(top, devSecrets).map((p) => (env ? `[env.${env}] ${p}` : p)),
    ...envs.flatMap((name) =>
      checkDeployConfig(resolveDeployConfig(configPath, name), devSecrets).map((p) => `[env.${name}] ${p}`),
    ),
  ];
}

function main(): never {
  const { values } = parseArgs({ options: { config: { type: 'string' }, env: { type: 'string' } } });
  const configPath = resolve(values.config ?? join(ROOT, 'wrangler.toml'));
  let problems: string[];
  try {
    problems = checkConfigFile(configPath, values.env);
  } catch (err) {
    console.error(`config:check: wrangler cannot read ${configPath}: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
  if (problems.length) {
    console.error(`config:check: ${configPath} is not a production config:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  // Clean values; wrangler must also accept the config for a deploy (bundling included).
  const outdir = mkdtempSync(join(tmpdir(), 'cutroom-config-check-'));
  // The studio's build output may not exist yet (a fresh clone): stand in an empty folder for it, so
  // the check is about the config; deploy:check builds the studio and checks the real assets.
  const assetsDir = resolveDeployConfig(configPath, values.env).assets?.directory;
  const assetsStandIn =
    assetsDir && !existsSync(resolve(dirname(configPath), assetsDir)) ? join(outdir, 'assets') : null;
  if (assetsStandIn) mkdirSync(assetsStandIn);
  try {
    const run = spawnSync(
      'wrangler',
      [
        'deploy',
        '--dry-run',
        '--containers-rollout=none',
        '--outdir',
        join(outdir, 'bundle'),
        ...(assetsStandIn ? ['--assets', assetsStandIn] : []),
        '--config',
        configPath,
        ...(values.env ? ['--env', values.env] : []),
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    );
    if (run.status !== 0) {
      console.error(
        `config:check: wrangler deploy --dry-run refused ${configPath}:\n${run.error?.message ?? ''}${run.stdout ?? ''}${run.stderr ?? ''}`,
      );
      process.exit(1);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log(`config:check: ${configPath} holds production values only (wrangler deploy --dry-run accepts it)`);
  process.exit(0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
