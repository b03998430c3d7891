/** Small pieces every screen uses: errors, job progress, status badges, durations, confirmations. */
import type { ReactNode } from 'react';
import { ApiError } from '../api/http.ts';
import type { Clip, Job } from '../api/types.ts';
import { isFinished } from '../jobs/job-events.ts';
import { useJob } from '../jobs/use-job.ts';

export function errorText(error: unknown): string {
  if (error instanceof ApiError)
    return error.requestId ? `${error.message} (request ${error.requestId})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  );
}

export function ProgressBar({ label, value, children }: { label: string; value: number; children?: ReactNode }) {
  const percent = Math.round(Math.max(0, Math.min(100, value)));
  return (
    <div className="progress">
      <progress aria-label={label} max={100} value={percent} />
      <span className="progress-text">
        {percent}%{children ? <> · {children}</> : null}
      </span>
    </div>
  );
}

const STEP_NAMES: Record<string, string> = { completed: 'done', failed: 'failed', cancelled: 'cancelled' };

/** A job's live progress from its event stream; calls `onFinish` once it ends. */
export function JobProgress({
  jobId,
  label,
  onFinish,
}: {
  jobId: string;
  label: string;
  onFinish?: (job: Job) => void;
}) {
  const job = useJob(jobId, (next) => {
    if (isFinished(next)) onFinish?.(next);
  });
  if (!job)
    return (
      <ProgressBar label={label} value={0}>
        waiting
      </ProgressBar>
    );
  return (
    <div className="job-progress">
      <ProgressBar label={label} value={job.status === 'completed' ? 100 : job.progress}>
        {STEP_NAMES[job.status] ?? job.step ?? job.status}
      </ProgressBar>
      {job.error ? (
        <p className="error" role="alert">
          {job.error.message}
        </p>
      ) : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status.replaceAll('_', ' ')}</span>;
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

export const clipName = (clip: Pick<Clip, 'variant_name' | 'variant_index'>) =>
  clip.variant_name || `Variant ${clip.variant_index}`;

export const confirmed = (question: string) => window.confirm(question);
