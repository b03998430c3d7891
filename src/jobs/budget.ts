/**
 * Monthly AI budget per profile: a job that would push this month's spend (plus what active jobs
 * are estimated to bill) past the profile's `monthly_budget_usd` is refused with 402 and the
 * figures, before anything is queued.
 */
import { monthToDateSpend, round } from '../db/repos/costs.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { ProfileScope } from '../db/scope.ts';
import { ApiError } from '../core/errors.ts';

/** 402 with the figures: the budget, what was billed this month, what active jobs hold, this estimate. */
export function budgetExceeded(
  budget: number,
  figures: { spent: number; reserved?: number; estimate: number },
): ApiError {
  const held = figures.spent + (figures.reserved ?? 0);
  return new ApiError(
    402,
    'budget_exceeded',
    `This job would exceed the profile's monthly budget of $${budget.toFixed(2)}`,
    {
      details: {
        monthly_budget_usd: budget,
        spent_this_month_usd: figures.spent,
        ...(figures.reserved ? { reserved_by_active_jobs_usd: round(figures.reserved) } : {}),
        estimated_cost_usd: round(figures.estimate),
        remaining_usd: round(Math.max(0, budget - held)),
      },
    },
  );
}

/**
 * The early check a route makes before queueing: 402 when this month's spend plus the estimate is
 * over the budget. The job insert then holds the estimate against the budget atomically
 * (`enqueueJob`'s `estimatedCostUsd`), so concurrent requests cannot overspend it together.
 */
export async function assertWithinBudget(scope: ProfileScope, estimatedUsd: number): Promise<void> {
  const budget = (await getScopeProfile(scope)).monthlyBudgetUsd;
  if (budget === null || budget === undefined) return;
  const spent = await monthToDateSpend(scope);
  if (spent + estimatedUsd > budget) throw budgetExceeded(budget, { spent, estimate: estimatedUsd });
}
