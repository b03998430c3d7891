/** GET /api/v1/costs: the active profile's AI cost summary against its monthly budget. */
import { createRoute, z } from '@hono/zod-openapi';
import { costSummary, round } from '../../db/repos/costs.ts';
import { getScopeProfile } from '../../db/repos/profiles.ts';
import { errorResponses, jsonContent, security } from '../../http/openapi.ts';
import { createTenantRouter } from '../../http/router.ts';
import { CostEntryResponse, tags, toEntry } from './presenter.ts';

const ByService = z.object({ elevenlabs: z.number(), gemini: z.number() });
export function costSummaryRoutes() {
  return createTenantRouter().openapi(
    createRoute({
      method: 'get',
      operationId: 'getCostSummary',
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
}
