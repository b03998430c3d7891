/**
 * Malformed variants of a valid request, generated from the operation's documented schemas: broken
 * JSON, wrong content types, wrong root and field types, missing required fields, values past
 * their documented bounds, huge bodies, deep nesting, unknown and prototype keys, unicode
 * controls. Each variant says what the API must answer: `refused` (4xx in the one error shape),
 * `clean` (refused, or accepted without the control characters: names), or `robust` (anything but
 * a 5xx, for inputs the document allows, e.g. unknown keys where the schema does not forbid them,
 * or controls in free text).
 */
import { type Operation, type Schema, primaryOf, typesOf } from './openapi.ts';

export interface Variant {
  name: string;
  /** The body as sent (already serialised). */
  body?: string;
  contentType?: string;
  /** Query string to use instead of none. */
  query?: string;
  /** `clean`: refused, or accepted with the control characters gone from what is stored and shown. */
  expect: 'refused' | 'robust' | 'clean';
}

/** Fields whose value is a name a person reads (lists, file names): controls must not survive in them. */
export const NAME_FIELDS = /^(name|variant_name|output_name|filename|display_name)$/;

/** Control characters an attacker puts in text: NUL, BEL, a right-to-left override, a zero-width joiner. */
export const CONTROL_TEXT = 'a\u0000b\u0007c\u202Ed\u200De';
const CONTROLS = ['\u0000', '\u0007', '\u202E', '\u200D'];

/** Whether a response text (JSON) still carries one of CONTROL_TEXT's control characters. */
export function keepsControls(text: string): boolean {
  const escaped = CONTROLS.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return CONTROLS.some((c) => text.includes(c)) || escaped.some((e) => text.toLowerCase().includes(e));
}

const json = (value: unknown) => JSON.stringify(value);

/** A value of a JSON type the schema does not admit (undefined when it admits every type). */
function wrongTypeFor(schema: Schema): unknown {
  const admitted = typesOf(schema);
  if (admitted.length === 0) return undefined;
  const candidates: [string, unknown][] = [
    ['number', 12345],
    ['string', 'not-the-right-type'],
    ['boolean', true],
    ['object', { unexpected: 1 }],
    ['array', [1, 2, 3]],
  ];
  return candidates.find(([type]) => !admitted.includes(type))?.[1];
}

