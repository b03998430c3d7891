/**
 * The per-profile cost ledger: append-only rows, one per billable provider call. A `call_key`
 * (e.g. `job_…:tts`) makes writes idempotent, so a redelivered job never bills twice.
 */
import { desc, eq, gte, lt, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import { type PageQuery, toPage } from '../pagination.ts';
import { apiCosts } from '../schema.ts';
import { type ProfileScope, owned, stamped } from '../scope.ts';

export type CostRow = typeof apiCosts.$inferSelect;
export type CostService = CostRow['service'];
export const COST_SERVICES: CostService[] = ['elevenlabs', 'gemini'];

export interface CostEntry {
  jobId?: string | null;
  service: CostService;
  operation: string;
  units: number;
  unit: string;
  unitPriceUsd: number;
  costUsd: number;
  model?: string | null;
  requestId?: string | null;
  /** Stable key of the call within its job; a second write with the same key is ignored. */
  callKey: string;
  details?: Record<string, unknown>;
}

export async function recordCost(scope: ProfileScope, entry: CostEntry): Promise<boolean> {
  const rows = await scope.db
    .insert(apiCosts)
    .values(stamped(scope, { id: newId('cost'), ...entry }))
    .onConflictDoNothing()
    .returning({ id: apiCosts.id });
  return rows.length === 1;
}

async function totalsSince(scope: ProfileScope, sinceIso?: string): Promise<Record<CostService, number>> {
  const rows = await scope.db
    .select({ service: apiCosts.service, total: sql<number>`coalesce(sum(${apiCosts.costUsd}), 0)` })
    .from(apiCosts)
    .where(owned(apiCosts, scope, sinceIso ? gte(apiCosts.createdAt, sinceIso) : undefined))
    .groupBy(apiCosts.service);
  const out = { elevenlabs: 0, gemini: 0 } as Record<CostService, number>;
  for (const r of rows) out[r.service] = round(r.total);
  return out;
}

export const round = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000;

export function startOfUtcDay(d = new Date()): string {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toISOString();
}
export function startOfUtcMonth(d = new Date()): string {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
}

export async function monthToDateSpend(scope: ProfileScope): Promise<number> {
  const t = await totalsSince(scope, startOfUtcMonth());
  return round(t.elevenlabs + t.gemini);
}

export async function costSummary(scope: ProfileScope) {
  const [totals, today, month, count, last] = await Promise.all([
    totalsSince(scope),
    totalsSince(scope, startOfUtcDay()),
    totalsSince(scope, startOfUtcMonth()),
    scope.db.select({ n: sql<number>`count(*)` }).from(apiCosts).where(owned(apiCosts, scope)),
    scope.db.query.apiCosts.findMany({ where: owned(apiCosts, scope), orderBy: desc(apiCosts.id), limit: 10 }),
  ]);
  return { totals, today, month, entryCount: count[0]?.n ?? 0, lastEntries: last };
}

export async function listCosts(
  scope: ProfileScope,
  filters: { service?: CostService; job_id?: string },
  page: PageQuery,
) {
  const rows = await scope.db.query.apiCosts.findMany({
    where: owned(
      apiCosts,
      scope,
      filters.service ? eq(apiCosts.service, filters.service) : undefined,
      filters.job_id ? eq(apiCosts.jobId, filters.job_id) : undefined,
      page.cursor ? lt(apiCosts.id, page.cursor) : undefined,
    ),
    orderBy: desc(apiCosts.id),
    limit: page.limit + 1,
  });
  return toPage(rows, page.limit);
}
