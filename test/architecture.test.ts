/**
 * The shape of the code, enforced:
 * - layers: each folder of src/ is one layer and imports only from layers below it (and from
 *   `shared/`, the modules the Worker and the processor both run); `shared/` imports neither side,
 *   and the processor (container/) imports nothing from src/, so its image needs container/ and
 *   shared/ only;
 * - the studio (studio/, a browser app) is a client of the public API: it imports studio/ and
 *   shared/ only, and from the Worker at most the typed client module (src/client.ts);
 * - tenancy by construction: route modules and job handlers never query tables themselves; they go
 *   through the profile-scoped repositories in src/db/repos;
 * - every tenant table has profile_id NOT NULL and an index leading with it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Lowest first. A file may import from its own folder and from any folder of a lower layer. */
const LAYERS: readonly (readonly string[])[] = [
  ['shared'],
  ['src/core'],
  ['src/db', 'src/auth', 'src/providers'],
  ['src/storage', 'src/webhooks'],
  ['src/processor'],
  ['src/jobs'],
  ['src/source-videos', 'src/voiceover', 'src/library'],
  ['src/pipeline', 'src/publishing'],
  ['src/job-handlers', 'src/housekeeping'],
  ['src/http'],
  ['src/routes'],
  ['src'], // app.ts (the app factory) and index.ts (the runtime wiring)
];

interface SourceFile {
  path: string; // relative to the repo root
  text: string;
}

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .filter((e) => !e.parentPath.includes('node_modules') && !e.parentPath.includes('/dist'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const read = (paths: string[]): SourceFile[] =>
  paths.map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));

/** The layer folder a repo-relative path belongs to (longest match), or null outside src/ and shared/. */
function folderOf(path: string): string | null {
  const folders = LAYERS.flat().sort((a, b) => b.length - a.length);
  if (path.startsWith('container/')) return 'container';
  if (path.startsWith('studio/')) return 'studio';
  const parts = path.split('/');
  if (parts[0] === 'src' && parts.length === 2) return 'src';
  return folders.find((f) => f !== 'src' && (path === f || path.startsWith(`${f}/`))) ?? null;
}

/** The one Worker module the studio may import: the typed API client (types only). */
const STUDIO_CLIENT = 'src/client.ts';

const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)));

/** Every relative import (static, dynamic or type-only) of a file, as repo-relative paths. */
function importsOf(file: SourceFile): string[] {
  const found = [...file.text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return found.map((spec) => relative(root, resolve(root, dirname(file.path), spec)));
}

/** `from → to` edges that go sideways or up, and imports that leave the processor's image. */
function layerViolations(sources: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of sources) {
    const from = folderOf(file.path);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (from === 'container') {
        if (to !== 'container' && to !== 'shared')
          out.push(`${file.path} → ${target}: the processor imports only container/ and shared/`);
        continue;
      }
      if (from === 'studio') {
        if (to !== 'studio' && to !== 'shared' && target !== STUDIO_CLIENT)
          out.push(`${file.path} → ${target}: the studio imports only studio/, shared/ and ${STUDIO_CLIENT}`);
        continue;
      }
      if (from === null || to === from) continue;
      if (to === null || to === 'container') {
        out.push(`${file.path} → ${target}: outside the layers`);
        continue;
      }
      if (rankOf.get(to)! >= rankOf.get(from)!)
        out.push(`${file.path} (${from}) → ${target} (${to}): not a lower layer`);
    }
  }
  return out;
}

describe('architecture', () => {
  const all = () => read([...files('src'), ...files('shared'), ...files('container/src'), ...files('studio')]);

  it('every folder of src/ belongs to a layer', () => {
    const folders = new Set(files('src').map((f) => folderOf(f)));
    expect([...folders].filter((f) => f === null)).toEqual([]);
    expect(
      readdirSync(join(root, 'src'), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !rankOf.has(`src/${e.name}`))
        .map((e) => e.name),
    ).toEqual([]);
  });

  it('each layer imports only from layers below it; shared/ and the processor stay self-contained', () => {
    expect(layerViolations(all())).toEqual([]);
  });

  it('the layer check catches a planted upward import', () => {
    const sources = all();
    const victim = sources.find((f) => f.path.startsWith('src/db/repos/'))!;
    expect(layerViolations([victim])).toEqual([]);
    const planted = { ...victim, text: `import { createApp } from '../../app.ts';\n${victim.text}` };
    expect(layerViolations([planted])).toEqual([`${victim.path} (src/db) → src/app.ts (src): not a lower layer`]);
    const processor = sources.find((f) => f.path === 'container/src/server.ts')!;
    const leak = { ...processor, text: `import { createApp } from '../../src/app.ts';\n${processor.text}` };
    expect(layerViolations([leak])).toEqual([
      'container/src/server.ts → src/app.ts: the processor imports only container/ and shared/',
    ]);
    const studio = sources.find((f) => f.path === 'studio/src/app.tsx')!;
    expect(layerViolations([studio])).toEqual([]);
    const internal = { ...studio, text: `import { ApiError } from '../../src/core/errors.ts';\n${studio.text}` };
    expect(layerViolations([internal])).toEqual([
      'studio/src/app.tsx → src/core/errors.ts: the studio imports only studio/, shared/ and src/client.ts',
    ]);
  });

  it('route modules and job handlers reach tenant data only through repositories', () => {
    const offenders: string[] = [];
    for (const file of read([...files('src/routes'), ...files('src/job-handlers')])) {
      if (/from 'drizzle-orm/.test(file.text)) offenders.push(`${file.path}: imports drizzle-orm`);
      if (/\.db\s*\.\s*(select|insert|update|delete|query|run|batch|all|get)\b/.test(file.text))
        offenders.push(`${file.path}: queries the database directly`);
      if (/\bDB\.prepare\(/.test(file.text)) offenders.push(`${file.path}: raw D1 statement`);
    }
    expect(offenders).toEqual([]);
  });

  it('every tenant table has profile_id NOT NULL and an index leading with it', () => {
    const sql = readdirSync(join(root, 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => readFileSync(join(root, 'migrations', f), 'utf8'))
      .join('\n');
    const tables = [...sql.matchAll(/CREATE TABLE `(\w+)` \(([\s\S]*?)\n\);/g)].map((m) => ({
      name: m[1]!,
      body: m[2]!,
    }));
    // processor_leases: the deployment's container slots (src/processor/placement.ts);
    // housekeeping_cursors: where the deployment-wide passes stopped. No tenant data in either.
    const global = new Set(['profiles', 'export_presets', 'processor_leases', 'housekeeping_cursors']);
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