function outOfRange(schema: Schema): number | undefined {
  if (schema.maximum !== undefined) return schema.maximum + 1;
  if (schema.minimum !== undefined) return schema.minimum - 1;
  if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum;
  return undefined;
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Variants of a JSON body `base` (a valid body of `op`). */
export function bodyVariants(op: Operation, base: unknown): Variant[] {
  const schema = primaryOf(op.jsonBody ?? {});
  const out: Variant[] = [
    { name: 'invalid JSON', body: '{"unterminated": ', expect: 'refused' },
    { name: 'JSON with a trailing comma', body: '{"a": 1,}', expect: 'refused' },
    {
      name: 'deeply nested JSON (100 000 levels)',
      body: nested(100_000),
      expect: 'refused',
    },
    { name: 'a 2 MB body', body: json({ padding: 'x'.repeat(2 * 1024 * 1024) }), expect: 'refused' },
    { name: 'the JSON root as a string', body: json('text'), expect: 'refused' },
    { name: 'the JSON root as null', body: 'null', expect: 'refused' },
  ];
  if (op.bodyRequired) {
    out.push(
      { name: 'an empty body', body: '', expect: 'refused' },
      { name: 'a valid body sent as text/plain', body: json(base), contentType: 'text/plain', expect: 'refused' },
      { name: 'a valid body sent as XML', body: '<a>1</a>', contentType: 'application/xml', expect: 'refused' },
    );
  }
  const rootTypes = typesOf(schema);
  if (rootTypes.includes('array'))
    out.push({ name: 'the JSON root as an object', body: json({ a: 1 }), expect: 'refused' });
  if (!rootTypes.includes('object') || !base || typeof base !== 'object' || Array.isArray(base)) return out;

  const record = base as Record<string, unknown>;
  const strict = schema.additionalProperties === false;
  out.push(
    { name: 'the JSON root as an array', body: json([record]), expect: 'refused' },
    { name: 'an unknown key', body: json({ ...record, unexpected_key: 1 }), expect: strict ? 'refused' : 'robust' },
    {
      name: 'prototype keys (__proto__, constructor)',
      body: `{"__proto__": {"is_admin": true}, "constructor": {"prototype": {"x": 1}}, ${json(record).slice(1)}`,
      expect: strict ? 'refused' : 'robust',
    },
  );
  for (const key of schema.required ?? []) {
    const { [key]: _dropped, ...rest } = record;
    out.push({ name: `missing required ${key}`, body: json(rest), expect: 'refused' });
  }
  for (const [key, raw] of Object.entries(schema.properties ?? {})) {
    const prop = primaryOf(raw);
    if (prop.format === 'binary') continue;
    const wrong = wrongTypeFor(raw);
    if (wrong !== undefined)
      out.push({ name: `wrong type in ${key}`, body: json({ ...record, [key]: wrong }), expect: 'refused' });
    if (prop.maxLength !== undefined && typesOf(prop).includes('string'))
      out.push({
        name: `over-long ${key} (${prop.maxLength + 1} characters)`,
        body: json({ ...record, [key]: 'x'.repeat(prop.maxLength + 1) }),
        expect: 'refused',
      });
    if (prop.maxItems !== undefined && prop.items)
      out.push({
        name: `too many items in ${key} (${prop.maxItems + 1})`,
        body: json({ ...record, [key]: Array.from({ length: prop.maxItems + 1 }, (_, i) => `item-${i}`) }),
        expect: 'refused',
      });
    const range = typesOf(prop).includes('number') && !prop.enum ? outOfRange(prop) : undefined;
    if (range !== undefined)
      out.push({ name: `out-of-range ${key} (${range})`, body: json({ ...record, [key]: range }), expect: 'refused' });
    if (typesOf(prop).includes('number') && !typesOf(prop).includes('string'))
      out.push({
        name: `a non-finite number in ${key} (1e999)`,
        body: json({ ...record, [key]: '__HUGE__' }).replace('"__HUGE__"', '1e999'),
        expect: 'refused',
      });
    if (typesOf(prop).includes('string') && !prop.enum && !prop.format) {
      const controlled = json({ ...record, [key]: CONTROL_TEXT });
      out.push(
        NAME_FIELDS.test(key)
          ? { name: `control characters in ${key}`, body: controlled, expect: 'clean' }
          : { name: `unicode controls in ${key} do not break the route`, body: controlled, expect: 'robust' },
      );
    }
  }
  return out;
}

/** Variants of an operation's query string (each parameter broken alone). */
export function queryVariants(op: Operation): Variant[] {
  const out: Variant[] = [];
  for (const p of op.parameters.filter((x) => x.in === 'query')) {
    const s = primaryOf(p.schema);
    const types = typesOf(s);
    const q = (value: string) => `${encodeURIComponent(p.name)}=${encodeURIComponent(value)}`;
    if (types.includes('number') && !types.includes('string'))
      out.push({ name: `query ${p.name} not a number`, query: q('abc'), expect: 'refused' });
    if (s.enum) out.push({ name: `query ${p.name} outside its values`, query: q('not-a-value'), expect: 'refused' });
    const range = types.includes('number') ? outOfRange(s) : undefined;
    if (range !== undefined)
      out.push({ name: `query ${p.name} out of range (${range})`, query: q(String(range)), expect: 'refused' });
    if (s.pattern)
      out.push({ name: `query ${p.name} against its pattern`, query: q('../../etc/passwd'), expect: 'refused' });
    out.push({
      name: `query ${p.name} repeated with a 10 KB value`,
      query: `${q('x')}&${q('y'.repeat(10_000))}`,
      expect: 'robust',
    });
  }
  return out;
}
