/**
 * Every route module builds its router here, so validation failures everywhere become the same
 * 400 `validation_failed` error with field paths, and trailing slashes are optional
 * (`/api/v1/profiles/` and `/api/v1/profiles` are the same route, as in the original).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../core/env.ts';
import { validationError } from '../core/errors.ts';

const targetNames: Record<string, string> = {
  json: 'request body',
  form: 'form data',
  query: 'query parameters',
  param: 'path parameters',
  header: 'headers',
  cookie: 'cookies',
};

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, targetNames[result.target]);
    },
  });
}
