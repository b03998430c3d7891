/**
 * Every operation the processor is working on, and the recent ones it finished, by id.
 *
 * A *background* run has an id the caller chose (`?operation_id=`): it does not belong to any
 * connection, so a caller may hang up and come back (attach) or cancel it by id, and starting the
 * same id while it runs joins it instead of doing the work twice. Once it ended, how it ended is
 * remembered for `rememberMs` after it was last asked for (a resumed job attaches to its earlier
 * steps again to get their results), at most `maxRemembered` runs, least recently asked dropped
 * first. Starting the id of an ended run starts it afresh: only a caller that knows the result is
 * still good (its outputs still stored) attaches to take it; a retry must really retry.
 * A *connection* run has no id: it is what `POST /v1/{operation}` always was, and is forgotten as
 * soon as it ends.
 */
import type { ProcessorErrorCode } from '../../shared/processor/errors.ts';
import type { OperationState, OperationStatus, StreamLine } from '../../shared/processor/protocol.ts';

export type RunOutcome =
  | { type: 'result'; result: unknown }
  | { type: 'error'; code: ProcessorErrorCode; message: string };

/** The work of a run: honours `signal`, reports progress, and settles with its outcome (never throws). */
export type RunWork = (signal: AbortSignal, progress: (percent: number, step: string) => void) => Promise<RunOutcome>;

export interface Run {
  readonly id: string;
  readonly operation: string;
  /** True for runs started with an id (kept, found and cancelled by it). */
  readonly background: boolean;
  status(): OperationStatus;
  finished(): boolean;
  /** Sends where the run is (its last progress, or its outcome) at once, then every change; returns the unfollow. */
  follow(listener: (line: StreamLine) => void): () => void;
  /** Stops the run (its processes are killed); it ends `cancelled`. Resolves once it has ended. */
  cancel(): Promise<void>;
  /** Resolves once the run has ended. */
  readonly ended: Promise<void>;
}

export type StartOutcome =
  | { kind: 'started'; run: Run }
  | { kind: 'attached'; run: Run }
  | { kind: 'busy'; running: number }
  | { kind: 'conflict'; run: Run };

export interface RunRegistryOptions {
  /** Runs working at once; a start over this answers `busy`. */
  maxRunning: number;
  /** How long a finished run is remembered after it was last asked for, ms. */
  rememberMs: number;
  /** Finished runs remembered at most. */
  maxRemembered: number;
  now?: () => number;
}

export interface RunRegistry {
  /** Starts `operation` (under `id` when given), or attaches to the run of that id while it runs. */
  start(id: string | undefined, operation: string, work: RunWork): StartOutcome;
  get(id: string): Run | undefined;
  running(): number;
  remembered(): number;
  /** Aborts every running run (shutdown). */
  abortAll(): void;
  /** Stops the clean-up timer. */
  close(): void;
}

const CANCELLED: RunOutcome = { type: 'error', code: 'cancelled', message: 'The operation was cancelled' };

class RunRecord implements Run {
  readonly id: string;
  readonly operation: string;
  readonly background: boolean;
  readonly controller = new AbortController();
  readonly listeners = new Set<(line: StreamLine) => void>();
  readonly startedAt: number;
  percent = -1;
  step = '';
  outcome: RunOutcome | null = null;
  finishedAt: number | null = null;
  cancelled = false;
  lastAsked: number;
  readonly ended: Promise<void>;
  private end!: () => void;

  constructor(id: string, operation: string, background: boolean, now: number) {
    this.id = id;
    this.operation = operation;
    this.background = background;
    this.startedAt = now;
    this.lastAsked = now;
    this.ended = new Promise<void>((resolve) => {
      this.end = resolve;
    });
  }

  state(): OperationState {
    if (!this.outcome) return 'running';
    if (this.outcome.type === 'result') return 'succeeded';
    return this.outcome.code === 'cancelled' ? 'cancelled' : 'failed';
  }

  status(): OperationStatus {
    const outcome = this.outcome;
    return {
      id: this.id,
      operation: this.operation,
      state: this.state(),
      percent: Math.max(0, this.percent),
      step: this.step,
      ...(outcome?.type === 'result' ? { result: outcome.result } : {}),
      ...(outcome?.type === 'error' ? { error: { code: outcome.code, message: outcome.message } } : {}),
      started_at: new Date(this.startedAt).toISOString(),
      finished_at: this.finishedAt === null ? null : new Date(this.finishedAt).toISOString(),
    };
  }

