/**
 * The operation registry (runs.ts) on its own, with work the test finishes by hand and a clock it
 * moves: one run per id however often it is started, its status and stream, cancellation, retries
 * of failed runs, and how long and how many finished runs are remembered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamLine } from '../../../shared/processor/protocol.ts';
import { createRunRegistry, type RunOutcome, type RunRegistry, type RunWork } from '../../src/runs.ts';

/** Work the test controls: how often it started, its signal, its progress, and when it ends. */
function controlledWork() {
  const calls: { signal: AbortSignal; progress: (percent: number, step: string) => void }[] = [];
  const endings: ((outcome: RunOutcome) => void)[] = [];
  const work: RunWork = (signal, progress) =>
    new Promise<RunOutcome>((resolve) => {
      calls.push({ signal, progress });
      endings.push(resolve);
      signal.addEventListener('abort', () => resolve({ type: 'error', code: 'internal', message: 'aborted' }));
    });
  return {
    work,
    calls,
    /** Ends the n-th started run (0-based) with this outcome. */
    end: (n: number, outcome: RunOutcome) => endings[n]!(outcome),
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

let clock = 0;
let registry: RunRegistry;
const make = (options: Partial<{ maxRunning: number; rememberMs: number; maxRemembered: number }> = {}) => {
  clock = 1_000_000;
  registry = createRunRegistry({
    maxRunning: 4,
    rememberMs: 60_000,
    maxRemembered: 100,
    now: () => clock,
    ...options,
  });
  return registry;
};
afterEach(() => registry?.close());

describe('starting an id', () => {
  it('runs the work once however often the id is started, and every caller follows the same run', async () => {
    const runs = make();
    const w = controlledWork();
    const first = runs.start('job_a.render.1', 'render', w.work);
    const second = runs.start('job_a.render.1', 'render', w.work);
    expect(first.kind).toBe('started');
    expect(second.kind).toBe('attached');
    if (first.kind !== 'started' || second.kind !== 'attached') return;
    expect(second.run).toBe(first.run);
    expect(w.calls).toHaveLength(1);
    expect(runs.running()).toBe(1);

    const seen: StreamLine[] = [];
    w.calls[0]!.progress(41.7, 'encoding');
    first.run.follow((line) => seen.push(line));
    w.calls[0]!.progress(80, 'encoding');
    w.end(0, { type: 'result', result: { duration: 3 } });
    await settled();
    expect(seen).toEqual([
      { type: 'progress', percent: 41, step: 'encoding' },
      { type: 'progress', percent: 80, step: 'encoding' },
      { type: 'result', result: { duration: 3 } },
    ]);
    expect(runs.running()).toBe(0);
  });

  it('keeps a succeeded run for whoever attaches, and runs its id afresh when started again', async () => {
    const runs = make();
    const w = controlledWork();
    runs.start('op-1', 'probe', w.work);
    w.end(0, { type: 'result', result: { ok: 1 } });
    await settled();
    const seen: StreamLine[] = [];
    runs.get('op-1')?.follow((line) => seen.push(line));
    expect(seen).toEqual([{ type: 'result', result: { ok: 1 } }]);
    expect(w.calls).toHaveLength(1);
    // Its outputs may be gone by now: only the caller knows, so a start really starts.
    expect(runs.start('op-1', 'probe', w.work).kind).toBe('started');
    expect(w.calls).toHaveLength(2);
  });

  it('starts a failed id afresh: a retry really retries', async () => {
    const runs = make();
    const w = controlledWork();
    runs.start('op-1', 'probe', w.work);
    w.end(0, { type: 'error', code: 'input_unreachable', message: 'upstream 502' });
    await settled();
    expect(runs.get('op-1')?.status()).toMatchObject({
      state: 'failed',
      error: { code: 'input_unreachable', message: 'upstream 502' },
    });
    const again = runs.start('op-1', 'probe', w.work);
    expect(again.kind).toBe('started');
    expect(w.calls).toHaveLength(2);
    expect(runs.get('op-1')?.status().state).toBe('running');
  });

  it('refuses an id that names another operation', () => {
    const runs = make();
    const w = controlledWork();
    runs.start('op-1', 'probe', w.work);
    expect(runs.start('op-1', 'render', w.work).kind).toBe('conflict');
    expect(w.calls).toHaveLength(1);
  });

  it('answers busy over maxRunning for new work, but still lets callers attach to what runs', () => {
    const runs = make({ maxRunning: 1 });
    const w = controlledWork();
    expect(runs.start('op-1', 'render', w.work).kind).toBe('started');
    expect(runs.start('op-2', 'render', w.work)).toEqual({ kind: 'busy', running: 1 });
    expect(runs.start(undefined, 'probe', w.work).kind).toBe('busy');
    expect(runs.start('op-1', 'render', w.work).kind).toBe('attached');
    expect(w.calls).toHaveLength(1);
  });
});

describe('status', () => {
  it('reports state, progress, result and times', async () => {
    const runs = make();
    const w = controlledWork();
    runs.start('op-1', 'extract', w.work);
    w.calls[0]!.progress(12, 'cutting');
    expect(runs.get('op-1')?.status()).toEqual({
      id: 'op-1',
      operation: 'extract',
      state: 'running',
      percent: 12,
      step: 'cutting',
      started_at: new Date(1_000_000).toISOString(),
      finished_at: null,
    });
    clock += 5000;
    w.end(0, { type: 'result', result: { size_bytes: 10 } });
    await settled();
    expect(runs.get('op-1')?.status()).toMatchObject({
      state: 'succeeded',
      result: { size_bytes: 10 },
      finished_at: new Date(1_005_000).toISOString(),
    });
    expect(runs.get('nope')).toBeUndefined();
  });
});

describe('cancelling', () => {
  it('aborts the work and ends the run cancelled, whatever the work answers after', async () => {
    const runs = make();
    const w = controlledWork();
    const start = runs.start('op-1', 'render', w.work);
    if (start.kind !== 'started') throw new Error(start.kind);
    const seen: StreamLine[] = [];
    start.run.follow((line) => seen.push(line));
    await start.run.cancel();
    expect(w.calls[0]!.signal.aborted).toBe(true);
    expect(start.run.status()).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(seen.at(-1)).toEqual({ type: 'error', code: 'cancelled', message: 'The operation was cancelled' });
    expect(runs.running()).toBe(0);
    // A cancelled id started again runs again.
    expect(runs.start('op-1', 'render', w.work).kind).toBe('started');
  });

  it('leaves a finished run as it was', async () => {
    const runs = make();
    const w = controlledWork();
    runs.start('op-1', 'probe', w.work);
    w.end(0, { type: 'result', result: 1 });
    await settled();
    await runs.get('op-1')!.cancel();
    expect(runs.get('op-1')?.status().state).toBe('succeeded');
  });
});

describe('connection runs (no id)', () => {
  it('are neither found by id nor remembered once they end', async () => {
    const runs = make();
    const w = controlledWork();
    const start = runs.start(undefined, 'probe', w.work);
    if (start.kind !== 'started') throw new Error(start.kind);
    expect(start.run.background).toBe(false);
    expect(runs.get(start.run.id)).toBeUndefined();
    w.end(0, { type: 'result', result: 1 });
    await settled();
    expect(runs.remembered()).toBe(0);
  });
});

describe('memory', () => {
  it('forgets a finished run rememberMs after it was last asked for; asking again extends it', async () => {
    const runs = make({ rememberMs: 60_000 });
    const w = controlledWork();
    runs.start('kept', 'probe', w.work);
    runs.start('dropped', 'probe', w.work);
    w.end(0, { type: 'result', result: 1 });
    w.end(1, { type: 'result', result: 2 });
    await settled();
    clock += 50_000;
    expect(runs.get('kept')).toBeDefined();
    clock += 20_000;
    expect(runs.get('dropped')).toBeUndefined();
    expect(runs.get('kept')?.status().result).toBe(1);
    expect(runs.remembered()).toBe(1);
  });

  it('never forgets a run that is still working, however long it takes', () => {
    const runs = make({ rememberMs: 1000 });
    const w = controlledWork();
    runs.start('long', 'render', w.work);
    clock += 3_600_000;
    expect(runs.get('long')?.status().state).toBe('running');
  });

  it('remembers at most maxRemembered finished runs, the least recently asked forgotten first', async () => {
    const runs = make({ maxRemembered: 2 });
    const w = controlledWork();
    for (const id of ['a', 'b', 'c']) runs.start(id, 'probe', w.work);
    w.end(0, { type: 'result', result: 'a' });
    await settled();
    w.end(1, { type: 'result', result: 'b' });
    await settled();
    clock += 1;
    runs.get('a');
    w.end(2, { type: 'result', result: 'c' });
    await settled();
    expect(runs.remembered()).toBe(2);
    expect(runs.get('b')).toBeUndefined();
    expect(runs.get('a')?.status().result).toBe('a');
    expect(runs.get('c')?.status().result).toBe('c');
  });
});
