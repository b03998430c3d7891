/** /api/v1/costs and /costs/all: the active profile's AI cost ledger (original §1.2, §5.7). */
import { createRoute, z } from '@hono/zod-openapi';
import { pageQuery } from '../db/pagination.ts';
import { type CostRow, COST_SERVICES, costSummary, listCosts, round } from '../db/repos/costs.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import { errorResponses, jsonContent, security } from '../http/openapi.ts';
import { createTenantRouter } from '../http/tenant-router.ts';

const CostEntryResponse = z
  .object({
    id: z.string(),
    job_id: z.string().nullable(),
    service: z.enum(['elevenlabs', 'gemini']),
    operation: z.string(),
    units: z.number(),
    unit: z.string(),
    unit_price_usd: z.number(),
    cost_usd: z.number(),
    estimated_cost: z.number().openapi({ description: 'Same as cost_usd (the original field name).' }),
    model: z.string().nullable(),
    request_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
  })
  .openapi('CostEntry');

function toEntry(r: CostRow): z.infer<typeof CostEntryResponse> {
  return {
    id: r.id,
    job_id: r.jobId,
    service: r.service,
    operation: r.operation,
    units: r.units,
    unit: r.unit,
    unit_price_usd: r.unitPriceUsd,
    cost_usd: r.costUsd,
    estimated_cost: r.costUsd,
    model: r.model,
    request_id: r.requestId,
    details: r.details,
    created_at: r.createdAt,
  };
}

const ByService = z.object({ elevenlabs: z.number(), gemini: z.number() });
const tags = ['Costs'];

export function costRoutes() {
  const app = createTenantRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/costs',
      tags,
      security,
      summary: 'Cost summary of the active profile',
      responses: {
        200: jsonContent(
          z.object({
            source: z.literal('d1'),
            totals: ByService,
            total_all: z.number(),
            today: ByService,
            month_to_date: ByService,
            monthly_budget_usd: z.number().nullable(),
            budget_remaining_usd: z.number().nullable(),
            entry_count: z.number().int(),
            last_entries: z.array(CostEntryResponse),
          }),
          'Summary',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = c.get('scope');
      const s = await costSummary(scope);
      const budget = (await getScopeProfile(scope)).monthlyBudgetUsd;
      const monthTotal = s.month.elevenlabs + s.month.gemini;
      return c.json(
        {
          source: 'd1' as const,
          totals: s.totals,
          total_all: round(s.totals.elevenlabs + s.totals.gemini),
          today: s.today,
          month_to_date: s.month,
          monthly_budget_usd: budget,
          budget_remaining_usd: budget === null ? null : round(Math.max(0, budget - monthTotal)),
          entry_count: s.entryCount,
          last_entries: s.lastEntries.map(toEntry),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/costs/all',
      tags,
      security,
      summary: 'Every ledger entry of the active profile',
      description: 'Newest first, cursor-paginated.',
      request: { query: pageQuery.extend({ service: z.enum(COST_SERVICES as ['elevenlabs', 'gemini']).optional(), job_id: z.string().max(64).optional() }) },
      responses: {
        200: jsonContent(z.object({ entries: z.array(CostEntryResponse), next_cursor: z.string().nullable() }), 'Entries'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await listCosts(c.get('scope'), query, query);
      if (page.nextCursor) c.header('X-Next-Cursor', page.nextCursor);
      return c.json({ entries: page.items.map(toEntry), next_cursor: page.nextCursor }, 200);
    },
  );

  return app;
}
