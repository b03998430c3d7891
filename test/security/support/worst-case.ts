/**
 * The biggest input the document allows, per operation: which request fields a route may loop over
 * (lists and long texts), and a body with each of them at its documented maximum (lists full,
 * strings at their maxLength, an SRT made of long cues of long words that match nothing cheaply).
 * Fields without a documented bound are filled up to the JSON body limit.
 */
import { type SrtCue, formatSrt } from '../../../shared/srt.ts';
import { type Fixture, leftOut, referenceKind, rootArrayKind, sampleObject, sampleValue } from './fill.ts';
import { type Operation, type Schema, primaryOf, typesOf } from './openapi.ts';

/** Lists at least this long, and texts at least this long, are inputs a route may loop over. */
const LOOP_ITEMS = 10;
const LOOP_CHARS = 10_000;
/** Texts share most of the 1 MiB JSON body limit; an unbounded one takes what is left. */
const BODY_CHARS = 900_000;
const UNBOUNDED_ITEMS = 1_000;
/** List items are short by nature (keywords, channel ids): at most this long. */
const ITEM_CHARS = 100;

/** The fields of an operation's JSON body a route may loop over, described for the case name. */
export function loopingInputs(op: Operation): string[] {
  const out: string[] = [];
  const walk = (schema: Schema, path: string) => {
    const s = primaryOf(schema);
    for (const [key, raw] of Object.entries(s.properties ?? {})) {
      const prop = primaryOf(raw);
      const where = `${path}${key}`;
      const types = typesOf(prop);
      if (prop.format === 'binary') continue;
      if (types.includes('array') || (types.length === 0 && /_ids$/.test(key))) {
        if (prop.maxItems === undefined) out.push(`${where}: unbounded list`);
        else if (prop.maxItems >= LOOP_ITEMS) out.push(`${where}: ${prop.maxItems} items`);
        if (prop.items) walk(prop.items, `${where}[].`);
      } else if (types.includes('string') && !prop.enum && !prop.pattern) {
        if (prop.maxLength === undefined) out.push(`${where}: unbounded text`);
        else if (prop.maxLength >= LOOP_CHARS) out.push(`${where}: ${prop.maxLength} characters`);
      }
      if (prop.properties) walk(prop, `${where}.`);
    }
  };
  if (op.jsonBody) {
    const root = primaryOf(op.jsonBody);
    if (typesOf(root).includes('array')) out.push(`(root): ${root.maxItems ?? 'unbounded'} items`);
    walk(root, '');
  }
  return out;
}

/** A deterministic stream of lowercase words. */
function words(seed: number) {
  let x = seed >>> 0 || 1;
  const letter = () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return String.fromCharCode(97 + ((x >>> 16) % 26));
  };
  return (length: number) => Array.from({ length }, letter).join('');
}

/** Keywords as long as a segment allows, which cues never contain (no cheap exact or prefix hit). */
export function longKeywords(count: number, length: number): string[] {
  const next = words(7);
  return Array.from({ length: count }, () => `k${next(length - 1)}`);
}

/** An SRT of at most `chars` characters: cues of many long words (the costliest text to match keywords against). */
export function longCueSrt(chars: number): string {
  const next = words(11);
  const cues: SrtCue[] = [];
  // Each cue: nine 99-letter words, about 940 characters with its number and times.
  const count = Math.floor(chars / 945);
  for (let i = 0; i < count; i++)
    cues.push({ start: i * 2, end: i * 2 + 1, text: Array.from({ length: 9 }, () => next(99)).join(' ') });
  let srt = formatSrt(cues);
  while (srt.length > chars && cues.length) {
    cues.pop();
    srt = formatSrt(cues);
  }
  return srt;
}

/** Content for a text field filled to `chars` (an SRT where the field holds subtitles). */
function longText(name: string, chars: number): string {
  if (/srt/.test(name)) return longCueSrt(chars);
  return 'lorem ipsum dolor sit amet '.repeat(Math.ceil(chars / 27)).slice(0, chars);
}

function maximal(schema: Schema, name: string, fixture: Fixture, op: Operation, budget: { chars: number }): unknown {
  const s = primaryOf(schema);
  const types = typesOf(s);
  const kind = referenceKind(name, schema);
  if (name in fixture.named) return fixture.named[name];
  if (types.includes('array') || (types.length === 0 && /_ids$/.test(name))) {
    const item = () =>
      kind
        ? fixture.idOf(kind, op, name)
        : maximal(s.items ?? { type: 'string' }, name, fixture, op, { chars: ITEM_CHARS });
    return Array.from({ length: s.maxItems ?? UNBOUNDED_ITEMS }, item);
  }
  if (kind || s.enum || s.pattern || s.format) return sampleValue(schema, name, fixture, op);
  if (types.includes('string')) {
    const chars = Math.max(0, Math.min(s.maxLength ?? budget.chars, budget.chars));
    budget.chars -= chars;
    return longText(name, chars);
  }
  if (s.properties) {
    const base = sampleObject(s, fixture, op) as Record<string, unknown>;
    const props = Object.keys(s.properties);
    const grows = Object.entries(s.properties).filter(
      ([key, prop]) =>
        primaryOf(prop).format !== 'binary' &&
        !leftOut(key, props) &&
        loopingInputs({ ...op, jsonBody: { type: 'object', properties: { [key]: prop } } }).length > 0,
    );
    // Lists first: what they take leaves the rest of the body to the long texts.
    const lists = (prop: Schema) => Number(!typesOf(primaryOf(prop)).includes('array'));
    for (const [key, prop] of grows.sort(([, a], [, b]) => lists(a) - lists(b))) {
      base[key] = maximal(prop, key, fixture, op, budget);
      if (Array.isArray(base[key])) budget.chars -= JSON.stringify(base[key]).length;
    }
    return base;
  }
  return sampleValue(schema, name, fixture, op);
}

/** The operation's JSON body with every loopable field at its maximum (within the body limit). */
export function maximalBody(op: Operation, fixture: Fixture): unknown {
  if (!op.jsonBody) return undefined;
  const root = rootArrayKind(op);
  if (root)
    return Array.from({ length: primaryOf(op.jsonBody).maxItems ?? UNBOUNDED_ITEMS }, () => fixture.idOf(root, op, ''));
  return maximal(op.jsonBody, '', fixture, op, { chars: BODY_CHARS });
}
