/**
 * Live job state from the API's event stream (`GET /api/v1/jobs/{id}/events`, Server-Sent Events).
 * `EventSource` cannot send an Authorization header, so the stream is read with `fetch` and parsed
 * with eventsource-parser: the token stays in a header, never in a URL.
 *
 * One watcher per job, shared by every component that shows it. Browsers keep at most six HTTP/1.1
 * connections per origin (local dev), and each open stream holds one, so at most
 * `MAX_STREAMS` jobs stream at once; the others are polled (and take a stream when one frees up). A stream that
 * ends without its `end` event (the server closes long streams) or breaks is reopened.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { ApiError, apiFetch, credentials } from '../api/http.ts';
import { jobs } from '../api/endpoints.ts';
import type { Job } from '../api/types.ts';

export const MAX_STREAMS = 3;
const POLL_MS = 2000;
const RETRY_MS = 1500;

type Listener = (job: Job) => void;

export const isFinished = (job: Pick<Job, 'status'>) =>
  job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';

class JobWatch {
  readonly listeners = new Set<Listener>();
  latest: Job | null = null;
  private controller = new AbortController();
  private streaming = false;
  private stopped = false;
  /** The profile the job belongs to: the one active when watching began. */
  private readonly profileId = credentials.profileId ?? undefined;

  constructor(readonly jobId: string) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller.abort();
    if (this.streaming) releaseStream();
  }

  private emit(job: Job): void {
    this.latest = job;
    for (const listener of this.listeners) listener(job);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.latest && isFinished(this.latest)) return;
        if (takeStream()) {
          this.streaming = true;
          try {
            await this.stream();
          } finally {
            this.streaming = false;
            releaseStream();
          }
          if (this.latest && isFinished(this.latest)) return;
          await sleep(RETRY_MS, this.controller.signal);
        } else {
          this.emit(await jobs.getIn(this.profileId, this.jobId));
          if (isFinished(this.latest!)) return;
          await sleep(POLL_MS, this.controller.signal);
        }
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof ApiError && (err.status === 404 || err.status === 401 || err.status === 403)) return;
        await sleep(RETRY_MS, this.controller.signal).catch(() => {});
      }
    }
  }

  private async stream(): Promise<void> {
    const res = await apiFetch(`/api/v1/jobs/${this.jobId}/events`, {
      signal: this.controller.signal,
      headers: { Accept: 'text/event-stream' },
      profileId: this.profileId,
    });
    if (!res.body) return;
    const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    const reader = events.getReader();
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        const event = next.value;
        if (event.event !== 'progress' && event.event !== 'end') continue;
        const data = JSON.parse(event.data) as Job | { status: 'deleted' };
        if (data.status === 'deleted') {
          this.stopped = true;
          return;
        }
        this.emit(data as Job);
        if (event.event === 'end') return;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}

let openStreams = 0;

function takeStream(): boolean {
  if (openStreams >= MAX_STREAMS) return false;
  openStreams += 1;
  return true;
}

function releaseStream(): void {
  openStreams = Math.max(0, openStreams - 1);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal.addEventListener('abort', abort, { once: true });
  });
}

const watches = new Map<string, JobWatch>();

/** Follows a job until it finishes; the returned function stops listening. */
export function watchJob(jobId: string, listener: Listener): () => void {
  let watch = watches.get(jobId);
  if (!watch) {
    watch = new JobWatch(jobId);
    watches.set(jobId, watch);
    watch.listeners.add(listener);
    watch.start();
  } else {
    watch.listeners.add(listener);
    if (watch.latest) listener(watch.latest);
  }
  const current = watch;
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) {
      current.stop();
      watches.delete(jobId);
    }
  };
}
