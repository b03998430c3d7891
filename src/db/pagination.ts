/**
 * Cursor pagination over time-ordered ids (see lib/ids.ts): newest first, `cursor` is the last id of
 * the previous page. Pages are capped at 100 items.
 */
import { z } from '@hono/zod-openapi';
import { idSchema } from '../core/ids.ts';

export const MAX_PAGE_SIZE = 100;

export const pageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(50)
    .openapi({
      description: `Items per page (1–${MAX_PAGE_SIZE}).`,
    }),
  cursor: idSchema('any', 'must be a cursor returned by a previous page')
    .optional()
    .openapi({ description: 'Opaque cursor from `next_cursor` of the previous page.' }),
});
export type PageQuery = z.infer<typeof pageQuery>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Given `limit + 1` rows fetched newest first, cut the page and compute its next cursor. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? last.id : null };
}
