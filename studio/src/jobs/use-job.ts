import { useEffect, useRef, useState } from 'react';
import type { Job } from '../api/types.ts';
import { watchJob } from './job-events.ts';

/** The live state of a job (null until the first event), or null without a job id. */
export function useJob(jobId: string | null | undefined, onChange?: (job: Job) => void): Job | null {
  const [job, setJob] = useState<Job | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    setJob(null);
    if (!jobId) return;
    return watchJob(jobId, (next) => {
      setJob(next);
      changed.current?.(next);
    });
  }, [jobId]);
  return job;
}
