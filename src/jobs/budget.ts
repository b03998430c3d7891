/**
 * Monthly AI budget per profile: a job that would push this month's spend past the profile's
 * `monthly_budget_usd` is refused with 402 and the figures, before anything is queued.
 */
import { monthToDateSpend, round } from '../db/repos/costs.ts';
import { getScopeProfile } from '../db/repos/profiles.ts';
import type { ProfileScope } from '../db/scope.ts';
import { ApiError } from '../core/errors.ts';

export async function assertWithinBudget(scope: ProfileScope, estimatedUsd: number): Promise<void> {
  const budget = (await getScopeProfile(scope)).monthlyBudgetUsd;
  if (budget === null || budget === undefined) return;
  const spent = await monthToDateSpend(scope);
  if (spent + estimatedUsd > budget) {
    throw new ApiError(
      402,
      'budget_exceeded',
      `This job would exceed the profile's monthly budget of $${budget.toFixed(2)}`,
      {
        details: {
          monthly_budget_usd: budget,
          spent_this_month_usd: spent,
          estimated_cost_usd: round(estimatedUsd),
          remaining_usd: round(Math.max(0, budget - spent)),
        },
      },
    );
  }
}
