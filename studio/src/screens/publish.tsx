/**
 * Publish clips through Postiz: the profile's channels, a caption with each chosen platform's length
 * limit counted live, now or scheduled (several clips go out at an interval, the date from a
 * channel's next free slot if wanted) or as a draft to approve, then each clip's progress and its
 * per-post results with approve / withdraw.
 */
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { clips as clipsApi, postiz } from '../api/endpoints.ts';
import type { PublishResponse } from '../api/types.ts';
import { ErrorText, JobProgress, StatusBadge, clipName } from '../components/feedback.tsx';
import { DataTable } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';

export function PublishScreen() {
  const profileId = useProfileId();
  const clipIds = new URLSearchParams(useSearch()).getAll('clip');
  const status = useQuery({ queryKey: [profileId, 'postiz-status'], queryFn: postiz.status });
  const integrations = useQuery({
    queryKey: [profileId, 'postiz-integrations'],
    queryFn: postiz.integrations,
    enabled: status.data?.configured === true,
  });
  const clipQueries = useQueries({
    queries: clipIds.map((id) => ({ queryKey: [profileId, 'clip', id], queryFn: () => clipsApi.get(id) })),
  });
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [caption, setCaption] = useState('');
  const [when, setWhen] = useState<'now' | 'schedule'>('now');
  const [date, setDate] = useState('');
  const [interval, setInterval] = useState('30');
  const [draft, setDraft] = useState(false);
  const [result, setResult] = useState<PublishResponse | null>(null);
  const [finished, setFinished] = useState(0);
  const [error, setError] = useState<unknown>(null);

  const channels = (integrations.data ?? []).filter((i) => !i.disabled);
  const selected = channels.filter((c) => chosen.has(c.id));
  const tooLong = selected.filter((c) => c.max_caption_length !== null && caption.length > c.max_caption_length);

  const publish = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const schedule = when === 'schedule' && date ? new Date(date).toISOString() : undefined;
      const integration_ids = selected.map((c) => c.id);
      const res =
        clipIds.length === 1
          ? await postiz.publish({ clip_id: clipIds[0]!, caption, integration_ids, schedule_date: schedule, draft })
          : await postiz.bulkPublish({
              clip_ids: clipIds,
              caption,
              integration_ids,
              schedule_date: schedule,
              schedule_interval_minutes: Number(interval),
              draft,
            });
      setFinished(0);
      setResult(res);
    } catch (err) {
      setError(err);
    }
  };

  if (clipIds.length === 0)
    return (
      <>
        <h1>Publish</h1>
        <p>
          Choose clips to publish from a <Link href="/projects">project</Link>.
        </p>
      </>
    );
  return (
    <>
      <h1>Publish</h1>
      <p>
        {clipIds.length === 1 ? 'Clip' : `${clipIds.length} clips`}:{' '}
        {clipQueries.map((q, i) => (q.data ? clipName(q.data.clip) : clipIds[i])).join(', ')}
      </p>
      {status.data && !status.data.configured ? (
        <p role="alert">
          Postiz is not connected for this profile. Set it up through the API (PUT /api/v1/postiz/config).
        </p>
      ) : null}
      {status.data?.error ? <p className="error">{status.data.error}</p> : null}
      <form className="card" onSubmit={publish} aria-label="Publish">
        <fieldset>
          <legend>Channels</legend>
          {integrations.isPending && status.data?.configured ? <p>Loading channels…</p> : null}
          <ErrorText error={integrations.error} />
          {channels.map((c) => (
            <label key={c.id} className="checkbox">
              <input
                type="checkbox"
                checked={chosen.has(c.id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(c.id);
                  else next.delete(c.id);
                  setChosen(next);
                }}
              />{' '}
              {c.name} ({c.provider}
              {c.identifier ? ` · ${c.identifier}` : ''})
            </label>
          ))}
        </fieldset>
        <label htmlFor="caption">Caption</label>
        <textarea id="caption" rows={4} value={caption} onChange={(e) => setCaption(e.target.value)} required />
        <ul className="limits" aria-label="Caption length per platform">
          {selected.map((c) => (
            <li key={c.id} className={tooLong.includes(c) ? 'over' : undefined}>
              {c.name}: {caption.length}
              {c.max_caption_length !== null ? ` / ${c.max_caption_length}` : ''}
              {tooLong.includes(c) ? ' (too long)' : ''}
            </li>
          ))}
        </ul>
        <fieldset>
          <legend>When</legend>
          <label className="checkbox">
            <input type="radio" name="when" checked={when === 'now'} onChange={() => setWhen('now')} /> Now
          </label>
          <label className="checkbox">
            <input type="radio" name="when" checked={when === 'schedule'} onChange={() => setWhen('schedule')} /> At a
            time
          </label>
          {when === 'schedule' ? (
            <>
              <label htmlFor="schedule-date">Date and time</label>
              <input
                id="schedule-date"
                type="datetime-local"
                value={date}
                onChange={(e) => setDate(e.target.value)}
                required
              />
              <button
                type="button"
                disabled={!selected.length}
                onClick={async () => {
                  setError(null);
                  try {
                    const { slots } = await postiz.findSlot(selected[0]!.id);
                    setDate(toLocalInput(slots[0]!.date));
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                Next free slot{selected[0] ? ` on ${selected[0].name}` : ''}
              </button>
            </>
          ) : null}
          {clipIds.length > 1 ? (
            <>
              <label htmlFor="schedule-interval">Minutes between posts</label>
              <input
                id="schedule-interval"
                type="number"
                min={0}
                max={10080}
                value={interval}
                onChange={(e) => setInterval(e.target.value)}
              />
            </>
          ) : null}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={draft} onChange={(e) => setDraft(e.target.checked)} /> Create as a draft
          (approve it later)
        </label>
        <ErrorText error={error} />
        <button
          type="submit"
          disabled={!selected.length || tooLong.length > 0 || Boolean(result && finished < result.clips.length)}
        >
          {draft ? 'Create draft' : when === 'now' ? 'Publish now' : 'Schedule'}
        </button>
      </form>
      {result ? (
        <section className="card" aria-labelledby="publish-progress">
          <h2 id="publish-progress">Progress</h2>
          {result.clips.map((c) => (
            <div key={c.job_id}>
              <JobProgress
                jobId={c.job_id}
                label={`Publishing ${clipNameOf(clipQueries, clipIds, c.clip_id)}`}
                onFinish={() => setFinished((n) => n + 1)}
              />
            </div>
          ))}
          {finished >= result.clips.length
            ? result.clips.map((c) => (
                <Publications key={c.clip_id} clipId={c.clip_id} label={clipNameOf(clipQueries, clipIds, c.clip_id)} />
              ))
            : null}
        </section>
      ) : null}
    </>
  );
}

function clipNameOf(queries: { data?: { clip: Parameters<typeof clipName>[0] } }[], ids: string[], id: string): string {
  const data = queries[ids.indexOf(id)]?.data;
  return data ? clipName(data.clip) : id;
}

/** `datetime-local` wants local time without a zone. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function Publications({ clipId, label }: { clipId: string; label: string }) {
  const profileId = useProfileId();
  const queryClient = useQueryClient();
  const key = [profileId, 'publications', clipId];
  const list = useQuery({ queryKey: key, queryFn: () => postiz.publications(clipId) });
  const [error, setError] = useState<unknown>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    }
    await queryClient.invalidateQueries({ queryKey: key });
  };
  return (
    <div>
      <h3>Results for {label}</h3>
      <ErrorText error={list.error ?? error} />
      {(list.data?.publications ?? [])
        .filter((p) => p.status === 'draft' || p.status === 'scheduled')
        .map((p) => (
          <p key={p.id}>
            {p.status === 'draft' ? (
              <button type="button" onClick={() => act(() => postiz.approve(p.id))}>
                Approve draft
              </button>
            ) : null}{' '}
            <button type="button" onClick={() => act(() => postiz.withdraw(p.id))}>
              Withdraw {p.status === 'draft' ? 'draft' : 'scheduled post'}
            </button>
          </p>
        ))}
      <DataTable columns={['Publication', 'Platform', 'State', 'Link or error']}>
        {(list.data?.publications ?? []).flatMap((p) =>
          (p.posts.length ? p.posts : [null]).map((post) => (
            <tr key={post?.post_id ?? p.id}>
              <td>
                <StatusBadge status={p.status} />
              </td>
              <td>{post?.platform ?? p.platforms.join(', ')}</td>
              <td>{post?.state ?? '–'}</td>
              <td>
                {post?.release_url ? (
                  <a href={post.release_url} target="_blank" rel="noreferrer">
                    {post.release_url}
                  </a>
                ) : (
                  (p.error ?? (p.scheduled_at ? `scheduled for ${new Date(p.scheduled_at).toLocaleString()}` : ''))
                )}
              </td>
            </tr>
          )),
        )}
      </DataTable>
    </div>
  );
}
