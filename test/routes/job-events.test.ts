/**
 * GET /api/v1/jobs/{id}/events pushed by the job's hub: many watchers cost D1 nothing while the job
 * runs, a reconnect resumes with Last-Event-ID, and a finished job is answered from D1.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Bindings } from '../../src/core/env.ts';
import { createDb } from '../../src/db/client.ts';
import { getJob, insertJobStatement } from '../../src/db/repos/jobs.ts';
import { type ProfileScope, scopeForVerifiedProfile } from '../../src/db/scope.ts';
import { newId } from '../../src/core/ids.ts';
import { openGate, processJobMessage, testJobs } from '../helpers/worker/jobs.ts';
import { type Tenant, seedUser } from '../helpers/worker/tenants.ts';

/** The test env with its D1 binding counting every statement prepared on it. */
function countingEnv(): { env: Bindings; queries: () => number } {
  let queries = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare')
        return (sql: string) => {
          queries += 1;
          return target.prepare(sql);
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { env: { ...env, DB: db }, queries: () => queries };
}

interface Watcher {
  events: EventSourceMessage[];
  /** Resolves when an event matching `test` arrived (or already had). */
  until(test: (event: EventSourceMessage) => boolean): Promise<EventSourceMessage>;
  /** Resolves when the server closed the stream. */
  closed: Promise<void>;
}

const app = createApp({ jobs: testJobs });

async function watch(
  tenant: Tenant,
  jobId: string,
  bindings: Bindings,
  headers: Record<string, string> = {},
): Promise<Watcher> {
  const res = await app.fetch(
    new Request(`http://cutroom.test/api/v1/jobs/${jobId}/events`, {
      headers: { ...tenant.headers, Accept: 'text/event-stream', ...headers },
    }),
    bindings,
    createExecutionContext(),
  );
  expect(res.status).toBe(200);
  const events: EventSourceMessage[] = [];
  const waiting = new Set<() => void>();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  const closed = (async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      events.push(next.value);
      for (const wake of waiting) wake();
    }
    for (const wake of waiting) wake();
  })();
  let done = false;
  void closed.then(() => {
    done = true;
  });
  return {
    events,
    closed,
    async until(test) {
      for (;;) {
        const found = events.find(test);
        if (found) return found;
        if (done) throw new Error(`stream closed without the event; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiting.delete(wake);
            resolve();
          };
          waiting.add(wake);
          void closed.then(wake);
        });
      }
    },
  };
}

const data = (event: EventSourceMessage) =>
  JSON.parse(event.data) as { status: string; progress: number; step: string };
const isProgress = (progress: number) => (e: EventSourceMessage) =>
  e.event === 'progress' && data(e).progress === progress;
const isEnd = (e: EventSourceMessage) => e.event === 'end';

async function gatedJob(): Promise<{ tenant: Tenant; scope: ProfileScope; jobId: string }> {
  const tenant = await seedUser('events');
  const scope = scopeForVerifiedProfile(createDb(env.DB), { profileId: tenant.profileId });
  const [row] = await insertJobStatement(scope, {
    id: newId('job'),
    type: 'echo',
    input: { message: 'pushed', gated: true },
  });
  return { tenant, scope, jobId: row!.id };
}

/** Runs a gated job watched by `count` watchers; returns the D1 statements prepared while it ran. */
async function runWatched(count: number) {
  const { tenant, scope, jobId } = await gatedJob();
  const d1 = countingEnv();
  const watchers: Watcher[] = [];
  for (let i = 0; i < count; i++) watchers.push(await watch(tenant, jobId, d1.env));
  await Promise.all(watchers.map((w) => w.until((e) => e.event === 'progress' && data(e).status === 'pending')));
  const connected = d1.queries();

  const run = processJobMessage(d1.env, { kind: 'job', job_id: jobId, profile_id: scope.profileId, type: 'echo' }, 1);
  await Promise.all(watchers.map((w) => w.until(isProgress(50))));
  openGate(jobId);
  await run;
  const ends = await Promise.all(watchers.map((w) => w.until(isEnd)));
  await Promise.all(watchers.map((w) => w.closed));
  for (const end of ends)
    expect(JSON.parse(end.data)).toMatchObject({ status: 'completed', result: { message: 'pushed' } });
  return { connected, whileRunning: d1.queries() - connected };
}

describe('job events pushed by the job hub', () => {
  it('costs D1 the same while a job runs whether 1 or 200 watch it', async () => {
    const one = await runWatched(1);
    const many = await runWatched(200);
    // The consumer's own reads and writes; no watcher adds any (polling added one per watcher per second).
    expect(one.whileRunning).toBeGreaterThan(0);
    expect(many.whileRunning).toBe(one.whileRunning);
    // Connecting costs each watcher its sign-in's profile check; the job row is read from D1 once,
    // by the first watcher, and the other 199 are served by the hub.
    const perExtraWatcher = (many.connected - one.connected) / 199;
    expect(Number.isInteger(perExtraWatcher)).toBe(true);
    const second = await runWatched(2);
    expect(second.connected - one.connected).toBe(perExtraWatcher);
  });

  it('resumes after a reconnect with Last-Event-ID without repeating what the client had', async () => {
    const { tenant, scope, jobId } = await gatedJob();
    const first = await watch(tenant, jobId, env);
    const pending = await first.until((e) => e.event === 'progress');
    const run = processJobMessage(env, { kind: 'job', job_id: jobId, profile_id: scope.profileId, type: 'echo' }, 1);
    const halfway = await first.until(isProgress(50));
    expect(halfway.id).toBe((await getJob(scope, jobId))!.updatedAt);

    const resumedAfterPending = await watch(tenant, jobId, env, { 'Last-Event-ID': pending.id! });
    const resumedAfterHalfway = await watch(tenant, jobId, env, { 'Last-Event-ID': halfway.id! });
    await resumedAfterPending.until(isProgress(50));
    openGate(jobId);
    await run;
    await resumedAfterHalfway.until(isEnd);
    await resumedAfterHalfway.closed;
    // It had the halfway state: the completion follows, not the halfway state again.
    const seen = (w: Watcher) => w.events.map((e) => [e.event, e.event === 'progress' ? data(e).progress : null]);
    expect(seen(resumedAfterHalfway)).toEqual([
      ['progress', 100],
      ['end', null],
    ]);
    expect(seen(resumedAfterPending)).toEqual([
      ['progress', 50],
      ['progress', 100],
      ['end', null],
    ]);
  });

  it('answers a watcher of a finished job from D1, the record', async () => {
    const { tenant, scope, jobId } = await gatedJob();
    const live = await watch(tenant, jobId, env);
    openGate(jobId);
    await processJobMessage(env, { kind: 'job', job_id: jobId, profile_id: scope.profileId, type: 'echo' }, 1);
    await live.until(isEnd);
    // The hub still holds the completed row; D1 is changed behind its back.
    await env.DB.prepare("UPDATE jobs SET step = 'Completed (D1)' WHERE id = ?").bind(jobId).run();
    const late = await watch(tenant, jobId, env);
    await late.closed;
    expect(late.events.map((e) => e.event)).toEqual(['progress', 'end']);
    expect(data(late.events[1]!)).toMatchObject({ status: 'completed', step: 'Completed (D1)' });
  });

  it('keeps a live hub within its profile: another profile gets 404', async () => {
    const { tenant, scope, jobId } = await gatedJob();
    const live = await watch(tenant, jobId, env);
    const run = processJobMessage(env, { kind: 'job', job_id: jobId, profile_id: scope.profileId, type: 'echo' }, 1);
    await live.until(isProgress(50));
    const other = await seedUser('events-other');
    const res = await app.fetch(
      new Request(`http://cutroom.test/api/v1/jobs/${jobId}/events`, { headers: other.headers }),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(404);
    openGate(jobId);
    await run;
    await live.until(isEnd);
  });
});
