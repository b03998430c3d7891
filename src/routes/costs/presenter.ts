/** The API shape of a cost ledger entry (original docs/compatibility.md#cost-tracking). */
import { z } from '@hono/zod-openapi';
import type { CostRow } from '../../db/repos/costs.ts';

export const tags = ['Costs'];

export const CostEntryResponse = z
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

export function toEntry(r: CostRow): z.infer<typeof CostEntryResponse> {
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
