/**
 * The processing routes. They read their body as a stream (so a file never sits in memory), which
 * `app.openapi()` validators would buffer; they are plain routes (router.ts `plainRoute`), documented
 * and typed here: multipart/form-data (files + fields) or JSON (ids instead of files).
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Schema } from 'hono';
import type { TenantContext, TenantEnv } from './context.ts';
import {
  budgetResponse,
  conflictResponse,
  errorResponse,
  errorResponses,
  rateLimitResponse,
  security,
  tooLargeResponse,
} from './openapi.ts';
import { type WithRoute, plainRoute } from './router.ts';

type JobResponses = Record<number, { description: string; schema?: z.ZodType }>;

export interface JobRouteDoc<
  P extends string = string,
  F extends z.ZodObject = z.ZodObject,
  R extends JobResponses = JobResponses,
  Params extends z.ZodObject | undefined = z.ZodObject | undefined,
> {
  operationId: string;
  path: P;
  tags: string[];
  summary: string;
  description: string;
  /** Text fields (shared by the form and the JSON body). */
  fields: F;
  /** File fields of the multipart form: name → description. */
  files?: Record<string, string>;
  /** 202 (job) and/or 200 (answered at once) bodies. */
  responses: R;
  params?: Params;
}

/** The errors every job route can answer, besides its router's. */
const jobErrors = {
  ...errorResponses,
  ...budgetResponse,
  ...conflictResponse,
  ...tooLargeResponse,
  415: errorResponse(415),
  422: errorResponse(422, 'The Idempotency-Key was used with a different body', ['idempotency_mismatch']),
  ...rateLimitResponse,
};

/** The route a job route documents, as a type: JSON body, params, and every response. */
type JobRouteConfig<P extends string, F extends z.ZodObject, R extends JobResponses, Params> = {
  method: 'post';
  path: P;
  request: { params: Params; body: { required: true; content: { 'application/json': { schema: F } } } };
  responses: {
    [S in keyof R]: R[S] extends { schema: infer B extends z.ZodType }
      ? { description: string; content: { 'application/json': { schema: B } } }
      : { description: string };
  } & typeof jobErrors;
};

const binary = (description: string) => z.string().openapi({ type: 'string', format: 'binary', description });

/** Registers a job-creating route: routed, guarded and documented from `doc`, handled by `handler`. */
export function jobRoute<
  S extends Schema,
  B extends string,
  P extends string,
  F extends z.ZodObject,
  R extends JobResponses,
  Params extends z.ZodObject | undefined = undefined,
>(
  router: OpenAPIHono<TenantEnv, S, B>,
  doc: JobRouteDoc<P, F, R, Params>,
  handler: (c: TenantContext) => Promise<Response>,
): WithRoute<OpenAPIHono<TenantEnv, S, B>, JobRouteConfig<P, F, R, Params>> {
  const fileShape = Object.fromEntries(
    Object.entries(doc.files ?? {}).map(([name, d]) => [name, binary(d).optional()]),
  );
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses))
    responses[status] = r.schema
      ? { description: r.description, content: { 'application/json': { schema: r.schema } } }
      : { description: r.description };
  const route = {
    method: 'post',
    path: doc.path,
    operationId: doc.operationId,
    tags: doc.tags,
    security,
    summary: doc.summary,
    description: `${doc.description}\n\nSend \`Idempotency-Key\` to make retries safe: the same key and body return the same job; a different body answers 422; a request still in flight 409.`,
    request: {
      ...(doc.params ? { params: doc.params } : {}),
      headers: z.object({ 'idempotency-key': z.string().max(255).optional() }),
      body: {
        required: true,
        content: {
          'multipart/form-data': { schema: doc.fields.extend(fileShape) },
          'application/json': { schema: doc.fields },
        },
      },
    },
    responses: { ...responses, ...jobErrors },
  };
  return plainRoute(router, route as unknown as JobRouteConfig<P, F, R, Params>, handler);
}
