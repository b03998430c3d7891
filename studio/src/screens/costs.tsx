/** Costs of the profile: spend over time, totals, the monthly budget, and what the providers are. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, Suspense, lazy, useMemo, useState } from 'react';
import { costs, profiles as profilesApi } from '../api/endpoints.ts';
import type { CostEntry } from '../api/types.ts';
import { ErrorText, formatUsd } from '../components/feedback.tsx';
import { DataTable } from '../components/fields.tsx';
import type { SpendSeries } from '../components/spend-chart.tsx';
import { useProfileId, useProfiles } from '../profiles/profile-context.tsx';

const SpendChart = lazy(() => import('../components/spend-chart.tsx'));
const DAY = 86_400;
/** How far back the chart reads the ledger (pages of 100 entries). */
const MAX_PAGES = 10;

async function recentEntries(): Promise<CostEntry[]> {
  const out: CostEntry[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await costs.entries(cursor);
    out.push(...res.entries);
    if (!res.next_cursor) break;
    cursor = res.next_cursor;
  }
  return out;
}

/** Spend per UTC day of the last 30 days. */
function dailySpend(entries: CostEntry[]): SpendSeries {
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  const days = Array.from({ length: 30 }, (_, i) => today - (29 - i) * DAY);
  const gemini = days.map(() => 0);
  const elevenlabs = days.map(() => 0);
  for (const e of entries) {
    const day = Math.floor(Date.parse(e.created_at) / 1000 / DAY) * DAY;
    const i = days.indexOf(day);
    if (i < 0) continue;
    (e.service === 'gemini' ? gemini : elevenlabs)[i]! += e.cost_usd;
  }
  return { days, gemini, elevenlabs };
}

export function CostsScreen() {
  const profileId = useProfileId();
  const { active } = useProfiles();
  const queryClient = useQueryClient();
  const summary = useQuery({ queryKey: [profileId, 'costs'], queryFn: costs.summary });
  const entries = useQuery({ queryKey: [profileId, 'cost-entries'], queryFn: recentEntries });
  const usage = useQuery({ queryKey: [profileId, 'usage'], queryFn: costs.usage });
  const [budget, setBudget] = useState(active.monthly_budget_usd?.toString() ?? '');
  const [saved, setSaved] = useState('');
  const [error, setError] = useState<unknown>(null);
  const series = useMemo(() => (entries.data ? dailySpend(entries.data) : null), [entries.data]);
  const s = summary.data;

  const saveBudget = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await profilesApi.update(active.id, { monthly_budget_usd: budget === '' ? null : Number(budget) });
      setSaved('Budget saved.');
      await queryClient.invalidateQueries({ queryKey: ['profiles'] });
      await queryClient.invalidateQueries({ queryKey: [profileId, 'costs'] });
    } catch (err) {
      setError(err);
    }
  };

  const total30 = series ? series.gemini.concat(series.elevenlabs).reduce((a, b) => a + b, 0) : 0;
  return (
    <>
      <h1>Costs</h1>
      <ErrorText error={summary.error ?? entries.error} />
      <section className="stats" aria-label="Spend">
        <div className="card stat">
          <h2 className="h3">Month to date</h2>
          <p className="figure">{s ? formatUsd(s.month_to_date.gemini + s.month_to_date.elevenlabs) : '–'}</p>
        </div>
        <div className="card stat">
          <h2 className="h3">Today</h2>
          <p className="figure">{s ? formatUsd(s.today.gemini + s.today.elevenlabs) : '–'}</p>
        </div>
        <div className="card stat">
          <h2 className="h3">All time</h2>
          <p className="figure">{s ? formatUsd(s.total_all) : '–'}</p>
          <p className="meta">{s?.entry_count ?? 0} charges</p>
        </div>
        <div className="card stat">
          <h2 className="h3">Budget left this month</h2>
          <p className="figure">{s?.monthly_budget_usd ? formatUsd(s.budget_remaining_usd) : 'no budget'}</p>
        </div>
      </section>
      <section className="card" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Spend per day, last 30 days</h2>
        {series ? (
          <Suspense fallback={<p>Loading the chart…</p>}>
            <SpendChart
              data={series}
              label={`Spend per day over the last 30 days: ${formatUsd(total30)} in all (Gemini in blue, ElevenLabs in red)`}
            />
          </Suspense>
        ) : (
          <p>Loading…</p>
        )}
      </section>
      <div className="two-columns">
        <form className="card" onSubmit={saveBudget} aria-label="Monthly budget">
          <h2>Monthly budget</h2>
          <label htmlFor="budget">Budget in USD (empty for none)</label>
          <input
            id="budget"
            type="number"
            min={0}
            step="0.01"
            value={budget}
            onChange={(e) => {
              setBudget(e.target.value);
              setSaved('');
            }}
          />
          <ErrorText error={error} />
          <div className="actions">
            <button type="submit">Save budget</button>
            <span role="status">{saved}</span>
          </div>
        </form>
        <section className="card" aria-labelledby="usage-heading">
          <h2 id="usage-heading">Providers</h2>
          {usage.data ? (
            <dl>
              <dt>Voice-over</dt>
              <dd>
                {usage.data.in_use.tts.provider} · {usage.data.in_use.tts.voice}
              </dd>
              <dt>Analysis</dt>
              <dd>
                {usage.data.in_use.analysis.engine}
                {usage.data.in_use.analysis.model ? ` · ${usage.data.in_use.analysis.model}` : ''}
              </dd>
            </dl>
          ) : (
            <ErrorText error={usage.error} />
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="entries-heading">
        <h2 id="entries-heading">Latest charges</h2>
        {entries.data?.length === 0 ? <p>No charges yet.</p> : null}
        <DataTable columns={['When', 'Provider', 'Operation', 'Units', 'Cost']}>
          {(entries.data ?? []).slice(0, 20).map((e) => (
            <tr key={e.id}>
              <td>{new Date(e.created_at).toLocaleString()}</td>
              <td>{e.service}</td>
              <td>{e.operation}</td>
              <td>
                {e.units} {e.unit}
              </td>
              <td>{formatUsd(e.cost_usd)}</td>
            </tr>
          ))}
        </DataTable>
      </section>
    </>
  );
}
