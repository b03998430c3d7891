/**
 * Id path parameters and the routing paths built from them. A route is documented as
 * `/segments/{id}` and routed as `/segments/:id{seg_[^/]+}`: the id's kind prefix is part of the
 * pattern, so `/segments/{id}` can never match `/segments/source-videos` and neither mount nor
 * registration order decides which route a request reaches (test/unit/route-overlap.test.ts checks
 * every pair). The rest of the id is left to the handler, so a malformed `seg_…` id still gets the
 * handler's own answer (400 when too long, 404 when unknown), as before.
 */
import { z } from '@hono/zod-openapi';
import { type IdKind, idPrefixes } from '../core/ids.ts';

const kindOfField = new WeakMap<z.ZodType, IdKind>();

/** The routing grammar of an id of this kind: its prefix, then anything up to the next `/`. */
export const idRouteSource = (kind: IdKind) => `${idPrefixes[kind]}_[^/]+`;

/** `{name}` path parameter holding an id of `kind`. */
export function idParam<N extends string>(
  name: N,
  kind: IdKind,
  example = `${idPrefixes[kind]}_01jd2v4m8r0000000000000000`,
) {
  const field = z
    .string()
    .min(1)
    .max(64)
    // The pattern documents what routing already requires (the kind's prefix); it validates nothing.
    .openapi({ param: { name, in: 'path' }, example, pattern: `^${idPrefixes[kind]}_[^/]+$` });
  kindOfField.set(field, kind);
  return z.object({ [name]: field } as Record<N, typeof field>);
}

/** The id kind of every parameter declared with `idParam` in a params object. */
export function idKindsOf(params: unknown): Record<string, IdKind> {
  const out: Record<string, IdKind> = {};
  if (!(params instanceof z.ZodObject)) return out;
  for (const [name, field] of Object.entries(params.shape as Record<string, z.ZodType>)) {
    const kind = kindOfField.get(field);
    if (kind) out[name] = kind;
  }
  return out;
}

type PathParams<P extends string> = P extends `${string}{${infer N}}${infer R}` ? N | PathParams<R> : never;
export type HonoPath<P extends string> = P extends `${infer A}{${infer N}}${infer R}` ? `${A}:${N}${HonoPath<R>}` : P;

/**
 * The routing path of a documented path: every `{name}` becomes `:name{<its id grammar>}`. A
 * parameter without an id kind is refused, so every routed parameter keeps routes apart.
 */
export function routingPath<P extends string>(path: P, ids: Record<PathParams<P>, IdKind>): HonoPath<P> {
  const kinds = ids as Record<string, IdKind>;
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const kind = kinds[name];
    if (!kind) throw new Error(`${path}: path parameter {${name}} has no id kind`);
    return `:${name}{${idRouteSource(kind)}}`;
  }) as HonoPath<P>;
}

/** The route pattern as written in the API (`/jobs/:job_id`), without the routing grammars. */
export const withoutGrammars = (routePath: string) => routePath.replace(/\{[^}]+\}/g, '');
