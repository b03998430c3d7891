/**
 * zod helpers for routes that take the original's multipart form fields (every value a string)
 * or the same fields as JSON (real numbers, booleans, arrays, objects), and reading such a form
 * when it holds fields only.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../core/errors.ts';
import { MAX_JSON_BODY_BYTES } from '../core/limits.ts';

/**
 * A form of fields only (no file is expected), read whole: its declared length must be at most
 * MAX_JSON_BODY_BYTES (413), as for JSON bodies, because the form is buffered. Multipart bodies are
 * otherwise not bounded by the body-size middleware (uploads stream), so this is where such a
 * form gets its bound.
 */
export async function readFieldsForm(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  const length = Number(c.req.header('Content-Length'));
  if (!c.req.header('Content-Length') || !Number.isSafeInteger(length))
    throw new ApiError(411, 'length_required', 'Content-Length is required');
  if (length > MAX_JSON_BODY_BYTES)
    throw new ApiError(413, 'payload_too_large', `Request body exceeds ${MAX_JSON_BODY_BYTES} bytes`);
  return c.req.parseBody({ all: true });
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** A boolean, or a form string: true/1/yes/on, false/0/no/off (the original's truthy set). */
export const formBoolean = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be true or false' });
  return z.NEVER;
});

/** A number, or a form string holding one. */
export const formNumber = z.union([z.number(), z.string().trim().min(1)]).pipe(z.coerce.number());

/** A value given as JSON (object/array) or, in a form, as a JSON string; validated by `schema`. */
export function formJson<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .transform((value, ctx) => {
      if (typeof value !== 'string') return value;
      if (!value.trim()) return undefined;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A comma-separated list in a form, or an array of strings in JSON. */
export const formList = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean));

/** An optional text: empty strings count as absent. */
export const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .nullable()
    .transform((v) => (v?.trim() ? v.trim() : null));
