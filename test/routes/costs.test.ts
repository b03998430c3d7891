import { describe, expect, it } from 'vitest';
import { recordCost } from '../../src/db/repos/costs.ts';
import { assertWithinBudget } from '../../src/jobs/budget.ts';
import { expectCrossProfileIsolation } from '../helpers/worker/cross-profile.ts';
import { scopeOf } from '../helpers/worker/seed.ts';
import { as, seedUser } from '../helpers/worker/tenants.ts';

const entry = (i: number, service: 'elevenlabs' | 'gemini', cost: number) => ({
  service,
  operation: service === 'elevenlabs' ? 'tts' : 'video_analysis',
  units: 100 * i,
  unit: service === 'elevenlabs' ? 'characters' : 'tokens',
  unitPriceUsd: 0.0001,
  costUsd: cost,
  model: service === 'elevenlabs' ? 'eleven_flash_v2_5' : 'gemini-2.5-flash',
  callKey: `test:${service}:${i}`,
});

describe('/api/v1/costs', () => {
  it('summarises the ledger per service, today and this month', async () => {
    const user = await seedUser('costs');
    const scope = scopeOf(user);
    await recordCost(scope, entry(1, 'elevenlabs', 0.05));
    await recordCost(scope, entry(2, 'elevenlabs', 0.1));
    await recordCost(scope, entry(3, 'gemini', 0.0123));
    const res = await as(user)('/api/v1/costs');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      source: 'd1',
      totals: { elevenlabs: 0.15, gemini: 0.0123 },
      total_all: 0.1623,
      today: { elevenlabs: 0.15, gemini: 0.0123 },
      entry_count: 3,
      monthly_budget_usd: null,
    });
    expect(res.body.last_entries[0]).toMatchObject({
      service: 'gemini',
      cost_usd: 0.0123,
      estimated_cost: 0.0123,
      model: 'gemini-2.5-flash',
    });
  });

  it('writes a call once even when it is recorded twice (redelivery)', async () => {
    const user = await seedUser('costs');
    const scope = scopeOf(user);
    expect(await recordCost(scope, entry(1, 'gemini', 0.01))).toBe(true);
    expect(await recordCost(scope, entry(1, 'gemini', 0.01))).toBe(false);
    expect((await as(user)('/api/v1/costs')).body.entry_count).toBe(1);
  });

  it('pages through every entry with filters', async () => {
    const user = await seedUser('costs');
    const scope = scopeOf(user);
    for (let i = 1; i <= 3; i++) await recordCost(scope, entry(i, i === 2 ? 'gemini' : 'elevenlabs', 0.01));
    const api = as(user);
    const first = await api('/api/v1/costs/all?limit=2');
    expect(first.body.entries).toHaveLength(2);
    const rest = await api(`/api/v1/costs/all?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body.entries).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();
    expect((await api('/api/v1/costs/all?service=gemini')).body.entries.map((e: any) => e.units)).toEqual([200]);
  });

  it('refuses work beyond the monthly budget with the figures (402)', async () => {
    const user = await seedUser('costs');
    await as(user)(`/api/v1/profiles/${user.profileId}`, { method: 'PATCH', json: { monthly_budget_usd: 1 } });
    const scope = scopeOf(user);
    await recordCost(scope, entry(1, 'elevenlabs', 0.9));
    await expect(assertWithinBudget(scope, 0.05)).resolves.toBeUndefined();
    await expect(assertWithinBudget(scope, 0.2)).rejects.toMatchObject({
      status: 402,
      code: 'budget_exceeded',
      details: { monthly_budget_usd: 1, spent_this_month_usd: 0.9, estimated_cost_usd: 0.2, remaining_usd: 0.1 },
    });
    expect((await as(user)('/api/v1/costs')).body).toMatchObject({ monthly_budget_usd: 1, budget_remaining_usd: 0.1 });
  });

  it('never shows another profile’s costs', async () => {
    const user = await seedUser('costs');
    const scope = scopeOf(user);
    await recordCost(scope, entry(1, 'gemini', 0.5));
    const [row] = (await as(user)('/api/v1/costs/all')).body.entries;
    await expectCrossProfileIsolation(
      user,
      [],
      [
        { path: '/api/v1/costs/all', ids: [row.id], extract: (b) => b.entries.map((e: any) => e.id) },
        { path: '/api/v1/costs', ids: [row.id], extract: (b) => b.last_entries.map((e: any) => e.id) },
      ],
    );
  });
});
