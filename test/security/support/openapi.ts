/**
 * Reading the API's own OpenAPI document (`/openapi.json`): its operations, their parameters and
 * request bodies with `$ref`s resolved. The attack suite generates its cases from this, so a route
 * added later is attacked without a test written for it. Pure: runs in workerd and in Node.
 */

/** The subset of JSON Schema the document uses. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  example?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  description?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** Documented path, e.g. `/api/v1/segments/{id}`. */
  path: string;
  operationId?: string;
  /** Needs a bearer token (the operation lists a security requirement). */
  authenticated: boolean;
  parameters: Parameter[];
  /** Request body media types, in the document's order. */
  bodyTypes: string[];
  /** The JSON request body's schema ($refs resolved), when the operation takes JSON. */
  jsonBody?: Schema;
  bodyRequired: boolean;
  /** The status codes the operation documents. */
  statuses: number[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface RawOperation {
  operationId?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
}

const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);

/** A schema with every `$ref` replaced by its target (cycles are cut at the second visit). */
export function resolveSchema(doc: OpenApiDocument, schema: Schema, seen: Set<string> = new Set()): Schema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return {};
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return resolveSchema(doc, target, new Set([...seen, name]));
  }
  const out: Schema = { ...schema };
  if (schema.properties)
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, resolveSchema(doc, v, seen)]),
    );
  if (schema.items) out.items = resolveSchema(doc, schema.items, seen);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (schema[key]) out[key] = schema[key]!.map((s) => resolveSchema(doc, s, seen));
  }
  if (schema.allOf) {
    // Merge `allOf` members into one object schema (the document uses it to extend objects).
    for (const member of out.allOf!) {
      out.properties = { ...out.properties, ...member.properties };
      out.required = [...(out.required ?? []), ...(member.required ?? [])];
      out.type ??= member.type;
    }
    delete out.allOf;
  }
  return out;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const content = raw.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: raw.operationId,
        authenticated: (raw.security ?? []).length > 0,
        parameters: (raw.parameters ?? []).map((p) => ({ ...p, schema: resolveSchema(doc, p.schema ?? {}) })),
        bodyTypes: Object.keys(content),
        jsonBody: json ? resolveSchema(doc, json) : undefined,
        bodyRequired: raw.requestBody?.required ?? false,
        statuses: Object.keys(raw.responses ?? {}).map(Number),
      });
    }
  }
  return out;
}

/** How cases name an operation: method and path, and the operationId when the document has one. */
export function labelOf(op: Pick<Operation, 'method' | 'path' | 'operationId'>): string {
  return `${op.method} ${op.path}${op.operationId ? ` (${op.operationId})` : ''}`;
}

/** The JSON types a schema admits (`[]` when it admits anything). */
export function typesOf(schema: Schema): string[] {
  if (schema.anyOf || schema.oneOf) return [...new Set((schema.anyOf ?? schema.oneOf)!.flatMap(typesOf))];
  if (schema.enum) return [...new Set(schema.enum.map((v) => (v === null ? 'null' : typeof v)))];
  if (schema.type === undefined) return schema.properties ? ['object'] : [];
  const types = [schema.type].flat();
  // JSON has no separate integer type.
  return types.includes('integer') ? [...new Set([...types.filter((t) => t !== 'integer'), 'number'])] : types;
}

/** The first non-null alternative of a schema (for building a value of it). */
export function primaryOf(schema: Schema): Schema {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives)
    return primaryOf(alternatives.find((s) => typesOf(s).some((t) => t !== 'null')) ?? alternatives[0]!);
  if (Array.isArray(schema.type)) return { ...schema, type: schema.type.find((t) => t !== 'null') ?? 'null' };
  return schema;
}

/** `/api/v1/clips/{clip_id}` with values for its path parameters. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}

/** Every id (`vid_…`, `seg_…`) in a text. */
export function idsIn(text: string): string[] {
  return [...new Set(text.match(/\b[a-z]{3}_[0-9a-z]{26}\b/g) ?? [])];
}
