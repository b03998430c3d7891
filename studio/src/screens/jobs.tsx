/** Jobs of the profile: live progress of the running ones, cancel, download of finished outputs. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { jobs } from '../api/endpoints.ts';
import type { Job, JobStatus } from '../api/types.ts';
import { ErrorText, JobProgress, StatusBadge } from '../components/feedback.tsx';
import { DataTable, LoadMore } from '../components/fields.tsx';
import { useProfileId } from '../profiles/profile-context.tsx';

const STATUSES: JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];
const active = (job: Job) => job.status === 'pending' || job.status === 'running';

export function JobsScreen() {
  const profileId = useProfileId();
  const [status, setStatus] = useState<JobStatus | ''>('');
  const [error, setError] = useState<unknown>(null);
  const list = useInfiniteQuery({
    queryKey: [profileId, 'jobs', status],
    queryFn: ({ pageParam }) => jobs.list(status || undefined, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const all = list.data?.pages.flatMap((p) => p.jobs) ?? [];

  const cancel = async (job: Job) => {
    setError(null);
    try {
      await jobs.cancel(job.id);
      await list.refetch();
    } catch (err) {
      setError(err);
    }
  };
  const download = async (job: Job) => {
    setError(null);
    try {
      const url = await jobs.downloadUrl(job.id);
      const link = document.createElement('a');
      link.href = url;
      link.download = '';
      link.click();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>Jobs</h1>
      <div className="inline-form">
        <div>
          <label htmlFor="job-status">Status</label>
          <select id="job-status" value={status} onChange={(e) => setStatus(e.target.value as JobStatus | '')}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="secondary" onClick={() => list.refetch()}>
          Refresh
        </button>
      </div>
      <ErrorText error={error ?? list.error} />
      {list.isSuccess && all.length === 0 ? <p>No jobs.</p> : null}
      <DataTable columns={['Job', 'Status', 'Progress', 'Started', 'Actions']}>
        {all.map((job) => (
          <tr key={job.id}>
            <td>
              {job.type.replaceAll('_', ' ')}
              <br />
              <code>{job.id}</code>
            </td>
            <td>
              <StatusBadge status={job.status} />
              {job.error ? <p className="error">{job.error.message}</p> : null}
            </td>
            <td>
              {active(job) ? (
                <JobProgress jobId={job.id} label={`Progress of ${job.id}`} onFinish={() => list.refetch()} />
              ) : (
                `${job.status === 'completed' ? 100 : job.progress}%`
              )}
            </td>
            <td>{new Date(job.created_at).toLocaleString()}</td>
            <td className="actions">
              {active(job) ? (
                <button type="button" className="danger" onClick={() => cancel(job)} aria-label={`Cancel ${job.id}`}>
                  Cancel
                </button>
              ) : null}
              {job.status === 'completed' && job.result ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => download(job)}
                  aria-label={`Download output of ${job.id}`}
                >
                  Download
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      <LoadMore list={list} />
    </>
  );
}
