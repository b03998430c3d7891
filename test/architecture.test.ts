/**
 * Tenancy by construction: route modules and job handlers never query tables themselves; they go
 * through the profile-scoped repositories in src/db/repos. This test keeps it that way.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const layers = ['src/routes', 'src/jobs/handlers'];

describe('architecture', () => {
  it('route modules and job handlers reach tenant data only through repositories', () => {
    const offenders: string[] = [];
    for (const file of layers.flatMap(files)) {
      const text = readFileSync(join(root, file), 'utf8');
      if (/from 'drizzle-orm/.test(text)) offenders.push(`${file}: imports drizzle-orm`);
      if (/\.db\s*\.\s*(select|insert|update|delete|query|run|batch|all|get)\b/.test(text)) offenders.push(`${file}: queries the database directly`);
      if (/\bDB\.prepare\(/.test(text)) offenders.push(`${file}: raw D1 statement`);
    }
    expect(offenders).toEqual([]);
  });

  it('every tenant table has profile_id NOT NULL and an index leading with it', () => {
    const sql = readdirSync(join(root, 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => readFileSync(join(root, 'migrations', f), 'utf8'))
      .join('\n');
    const tables = [...sql.matchAll(/CREATE TABLE `(\w+)` \(([\s\S]*?)\n\);/g)].map((m) => ({ name: m[1]!, body: m[2]! }));
    const global = new Set(['profiles', 'export_presets']);
    const tenant = tables.filter((t) => !global.has(t.name));
    expect(tenant.length).toBeGreaterThanOrEqual(12);
    for (const t of tenant) {
      expect(t.body, `${t.name}.profile_id`).toMatch(/`profile_id` text NOT NULL/);
      const leadingIndex = new RegExp(`CREATE (UNIQUE )?INDEX \`\\w+\` ON \`${t.name}\` \\(\`profile_id\``);
      const leadingPk = /PRIMARY KEY\(`profile_id`/;
      expect(leadingIndex.test(sql) || leadingPk.test(t.body), `${t.name} index leading with profile_id`).toBe(true);
    }
  });
});
