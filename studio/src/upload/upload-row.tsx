/** One upload: progress, speed, pause/resume, then the probe job's live progress until the video is ready. */
import { useState } from 'react';
import { Link } from 'wouter';
import type { Job } from '../api/types.ts';
import { JobProgress, ProgressBar } from '../components/feedback.tsx';
import { type UploadItem, uploadStore } from './upload-store.ts';
import { formatBytes } from './uploader.ts';

export function UploadRow({ item, onFinished }: { item: UploadItem; onFinished: () => void }) {
  const [probe, setProbe] = useState<Job | null>(null);
  const { upload, progress, choice } = item;
  if (!upload || !choice) return null;
  const name = choice.name;
  const state = progress?.state ?? 'starting';
  const percent = progress ? (100 * progress.sent) / Math.max(1, progress.total) : 0;
  const finished = state === 'failed' || probe !== null;
  return (
    <section className="card upload-row" aria-label={`Upload of ${name}`}>
      <h2>{name}</h2>
      {choice.note ? <p className="hint">{choice.note}</p> : null}
      {state !== 'done' ? (
        <ProgressBar label={`Uploading ${name}`} value={percent}>
          {state === 'paused' ? 'paused · ' : ''}
          {formatBytes(progress?.sent ?? 0)} of {formatBytes(choice.file.size)}
          {progress?.bytesPerSecond ? ` · ${formatBytes(progress.bytesPerSecond)}/s` : ''}
        </ProgressBar>
      ) : null}
      {progress?.state === 'done' && progress.jobId ? (
        <JobProgress
          jobId={progress.jobId}
          label={`Processing ${name}`}
          onFinish={(job) => {
            setProbe(job);
            onFinished();
          }}
        />
      ) : null}
      {probe?.status === 'completed' && progress?.videoId ? (
        <p role="status">
          Ready. <Link href={`/videos/${progress.videoId}`}>Open {name} in the editor</Link>
        </p>
      ) : null}
      {progress?.error ? (
        <p className="error" role="alert">
          {progress.error}
        </p>
      ) : null}
      <div className="actions">
        {state === 'uploading' ? (
          <button type="button" className="secondary" onClick={() => upload.pause()}>
            Pause
          </button>
        ) : null}
        {state === 'paused' ? (
          <button type="button" onClick={() => void upload.resume()}>
            Resume
          </button>
        ) : null}
        {state === 'uploading' || state === 'paused' ? (
          <button type="button" className="danger" onClick={() => uploadStore.dismiss(item.key)}>
            Cancel upload
          </button>
        ) : null}
        {finished ? (
          <button type="button" className="secondary" onClick={() => uploadStore.dismiss(item.key)}>
            Dismiss
          </button>
        ) : null}
      </div>
    </section>
  );
}
