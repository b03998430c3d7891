/**
 * How the suite fills an operation's inputs from the document: which parameters and body fields
 * name a resource (and of which kind), and a valid value for everything else. This is the one
 * explicit table the generated cases rest on; a field that looks like a reference but is in no
 * table makes `cannotFill` name it, and the suite fails for that operation until the table says
 * how to fill it (docs/security.md, "Adding a case").
 */
import { type IdKind, idPrefixes } from '../../../src/core/ids.ts';
import { type Operation, type Schema, primaryOf, typesOf } from './openapi.ts';

/** Resource kinds the fixture tenant holds, plus `any` (a filter that takes an id of any kind). */
export type RefKind = IdKind | 'any';

const kindOfPrefix = new Map<string, IdKind>(
  Object.entries(idPrefixes).map(([kind, prefix]) => [prefix, kind as IdKind]),
);

/** Field and parameter names (without a trailing `s`/`_N`) that reference a resource of a kind. */
const REFERENCE_NAMES: Record<string, RefKind> = {
  clip_id: 'clip',
  source_clip_id: 'clip',
  source_video_id: 'sourceVideo',
  main_source_video_id: 'sourceVideo',
  secondary_source_video_id: 'sourceVideo',
  segment_id: 'segment',
  project_id: 'project',
  job_id: 'job',
  profile_id: 'profile',
  resource_id: 'any',
  // A brand kit's intro and outro: a clip or a source video.
  intro_id: 'any',
  outro_id: 'any',
  webhook_id: 'webhook',
  delivery_id: 'webhookDelivery',
  event_id: 'webhookEvent',
};

/** Names that end like references but name something outside this API (a Postiz or ElevenLabs id). */
const FOREIGN_NAMES = new Set([
  'integration_id',
  'postiz_post_id',
  'tts_voice_id',
  'elevenlabs_voice_id',
  'request_id',
  'idempotency-key',
]);

/** Top-level JSON arrays of ids, by the path of the operation taking them. */
const ROOT_ARRAY_KINDS: { path: RegExp; kind: RefKind }[] = [{ path: /\/library\/clips\/bulk-/, kind: 'clip' }];

/** Fields of which a request may send only one (`clip_ids` or the original's `clips`). */
const EXCLUSIVE_FIELDS: string[][] = [
  ['clip_ids', 'clips'],
  // An SRT is sent as text, a file or a transcript's id: one of them.
  ['srt_content', 'srt', 'transcript_id'],
  // A transcript edit sends its words or its SRT text.
  ['words', 'srt'],
];

/** How many bodies it takes to send each exclusive alternative of an operation once. */
export function alternativesOf(op: Operation): number {
  const props = Object.keys(primaryOf(op.jsonBody ?? {}).properties ?? {});
  return Math.max(1, ...EXCLUSIVE_FIELDS.map((group) => group.filter((f) => props.includes(f)).length));
}

/** Fields that are two spellings of one input (the original's name and ours): filled alike. */
const ALIASES: Record<string, string> = { main_source_video_id: 'source_video_id' };

/** The slot a field fills: its own name, or the name it is an alias of. */
export const slotOf = (name: string) => ALIASES[name] ?? name;

/** Query parameters that page or sort, not reference: `cursor` takes any id but names no resource. */
const NOT_REFERENCES = new Set(['cursor']);

const stem = (name: string) => name.replace(/_\d+$/, '').replace(/_ids$/, '_id');

/** The kind of resource a field or parameter references, `null` when it references none. */
export function referenceKind(name: string, schema: Schema): RefKind | null {
  if (NOT_REFERENCES.has(name) || FOREIGN_NAMES.has(stem(name))) return null;
  const fromPattern = /^\^([a-z]{3})_/.exec(primaryOf(schema).pattern ?? primaryOf(schema).items?.pattern ?? '');
  const byPattern = fromPattern ? kindOfPrefix.get(fromPattern[1]!) : undefined;
  const example = primaryOf(schema).example;
  const byExample = typeof example === 'string' ? kindOfPrefix.get(example.slice(0, 3)) : undefined;
  return REFERENCE_NAMES[stem(name)] ?? byPattern ?? byExample ?? null;
}

/** Why a name that looks like a reference cannot be filled (no table says what it references). */
export function unknownReference(name: string, schema: Schema): string | null {
  if (referenceKind(name, schema) || FOREIGN_NAMES.has(stem(name)) || NOT_REFERENCES.has(name)) return null;
  return /(^|_)ids?(_\d+)?$/.test(name) ? `"${name}" looks like a reference but no table says of what` : null;
}

export function rootArrayKind(op: Operation): RefKind | null {
  if (!op.jsonBody || !typesOf(primaryOf(op.jsonBody)).includes('array')) return null;
  return ROOT_ARRAY_KINDS.find((r) => r.path.test(op.path))?.kind ?? null;
}

/** A field that is a reference or holds one (`clips: [{clip_id}]`). */
function holdsReference(name: string, schema: Schema): boolean {
  if (referenceKind(name, schema)) return true;
  const s = primaryOf(schema);
  return (
    Object.entries(s.properties ?? {}).some(([k, v]) => holdsReference(k, v)) ||
    (s.items !== undefined && holdsReference(name, s.items))
  );
}

/** What the fixture supplies: an id of a kind, and a valid value for fields that need real content. */
export interface Fixture {
  /** The id to put in `name` (a parameter or body field) of `op`, a reference of `kind`. */
  idOf(kind: RefKind, op: Operation, name: string): string;
  /** Field values that must be meaningful for a request to get past validation (an SRT, a caption). */
  named: Record<string, unknown>;
}

