/**
 * `npm run config:check` (scripts/config-check.ts): the committed wrangler.toml passes, and the same
 * file with one local value put back in fails, each kind of value on its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigFile, checkDeployConfig, resolveDeployConfig } from '../../scripts/config-check.ts';
import { TEST_SECRETS } from '../../scripts/local-config.ts';
import { ROOT } from '../e2e/helpers/stack.ts';

const committedPath = join(ROOT, 'wrangler.toml');
// Variants live two folders below the repository (wrangler checks the paths a config names).
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.tmp', 'config-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const committed = readFileSync(committedPath, 'utf8')
  .replace('main = "src/index.ts"', 'main = "../../src/index.ts"')
  .replace('directory = "./studio/dist"', 'directory = "../../studio/dist"')
  .replace('migrations_dir = "migrations"', 'migrations_dir = "../../migrations"')
  .replace('image = "./container/Dockerfile"', 'image = "../../container/Dockerfile"')
  .replace('image_build_context = "."', 'image_build_context = "../.."');

let files = 0;
/** The committed config with `edit` applied, written next to the others. */
function variant(edit: (toml: string) => string): string {
  const text = edit(committed);
  expect(text).not.toBe(committed);
  const path = join(dir, `wrangler-${++files}.toml`);
  writeFileSync(path, text);
  return path;
}
/** Sets one var (`NAME = "value"`): replaces the committed line, or adds it to [vars]. */
const withVar = (line: string) => (toml: string) => {
  const name = line.split(' ', 1)[0]!;
  const existing = new RegExp(`^${name} = .*$`, 'm');
  return existing.test(toml) ? toml.replace(existing, line) : toml.replace('[vars]\n', `[vars]\n${line}\n`);
};

describe('config:check', () => {
  it('passes the committed config, top level and every environment', () => {
    expect(checkConfigFile(committedPath)).toEqual([]);
  });

  const bad: [string, (toml: string) => string, RegExp][] = [
    ['a loopback public URL', withVar('PUBLIC_URL = "http://127.0.0.1:8787"'), /PUBLIC_URL: a loopback address/],
    [
      'localhost by name',
      withVar('POSTIZ_API_URL = "http://localhost:5000/api"'),
      /POSTIZ_API_URL: a loopback address/,
    ],
    ['an IPv6 loopback', withVar('POSTIZ_API_URL = "http://[::1]:5000"'), /POSTIZ_API_URL: a loopback address/],
    ['a private address', withVar('OUTBOUND_DNS_RESOLVER = "https://10.1.2.3/dns-query"'), /a private address/],
    ['a bare private address', withVar('SOME_HOST = "192.168.1.20"'), /SOME_HOST: a private address/],
    ['a link-local address', withVar('GEMINI_BASE_URL = "http://169.254.169.254"'), /a link-local address/],
    ['an example host', withVar('PUBLIC_URL = "https://cutroom.test"'), /a reserved example host/],
    [
      'a placeholder D1 id',
      (t) =>
        t.replace(
          'database_name = "cutroom"\n',
          'database_name = "cutroom"\ndatabase_id = "00000000-0000-4000-8000-000000000000"\n',
        ),
      /d1_databases\[0\]\.database_id: a placeholder id/,
    ],
    [
      'a placeholder written out',
      (t) =>
        t.replace('database_name = "cutroom"\n', 'database_name = "cutroom"\ndatabase_id = "<your-database-id>"\n'),
      /database_id: a placeholder/,
    ],
    ['the dev issuer', withVar('AUTH_ISSUER = "cutroom-dev"'), /AUTH_ISSUER: a dev value/],
    ['a test secret in a var', withVar(`SIGNING = "${TEST_SECRETS.URL_SIGNING_KEY}"`), /SIGNING: a dev value/],
    ['a secret written as a var', withVar('JWT_SECRET = "s3cr3t-from-somewhere-else"'), /JWT_SECRET: a secret written/],
    ['the local processor setting, even empty', withVar('PROCESSOR_URL = ""'), /PROCESSOR_URL: a dev-only setting/],
    ['the dev sign-in', withVar('DEV_SIGN_IN = "1"'), /DEV_SIGN_IN: a dev-only setting/],
    [
      'private user URLs allowed',
      (t) => t.replace('OUTBOUND_ALLOW_PRIVATE = "false"', 'OUTBOUND_ALLOW_PRIVATE = "true"'),
      /OUTBOUND_ALLOW_PRIVATE: "true" is the dev value/,
    ],
    [
      'a loopback route',
      (t) =>
        t.replace(
          '[observability]',
          'routes = [{ pattern = "localhost/*", zone_name = "localhost" }]\n\n[observability]',
        ),
      /routes\[0\]\.pattern: a loopback name/,
    ],
    [
      'a loopback URL in one environment only',
      (t) => `${t}\n[env.staging]\n[env.staging.vars]\nPUBLIC_URL = "http://127.0.0.1:8787"\n`,
      /^\[env\.staging\] vars\.PUBLIC_URL: a loopback address/m,
    ],
  ];
  it.each(bad)('fails on %s', (_name, edit, expected) => {
    const problems = checkConfigFile(variant(edit));
    expect(problems.join('\n')).toMatch(expected);
  });

  it('fails on a secret of the local .dev.vars', () => {
    const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const config = resolveDeployConfig(variant(withVar(`PRICES_JSON = "${secret}"`)));
    expect(checkDeployConfig(config)).toEqual([]);
    expect(checkDeployConfig(config, [secret]).join('\n')).toMatch(/PRICES_JSON: a dev value/);
  });

  it('as a command: exit 1 with the reasons for a bad config, 0 for the committed one', () => {
    const run = (config: string) =>
      spawnSync(process.execPath, [join(ROOT, 'scripts/config-check.ts'), '--config', config], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      });
    const failed = run(variant(withVar('PUBLIC_URL = "http://127.0.0.1:8787"')));
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/vars\.PUBLIC_URL: a loopback address \(127\.0\.0\.1\)/);
    const passed = run(committedPath);
    expect(passed.stderr).toBe('');
    expect(passed.status).toBe(0);
    expect(passed.stdout).toMatch(/holds production values only/);
  });
});
