/** Shared OpenAPI pieces: the error envelope, standard error responses, common parameters. */
import { z } from '@hono/zod-openapi';
import { type ErrorCode, type ErrorStatus, type StatusOf, codesOf, errorCodes } from '../core/errors.ts';

/** The codes that may leave with status `S`. */
type CodeOf<S extends ErrorStatus> = { [C in ErrorCode]: S extends StatusOf<C> ? C : never }[ErrorCode];

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes).openapi({
        description: 'What went wrong, for programs; each error response lists the codes it can carry.',
        example: 'validation_failed',
      }),
      message: z.string().openapi({ example: 'Invalid request body: name: Required' }),
      request_id: z.string().openapi({ example: 'req_01jd2v4m8r0000000000000000' }),
      details: z
        .unknown()
        .optional()
        .openapi({ description: 'For validation errors: a list of `{path, message, code}`.' }),
    }),
  })
  .openapi('Error');

const errorDescriptions: Record<ErrorStatus, string> = {
  400: 'Malformed or invalid input (with field paths)',
  401: 'Missing or invalid bearer token',
  402: 'Monthly budget of the profile would be exceeded',
  403: 'Profile not owned by the caller, or a signed link that does not allow this',
  404: 'Not found in the active profile',
  405: 'Method not supported on this object',
  409: 'Conflicts with the current state',
  411: 'Content-Length missing',
  413: 'Body too large',
  415: 'Content-Type not accepted',
  416: 'Range not satisfiable',
  422: 'Understood but cannot be done',
  429: 'Per-profile limit reached',
  500: 'Internal error (details are logged, not returned)',
  502: 'A provider failed',
  503: 'A dependency is unavailable or not configured',
  504: 'A provider did not answer in time',
};

/**
 * The error response of a status: the one error schema, and the codes it carries (by default every
 * code the map in core/errors.ts gives this status).
 */
export const errorResponse = <S extends ErrorStatus>(
  status: S,
  description = errorDescriptions[status],
  codes: readonly CodeOf<S>[] = codesOf(status) as CodeOf<S>[],
) => ({
  description: `${description}. Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
  content: { 'application/json': { schema: ErrorSchema } },
});

export const errorResponses = {
  400: errorResponse(400),
  401: errorResponse(401),
  403: errorResponse(403),
  404: errorResponse(404),
};

export const conflictResponse = { 409: errorResponse(409) };
export const tooLargeResponse = { 413: errorResponse(413) };
export const rateLimitResponse = { 429: errorResponse(429) };
export const budgetResponse = { 402: errorResponse(402) };

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const profileHeader = z.object({
  'x-profile-id': z
    .string()
    .optional()
    .openapi({ description: "Active profile (brand). Defaults to the user's default profile." }),
});

export const security = [{ bearerAuth: [] }];
