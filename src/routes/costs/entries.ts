/** GET /api/v1/costs/all: every ledger entry of the active profile, cursor-paginated. */
import { createRoute, z } from '@hono/zod-openapi';
import { pageQuery } from '../../db/pagination.ts';
import { COST_SERVICES, listCosts } from '../../db/repos/costs.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { setNextPage } from '../../http/next-page.ts';
import { CostEntryResponse, tags, toEntry } from './presenter.ts';

export function costEntryRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'listCostEntries',
      path: '/costs/all',
      tags,
      security,
      summary: 'Every ledger entry of the active profile',
      description: 'Newest first, cursor-paginated.',
      request: {
        query: pageQuery.extend({
          service: z.enum(COST_SERVICES as ['elevenlabs', 'gemini']).optional(),
          job_id: z.string().max(64).optional(),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ entries: z.array(CostEntryResponse), next_cursor: z.string().nullable() }),
          'Entries',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await listCosts(c.get('scope'), query, query);
      setNextPage(c, page.nextCursor, query.limit);
      return c.json({ entries: page.items.map(toEntry), next_cursor: page.nextCursor }, 200);
    },
  );
}
