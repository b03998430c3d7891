/** Shared OpenAPI pieces: the error envelope, standard error responses, common parameters. */
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string().openapi({ example: 'Invalid request body: name: Required' }),
      request_id: z.string().openapi({ example: 'req_01jd2v4m8r0000000000000000' }),
      details: z
        .unknown()
        .optional()
        .openapi({ description: 'For validation errors: a list of `{path, message, code}`.' }),
    }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

export const errorResponses = {
  400: errorResponse('Malformed or invalid input (with field paths)'),
  401: errorResponse('Missing or invalid bearer token'),
  403: errorResponse('Profile not owned by the caller'),
  404: errorResponse('Not found in the active profile'),
} as const;

export const conflictResponse = { 409: errorResponse('Conflicts with the current state') } as const;
export const tooLargeResponse = { 413: errorResponse('Body too large') } as const;
export const rateLimitResponse = { 429: errorResponse('Per-profile limit reached') } as const;
export const budgetResponse = { 402: errorResponse('Monthly budget of the profile would be exceeded') } as const;

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
