/** The `delete_after` field of update bodies (source videos, clips, jobs) and of their responses. */
import { z } from '@hono/zod-openapi';

export const deleteAfterField = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .nullable()
  .optional()
  .openapi({
    description:
      'Scheduled deletion (ISO 8601): the hourly retention run deletes it at or after this time, unless something still needs it (docs/api.md#retention). `null` clears it.',
    example: '2027-01-31T00:00:00Z',
  });

export const deleteAfterOutput = z
  .string()
  .nullable()
  .openapi({ description: 'Scheduled deletion (ISO 8601), or null', example: '2027-01-31T00:00:00.000Z' });
