/**
 * OpenAPI for the processing routes. They read their body as a stream (so a file never sits in
 * memory), which `app.openapi()` validators would buffer; they are registered with plain handlers
 * and documented here: multipart/form-data (files + fields) or JSON (ids instead of files).
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { TenantEnv } from './context.ts';
import {
  budgetResponse,
  conflictResponse,
  errorResponses,
  jsonContent,
  rateLimitResponse,
  security,
  tooLargeResponse,
} from './openapi.ts';

export interface JobRouteDoc {
  path: string;
  tags: string[];
  summary: string;
  description: string;
  /** Text fields (shared by the form and the JSON body). */
  fields: z.ZodObject;
  /** File fields of the multipart form: name → description. */
  files?: Record<string, string>;
  /** 202 (job) and/or 200 (answered at once) bodies. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  params?: z.ZodObject;
}

const binary = (description: string) => z.string().openapi({ type: 'string', format: 'binary', description });

export function documentJobRoute(app: OpenAPIHono<TenantEnv>, doc: JobRouteDoc) {
  const fileShape = Object.fromEntries(
    Object.entries(doc.files ?? {}).map(([name, d]) => [name, binary(d).optional()]),
  );
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses))
    responses[status] = r.schema ? jsonContent(r.schema, r.description) : { description: r.description };
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: doc.path,
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
    responses: {
      ...responses,
      ...errorResponses,
      ...budgetResponse,
      ...conflictResponse,
      ...tooLargeResponse,
      ...rateLimitResponse,
    } as never,
  });
}