  finished(): boolean {
    return this.outcome !== null;
  }

  private line(): StreamLine | null {
    if (this.outcome) return this.outcome;
    return this.percent >= 0 ? { type: 'progress', percent: this.percent, step: this.step } : null;
  }

  follow(listener: (line: StreamLine) => void): () => void {
    const now = this.line();
    if (now) listener(now);
    if (this.outcome) return () => {};
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  progress(percent: number, step: string): void {
    if (this.outcome) return;
    const rounded = Math.max(0, Math.min(100, Math.floor(percent)));
    if (rounded === this.percent && step === this.step) return;
    this.percent = rounded;
    this.step = step;
    const line: StreamLine = { type: 'progress', percent: rounded, step };
    for (const listener of this.listeners) listener(line);
  }

  settle(outcome: RunOutcome, now: number): void {
    this.outcome = this.cancelled ? CANCELLED : outcome;
    this.finishedAt = now;
    this.lastAsked = now;
    for (const listener of this.listeners) listener(this.outcome);
    this.listeners.clear();
    this.end();
  }

  cancel(): Promise<void> {
    if (!this.outcome) {
      this.cancelled = true;
      this.controller.abort();
    }
    return this.ended;
  }
}

export function createRunRegistry(options: RunRegistryOptions): RunRegistry {
  const now = options.now ?? Date.now;
  /** Background runs by id, least recently asked first (running and finished alike). */
  const byId = new Map<string, RunRecord>();
  const connectionRuns = new Set<RunRecord>();
  let runningCount = 0;
  let finishedCount = 0;
  let anonymous = 0;

  /** Moves a run to the end of the map: the most recently asked. */
  const touch = (run: RunRecord) => {
    run.lastAsked = now();
    byId.delete(run.id);
    byId.set(run.id, run);
  };

  /** Forgets finished runs asked for longer ago than `rememberMs`, and the oldest over `maxRemembered`. */
  const sweep = () => {
    const cutoff = now() - options.rememberMs;
    let excess = finishedCount - options.maxRemembered;
    for (const run of byId.values()) {
      if (!run.finished()) continue;
      if (run.lastAsked > cutoff && excess <= 0) break;
      byId.delete(run.id);
      finishedCount--;
      excess--;
    }
  };
  const timer = setInterval(sweep, Math.max(1000, Math.min(options.rememberMs, 60_000)));
  timer.unref();

  const launch = (run: RunRecord, work: RunWork) => {
    runningCount++;
    const report = (percent: number, step: string) => run.progress(percent, step);
    void work(run.controller.signal, report)
      .catch((err: unknown): RunOutcome => ({ type: 'error', code: 'internal', message: String(err) }))
      .then((outcome) => {
        runningCount--;
        if (run.background) {
          finishedCount++;
          touch(run);
        } else connectionRuns.delete(run);
        run.settle(outcome, now());
        sweep();
      });
  };

  return {
    start(id, operation, work) {
      sweep();
      const existing = id === undefined ? undefined : byId.get(id);
      if (existing) {
        if (existing.operation !== operation) return { kind: 'conflict', run: existing };
        if (!existing.finished()) {
          touch(existing);
          return { kind: 'attached', run: existing };
        }
      }
      if (runningCount >= options.maxRunning) return { kind: 'busy', running: runningCount };
      if (existing) {
        byId.delete(existing.id);
        finishedCount--;
      }
      const run = new RunRecord(id ?? `connection-${++anonymous}`, operation, id !== undefined, now());
      if (run.background) byId.set(run.id, run);
      else connectionRuns.add(run);
      launch(run, work);
      return { kind: 'started', run };
    },

    get(id) {
      sweep();
      const run = byId.get(id);
      if (run) touch(run);
      return run;
    },

    running: () => runningCount,
    remembered: () => finishedCount,

    abortAll() {
      for (const run of [...byId.values(), ...connectionRuns]) if (!run.finished()) run.controller.abort();
    },

    close() {
      clearInterval(timer);
    },
  };
}
