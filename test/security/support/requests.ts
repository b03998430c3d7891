/**
 * A request for an operation, built from the document: its path, query, headers and JSON body
 * filled from a fixture (fill.ts). Pure, so the workerd cases and the e2e cases build alike.
 */
import { type Fixture, referenceKind, sampleBody, sampleValue } from './fill.ts';
import { type Operation, fillPath } from './openapi.ts';

export interface BuiltRequest {
  method: string;
  path: string;
  json?: unknown;
  headers: Record<string, string>;
}

export interface BuildOptions {
  /** Fill every optional body property (a modification attempt), not only required ones. */
  allProperties?: boolean;
  /** Fill query parameters that reference resources. */
  referenceQuery?: boolean;
  /** Which field of each exclusive group the body sends (support/fill.ts). */
  alternative?: number;
  /** Value of an `Idempotency-Key` header parameter. */
  idempotencyKey?: string;
}

export function buildRequest(op: Operation, fixture: Fixture, options: BuildOptions = {}): BuiltRequest {
  const pathValues: Record<string, string> = {};
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const kind = referenceKind(p.name, p.schema);
    if (p.in === 'path')
      pathValues[p.name] = kind ? fixture.idOf(kind, op, p.name) : String(sampleValue(p.schema, p.name, fixture, op));
    else if (p.in === 'query' && ((kind && options.referenceQuery) || (!kind && p.required)))
      query.set(p.name, String(kind ? fixture.idOf(kind, op, p.name) : sampleValue(p.schema, p.name, fixture, op)));
    else if (p.in === 'header' && p.name.toLowerCase() === 'idempotency-key' && options.idempotencyKey)
      headers['Idempotency-Key'] = options.idempotencyKey;
  }
  const search = query.size ? `?${query}` : '';
  return {
    method: op.method,
    path: fillPath(op.path, pathValues) + search,
    json: sampleBody(op, fixture, { allProperties: options.allProperties, alternative: options.alternative }),
    headers,
  };
}
