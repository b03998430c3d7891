/**
 * Live job state, pushed: one `JobEventsHub` Durable Object per job (named by profile and job) holds
 * the job's latest row and streams every change to the job's watchers. Whatever writes a job row
 * announces the row it wrote (`announceJob`); the events route (src/routes/jobs/events.ts) reads
 * from the hub, so an open stream costs no D1 query however many watch, where it used to poll D1
 * once a second per stream. D1 stays the record: the hub keeps its row in memory only, and a
 * watcher finds the job in D1 whenever the hub holds no live (unfinished) row for it — a hub that
 * was evicted, or a job that already finished.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../core/env.ts';
import { type JobRow, isTerminal, requestCancel } from '../db/repos/jobs.ts';
import type { ProfileScope } from '../db/scope.ts';

/** A comment line every this often keeps idle streams (and the proxies on the way) open. */
export const JOB_EVENTS_HEARTBEAT_MS = 15_000;
/** Updates queued for one watcher that does not read: past this many it is dropped (it reconnects). */
const MAX_QUEUED_UPDATES = 64;

/** One line of a hub's feed (NDJSON): the job's row, or a heartbeat. */
export type JobFeedItem = { job: JobRow } | { heartbeat: true };

const encoder = new TextEncoder();
const line = (item: JobFeedItem) => encoder.encode(`${JSON.stringify(item)}\n`);

/** Whether `row` supersedes `latest`: rows only move forward, and a finished job never changes again. */
function supersedes(row: JobRow, latest: JobRow | null): boolean {
  if (!latest) return true;
  if (isTerminal(latest)) return false;
  return row.updatedAt >= latest.updatedAt;
}

export class JobEventsHub extends DurableObject<Bindings> {
  private latest: JobRow | null = null;
  private readonly watchers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  /** A job row was written (by the consumer, a cancel, …): keep it if newer, and pass it on. */
  async publish(row: JobRow): Promise<void> {
    if (!supersedes(row, this.latest)) return;
    this.latest = row;
    for (const writer of this.watchers) this.send(writer, { job: row });
    if (isTerminal(row)) for (const writer of [...this.watchers]) this.close(writer);
  }

  /**
   * A watcher's feed: the latest row, then every change, heartbeats, and the end after a finished
   * row. With no `seed` (a row the caller read from D1), null when the hub holds no live row: the
   * caller then reads D1 and asks again with what it found.
   */
  async watch(seed: JobRow | null): Promise<ReadableStream<Uint8Array> | null> {
    if (seed && supersedes(seed, this.latest)) this.latest = seed;
    if (!this.latest || (!seed && isTerminal(this.latest))) return null;
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.send(writer, { job: this.latest });
    if (isTerminal(this.latest)) {
      writer.close().catch(() => {});
      return readable;
    }
    this.watchers.add(writer);
    this.heartbeat ??= setInterval(() => {
      for (const w of this.watchers) this.send(w, { heartbeat: true });
    }, JOB_EVENTS_HEARTBEAT_MS);
    return readable;
  }

  /** How many watchers are connected (tests, logs). */
  async watcherCount(): Promise<number> {
    return this.watchers.size;
  }

  private send(writer: WritableStreamDefaultWriter<Uint8Array>, item: JobFeedItem): void {
    if (writer.desiredSize !== null && writer.desiredSize < -MAX_QUEUED_UPDATES) {
      this.close(writer);
      return;
    }
    writer.write(line(item)).catch(() => this.forget(writer));
  }

  private close(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.forget(writer);
    writer.close().catch(() => {});
  }

  private forget(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.watchers.delete(writer);
    if (this.watchers.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}

/** The hub of one job in one profile: another profile's hub of the same job id is another object. */
export function jobEventsHub(env: Pick<Bindings, 'JOB_EVENTS'>, scope: ProfileScope, jobId: string) {
  return env.JOB_EVENTS.get(env.JOB_EVENTS.idFromName(`${scope.profileId}/${jobId}`));
}

/**
 * Tells the job's watchers about a row just written. Never fails the caller: D1 is the record,
 * and a watcher that missed a change finds it in D1 when it reconnects.
 */
export async function announceJob(
  env: Pick<Bindings, 'JOB_EVENTS'>,
  scope: ProfileScope,
  row: JobRow | undefined,
): Promise<void> {
  if (!row) return;
  try {
    await jobEventsHub(env, scope, row.id).publish(row);
  } catch (err) {
    console.error(
      JSON.stringify({ level: 'error', msg: 'job event not delivered', job_id: row.id, error: String(err) }),
    );
  }
}

/** `requestCancel` (src/db/repos/jobs.ts), announced to the job's watchers. */
export async function requestJobCancel(
  env: Pick<Bindings, 'JOB_EVENTS'>,
  scope: ProfileScope,
  jobId: string,
): Promise<JobRow | undefined> {
  const row = await requestCancel(scope, jobId);
  await announceJob(env, scope, row);
  return row;
}

/** Reads a hub's feed line by line. */
export async function* readJobFeed(feed: ReadableStream<Uint8Array>): AsyncGenerator<JobFeedItem> {
  let buffered = '';
  for await (const chunk of feed.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (text) yield JSON.parse(text) as JobFeedItem;
      newline = buffered.indexOf('\n');
    }
  }
}