const PATTERN_CANDIDATES = ['intruder', 'en-us', '#ffffff', 'Intruder_1', 'a1', 'x'];

function sampleString(schema: Schema): string {
  if (schema.enum) return String(schema.enum[0]);
  if (schema.format === 'date-time') return new Date(Date.now() + 7 * 86_400_000).toISOString();
  if (schema.format === 'uri') return 'https://example.com/';
  if (schema.pattern) {
    // A zod regex with flags is documented as `source/flags` (e.g. `^[a-z]+$/i`): read it that way.
    const flagged = /^(.*)\/([a-z]+)$/.exec(schema.pattern);
    const re = flagged ? new RegExp(flagged[1]!, flagged[2]) : new RegExp(schema.pattern);
    const hit = [schema.example, schema.default, ...PATTERN_CANDIDATES].find(
      (v): v is string => typeof v === 'string' && re.test(v),
    );
    if (hit) return hit;
  }
  const base = typeof schema.example === 'string' ? schema.example : 'intruder';
  return base.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? base.length);
}

function sampleNumber(schema: Schema): number {
  if (typeof schema.default === 'number') return schema.default;
  if (schema.minimum !== undefined) return schema.minimum;
  if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum + 1;
  return 1;
}

export interface SampleOptions {
  /** Every optional property too (a modification attempt), not only the required ones. */
  allProperties?: boolean;
  /** Which field of each exclusive group to send (see `alternativesOf`). */
  alternative?: number;
}

/** Whether `key` is an exclusive alternative this body does not send. */
export function leftOut(key: string, props: string[], alternative = 0): boolean {
  const group = EXCLUSIVE_FIELDS.map((g) => g.filter((f) => props.includes(f))).find(
    (g) => g.length > 1 && g.includes(key),
  );
  return group !== undefined && group[alternative % group.length] !== key;
}

/**
 * A valid value of `schema` for field `name`: references filled with the fixture's ids, named
 * fields with the fixture's content, the rest from the schema (enum, pattern, bounds, default).
 */
export function sampleValue(
  schema: Schema,
  name: string,
  fixture: Fixture,
  op: Operation,
  options: SampleOptions = {},
): unknown {
  if (name in fixture.named) return fixture.named[name];
  const kind = referenceKind(name, schema);
  const s = primaryOf(schema);
  if (s.enum) return s.enum[0];
  if (kind) {
    const id = fixture.idOf(kind, op, name);
    return typesOf(schema).includes('array') || name.endsWith('_ids') ? [id] : id;
  }
  const type = typesOf(s)[0];
  if (type === 'object' || s.properties) return sampleObject(s, fixture, op, options);
  if (type === 'array') {
    const items = s.items ?? {};
    return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () => sampleValue(items, name, fixture, op, options));
  }
  if (type === 'number') return sampleNumber(s);
  if (type === 'boolean') return typeof s.default === 'boolean' ? s.default : true;
  if (type === 'null') return null;
  return sampleString(s);
}

export function sampleObject(schema: Schema, fixture: Fixture, op: Operation, options: SampleOptions = {}) {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  const props = Object.keys(schema.properties ?? {});
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (leftOut(key, props, options.alternative)) continue;
    const binary = primaryOf(prop).format === 'binary';
    const wanted = required.has(key) || key in fixture.named || holdsReference(key, prop) || options.allProperties;
    if (!binary && wanted) out[key] = sampleValue(prop, key, fixture, op, options);
  }
  return out;
}

/** A valid JSON body for an operation (or undefined when it takes none). */
export function sampleBody(op: Operation, fixture: Fixture, options: SampleOptions = {}): unknown {
  if (!op.jsonBody) return undefined;
  const root = rootArrayKind(op);
  if (root) return [fixture.idOf(root, op, '')];
  return sampleValue(op.jsonBody, '', fixture, op, options);
}

/** Every field and parameter of an operation that looks like a reference no table explains. */
export function unfillable(op: Operation): string[] {
  const problems: string[] = [];
  for (const p of op.parameters) {
    const why = unknownReference(p.name, p.schema);
    if (why) problems.push(`${p.in} parameter ${why}`);
    if (p.in === 'path' && !referenceKind(p.name, p.schema))
      problems.push(`path parameter {${p.name}} names no resource kind (no id example, no table entry)`);
  }
  const walk = (schema: Schema, where: string) => {
    const s = primaryOf(schema);
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      const why = unknownReference(key, prop);
      if (why) problems.push(`body field ${where}${why}`);
      walk(prop, `${where}${key}.`);
    }
    if (s.items) walk(s.items, where);
  };
  if (op.jsonBody) {
    walk(op.jsonBody, '');
    const root = primaryOf(op.jsonBody);
    if (typesOf(root).includes('array') && !rootArrayKind(op) && root.items && typesOf(root.items).includes('string'))
      problems.push('a top-level array of strings that no table names the kind of');
  }
  return problems;
}

/** True when a request built for this operation names a resource (in its path, query or body). */
export function referencesOf(op: Operation): { path: string[]; query: string[]; body: boolean } {
  const path = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const query = op.parameters.filter((p) => p.in === 'query' && referenceKind(p.name, p.schema)).map((p) => p.name);
  let body = false;
  const walk = (schema: Schema) => {
    const s = primaryOf(schema);
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (referenceKind(key, prop)) body = true;
      walk(prop);
    }
    if (s.items) walk(s.items);
  };
  if (op.jsonBody) {
    walk(op.jsonBody);
    if (rootArrayKind(op)) body = true;
  }
  return { path, query, body };
}
